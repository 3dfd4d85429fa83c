import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/types.js';
import { cli } from './helpers/cli.js';
import { TEST_DATABASE_URL, admin, assertServerReachable } from './helpers/db.js';

const root = resolve(import.meta.dirname, '..');
const FIXTURE = join(root, 'fixtures/alembic/sqlite');
const FIXED = '202611121000_add_orders_created_index.py';
const LIVE = `mg_live_${process.pid}`;
let tmp: string;
let dir: string;
let liveUrl: string;

beforeAll(async () => {
  await assertServerReachable();
  tmp = mkdtempSync(join(tmpdir(), 'mg-baseline-db-'));
  dir = join(tmp, 'project');
  cpSync(join(FIXTURE, 'project'), dir, { recursive: true });
  cpSync(join(FIXTURE, 'fixed', FIXED), join(dir, 'migrations/versions', FIXED));
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${LIVE}`));
  await admin((c) => c.query(`CREATE DATABASE ${LIVE}`));
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${LIVE}`;
  liveUrl = url.toString();
  execFileSync('alembic', ['upgrade', 'head'], {
    cwd: dir,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', DATABASE_URL: liveUrl },
    stdio: 'pipe',
  });
});
afterAll(async () => {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${LIVE} WITH (FORCE)`));
  rmSync(tmp, { recursive: true, force: true });
});

/** Every row of the live database's catalog of user objects and its Alembic version, as one text. */
async function liveState(): Promise<string> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: liveUrl });
  await client.connect();
  try {
    const r = await client.query(
      `SELECT (SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname) FROM pg_class
                WHERE relnamespace = 'public'::regnamespace) AS objects,
              (SELECT string_agg(version_num, ',') FROM alembic_version) AS version`,
    );
    return JSON.stringify(r.rows[0]);
  } finally {
    await client.end();
  }
}

async function check() {
  const args = ['check', '--dir', 'migrations/versions', '--database', TEST_DATABASE_URL];
  const r = await cli([...args, '--baseline-database', liveUrl, '--json', 'r.json'], dir);
  return { ...r, report: JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report };
}

describe('baseline-database on PostgreSQL', () => {
  it('matches a live database the revisions built, and names a manual tweak, reading only', async () => {
    const clean = await check();
    expect(clean.report.findings.filter((f) => f.rule === 'baseline-drift')).toEqual([]);
    expect(clean.code).toBe(0);

    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: liveUrl });
    await client.connect();
    await client.query('CREATE INDEX users_email_idx ON users (email)');
    await client.end();
    const before = await liveState();
    const r = await check();
    expect(await liveState()).toBe(before);
    const drift = r.report.findings.filter((f) => f.rule === 'baseline-drift');
    expect(drift).toHaveLength(1);
    expect(drift[0]!.message).toMatch(/\(1 difference\): index public\.users_email_idx/);
    expect(drift[0]!.path).not.toMatch(/postgres:postgres@/);
    expect(r.code).toBe(1);
  });
});

describe('baseline-database and a directory the round-trip cannot run to its end', () => {
  const EMPTY = `mg_live_empty_${process.pid}`;
  afterAll(async () => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${EMPTY} WITH (FORCE)`));
  });

  it('is skipped with a note, not compared with the shortened history', async () => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${EMPTY}`));
    await admin((c) => c.query(`CREATE DATABASE ${EMPTY}`));
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${EMPTY}`;
    const project = join(tmp, 'goose');
    cpSync(join(root, 'fixtures/layouts/goose-go'), join(project, 'migrations'), { recursive: true });
    const r = await cli(
      [
        'check',
        '--dir',
        'migrations',
        '--database',
        TEST_DATABASE_URL,
        '--baseline-database',
        url.toString(),
        '--json',
        'r.json',
      ],
      project,
    );
    const report = JSON.parse(readFileSync(join(project, 'r.json'), 'utf8')) as Report;
    expect(report.findings.map((f) => f.rule)).toContain('unsupported-migration');
    expect(report.findings.filter((f) => f.rule === 'baseline-drift')).toEqual([]);
    expect(r.stderr).toMatch(
      /^note: the baseline check of baseline-database was skipped: a migration directory was not run to its end$/m,
    );
  });
});
