import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UrlProvider, displayUrl, scrubSecrets, urlForDatabase } from '../src/roundtrip/providers/url.js';
import { GateError } from '../src/types.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';

const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
const created: string[] = [];

async function databaseExists(name: string): Promise<boolean> {
  const result = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return result.rowCount === 1;
}

async function databaseCount(): Promise<number> {
  const result = await admin.query<{ n: string }>('SELECT count(*) AS n FROM pg_database');
  return Number(result.rows[0]!.n);
}

beforeAll(async () => {
  await assertServerReachable();
  await admin.connect();
});

afterEach(async () => {
  for (const name of created.splice(0)) expect(await databaseExists(name), `${name} left behind`).toBe(false);
});

afterAll(async () => {
  await admin.end();
});

describe('url provider', () => {
  it('creates a scratch database of its own, connects to it, and drops it', async () => {
    const provider = new UrlProvider(TEST_DATABASE_URL);
    const info = await provider.start();
    expect(info.provider).toBe('url');
    expect(info.serverVersion).toMatch(/^\d+(\.\d+)?/);

    const scratch = await provider.createScratch();
    created.push(scratch.name);
    expect(scratch.name).toMatch(/^migration_gate_[a-z0-9]{12}$/);
    expect(await databaseExists(scratch.name)).toBe(true);
    expect(scratch.displayUrl).not.toContain(':postgres@');
    expect(scratch.displayUrl).toContain(':***@');

    const client = await scratch.connect();
    const row = await client.query<{ db: string }>('SELECT current_database() AS db');
    expect(row.rows[0]!.db).toBe(scratch.name);

    await scratch.terminateSessions();
    await expect(client.query('SELECT 1')).rejects.toThrow();
    await client.end().catch(() => undefined);

    await scratch.drop();
    await scratch.drop();
    expect(await databaseExists(scratch.name)).toBe(false);
    await provider.close();
  });

  it('drops every scratch database still alive when it closes, even with open sessions', async () => {
    const provider = new UrlProvider(TEST_DATABASE_URL);
    const a = await provider.createScratch();
    const b = await provider.createScratch();
    created.push(a.name, b.name);
    const open = await b.connect();
    await provider.close();
    expect(await databaseExists(a.name)).toBe(false);
    expect(await databaseExists(b.name)).toBe(false);
    await open.end().catch(() => undefined);
  });

  it('copies a scratch database with CREATE DATABASE … TEMPLATE, and only its own', async () => {
    const provider = new UrlProvider(TEST_DATABASE_URL);
    const source = await provider.createScratch();
    created.push(source.name);
    const client = await source.connect();
    await client.query('CREATE TABLE kept (id int)');
    await client.end();
    const copy = await provider.copyScratch(source);
    created.push(copy.name);
    const onCopy = await copy.connect();
    expect((await onCopy.query("SELECT to_regclass('public.kept')::text AS t")).rows[0].t).toBe('kept');
    await onCopy.end();
    const other = new UrlProvider(TEST_DATABASE_URL);
    await expect(other.copyScratch(source)).rejects.toThrow(/is not a live scratch database of this server/);
    await other.close();
    await provider.close();
  });

  it('drops a database still being created when it closes (SIGINT during CREATE DATABASE)', async () => {
    const provider = new UrlProvider(TEST_DATABASE_URL);
    const source = await provider.createScratch();
    created.push(source.name);
    const client = await source.connect();
    // Enough data that copying it keeps CREATE DATABASE … TEMPLATE busy for a while.
    await client.query(
      "CREATE TABLE filler AS SELECT g, repeat('x', 400) AS pad FROM generate_series(1, 100000) AS g",
    );
    await client.end();
    const copying = provider.copyScratch(source).then(
      (copy) => copy.name,
      () => null,
    );
    let inFlight: string | null = null;
    for (let i = 0; i < 200 && !inFlight; i++) {
      const row = await admin.query<{ name: string }>(
        `SELECT substring(query FROM 'CREATE DATABASE "(migration_gate_[a-z0-9]+)" TEMPLATE "${source.name}"') AS name
           FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'CREATE DATABASE %'`,
      );
      inFlight = row.rows.find((r) => r.name)?.name ?? null;
    }
    expect(inFlight, 'CREATE DATABASE … TEMPLATE was never seen running').not.toBeNull();
    created.push(inFlight!);
    await provider.close();
    expect(await copying).toBe(inFlight);
    expect(await databaseExists(inFlight!)).toBe(false);
  });

  it('refuses a role that may not create databases, and creates nothing', async () => {
    const role = `mg_nocreate_${randomBytes(4).toString('hex')}`;
    const password = `pw-${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE ROLE ${role} LOGIN NOCREATEDB NOSUPERUSER PASSWORD '${password}'`);
    try {
      const url = urlForDatabase(TEST_DATABASE_URL, 'postgres').replace(
        /\/\/[^@]*@/,
        `//${role}:${password}@`,
      );
      const before = await databaseCount();
      const provider = new UrlProvider(url);
      const error = await provider.start().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GateError);
      expect((error as Error).message).toBe(
        `the role '${role}' may not create databases: migration-gate needs a scratch database of its own ` +
          `(grant CREATEDB, or use --database embedded)`,
      );
      await expect(provider.createScratch()).rejects.toThrow(/may not create databases/);
      await provider.close();
      expect(await databaseCount()).toBe(before);
    } finally {
      await admin.query(`DROP ROLE ${role}`);
    }
  });

  it('reports an unreachable server in one line, quickly, without the password', async () => {
    const url = 'postgresql://gate:s3cr3t-pass@127.0.0.1:1/app';
    const provider = new UrlProvider(url, { connectTimeoutMs: 2_000 });
    const started = Date.now();
    const error = await provider.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(GateError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).not.toContain('s3cr3t');
    expect(message).toMatch(
      /^cannot connect to PostgreSQL at postgresql:\/\/gate:\*\*\*@127\.0\.0\.1:1\/app: .*ECONNREFUSED/,
    );
    await provider.close();
  });

  it('refuses a URL node-postgres cannot parse in one line, without the password', async () => {
    // An unencoded '/' in the password: the URL parser reads 'postgres' as the host and fails.
    const provider = new UrlProvider('postgresql://gate:half/secret@127.0.0.1:1/app');
    const error = await provider.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GateError);
    const message = (error as Error).message;
    expect(message).not.toContain('secret');
    expect(message).toBe(
      'cannot connect to PostgreSQL at postgresql://gate:***@127.0.0.1:1/app: Invalid URL (percent-encode characters such as / @ : # ? in the user name and password)',
    );
    await provider.close();
  });

  it('hides a password given as a query parameter', async () => {
    const provider = new UrlProvider('postgresql://gate@127.0.0.1:1/app?password=qu3ry-secret', {
      connectTimeoutMs: 2_000,
    });
    const error = await provider.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GateError);
    expect((error as Error).message).not.toContain('qu3ry-secret');
    expect((error as Error).message).toMatch(
      /^cannot connect to PostgreSQL at postgresql:\/\/gate@127\.0\.0\.1:1\/app\?password=\*\*\*: .*ECONNREFUSED/,
    );
    await provider.close();
  });

  it('gives up on a server that accepts TCP but never answers', async () => {
    const net = await import('node:net');
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const provider = new UrlProvider(`postgresql://u:topsecret@127.0.0.1:${port}/db`, {
        connectTimeoutMs: 1_000,
      });
      const started = Date.now();
      const error = await provider.start().then(
        () => null,
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(error).toBeInstanceOf(GateError);
      expect((error as Error).message).not.toContain('topsecret');
      expect((error as Error).message).toMatch(/timeout/i);
    } finally {
      silent.close();
    }
  });
});

describe('url helpers', () => {
  it('hides the password in display URLs and error texts', () => {
    expect(displayUrl('postgresql://app:hunter2@db.example:5433/main?sslmode=require')).toBe(
      'postgresql://app:***@db.example:5433/main?sslmode=require',
    );
    expect(displayUrl('postgres://app@db/main')).toBe('postgres://app@db/main');
    expect(displayUrl('postgres://app@db/main?sslmode=disable&password=hunter2')).toBe(
      'postgres://app@db/main?sslmode=disable&password=***',
    );
    expect(
      scrubSecrets('role "app" at db: hunter2 rejected', 'postgres://app@db/main?password=hunter2'),
    ).toBe('role "app" at db: *** rejected');
    const url = 'postgres://app:p%40ss%2Fword@db/main';
    expect(scrubSecrets('failed for postgres://app:p%40ss%2Fword@db/main with p@ss/word', url)).toBe(
      'failed for postgres://app:***@db/main with ***',
    );
  });

  it('points a URL at another database, keeping everything else', () => {
    expect(urlForDatabase('postgresql://a:b@h:1/postgres?sslmode=disable', 'migration_gate_x')).toBe(
      'postgresql://a:b@h:1/migration_gate_x?sslmode=disable',
    );
    expect(urlForDatabase('postgres://a@h', 'migration_gate_x')).toBe('postgres://a@h/migration_gate_x');
  });
});
