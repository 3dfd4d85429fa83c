import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import { splitStatements } from '../src/discover/sql-split.js';
import { checkBaseline, prepareBaselineSql } from '../src/roundtrip/baseline.js';
import { EmbeddedProvider } from '../src/roundtrip/providers/embedded.js';
import { UrlProvider } from '../src/roundtrip/providers/url.js';
import type { DatabaseProvider, ScratchDatabase } from '../src/roundtrip/types.js';
import { GateError, type MigrationSet } from '../src/types.js';
import { TEST_DATABASE_URL } from './helpers/db.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/baseline/', import.meta.url));
const SET: MigrationSet = { dir: 'migrations', format: 'sql', migrations: [], deleted: [], baseNames: null };

/** Applies the fixture's `*.up.sql` files in name order, as the runner would apply the history. */
async function applyUpFiles(db: ScratchDatabase, set: MigrationSet): Promise<void> {
  const dir = path.join(FIXTURE, set.dir);
  const client = await db.connect();
  try {
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.up.sql'))
      .sort()) {
      for (const statement of splitStatements(readFileSync(path.join(dir, file), 'utf8'))) {
        await client.query(statement.text);
      }
    }
  } finally {
    await client.end();
  }
}

describe('checkBaseline on a real PostgreSQL', () => {
  const inner = new UrlProvider(TEST_DATABASE_URL);
  const created: string[] = [];
  const provider: DatabaseProvider = {
    kind: inner.kind,
    notes: inner.notes,
    start: () => inner.start(),
    close: () => inner.close(),
    async createScratch() {
      const db = await inner.createScratch();
      created.push(db.name);
      return db;
    },
  };
  const temps: string[] = [];

  beforeAll(async () => {
    await provider.start();
  });
  afterAll(async () => {
    await provider.close();
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  async function stillThere(names: string[]): Promise<string[]> {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const result = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE datname = ANY($1)',
        [names],
      );
      return result.rows.map((r) => r.datname);
    } finally {
      await client.end();
    }
  }

  it('reports each difference between the legacy baseline and the migrated schema', async () => {
    const config = { ...defaultConfig(FIXTURE), baselineSchema: '001_init_schema.sql' };
    const notes: string[] = [];
    const before = created.length;
    const findings = await checkBaseline({ provider, sets: [SET], config, applyAll: applyUpFiles, notes });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'baseline-drift',
      severity: 'error',
      migration: null,
      path: '001_init_schema.sql',
    });
    expect(findings[0]!.message).toBe(
      'the schema the migrations build from empty differs from the baseline 001_init_schema.sql (9 differences): ' +
        'table public.audit_log, column public.users.email, constraint public.orders.orders_total_cents_check and 1 more',
    );
    const details = findings[0]!.details!.join('\n');
    expect(details).toContain('table public.audit_log: absent after all migrations, present in the baseline');
    expect(details).toMatch(
      /column public\.users\.email: .*character varying\(320\).* in the baseline, .*text.* after all migrations/,
    );
    expect(details).toMatch(
      /constraint public\.orders\.orders_total_cents_check.*: present after all migrations, absent in the baseline/,
    );
    expect(details).toMatch(
      /index public\.users_email_key.*: absent after all migrations, present in the baseline/,
    );
    expect(notes).toEqual([
      'baseline 001_init_schema.sql: 6 ownership/privilege statement(s) for roles the scratch database lacks (legacy_app) were skipped',
    ]);
    // Both scratch databases are gone.
    const mine = created.slice(before);
    expect(mine).toHaveLength(2);
    expect(await stillThere(mine)).toEqual([]);
  });

  it('finds no drift against a full pg_dump of the migrated schema (data, meta-commands and foreign roles included)', async () => {
    const config = { ...defaultConfig(FIXTURE), baselineSchema: 'current_dump.sql' };
    const notes: string[] = [];
    expect(await checkBaseline({ provider, sets: [SET], config, applyAll: applyUpFiles, notes })).toEqual([]);
    expect(notes).toEqual([
      'baseline current_dump.sql: 2 psql meta-command line(s) (\\restrict, \\connect, …) were skipped',
      'baseline current_dump.sql: the data of 1 COPY block(s) was ignored: the baseline check compares schemas only',
      'baseline current_dump.sql: 6 ownership/privilege statement(s) for roles the scratch database lacks (app_owner, reporting) were skipped',
    ]);
  });

  it('names the file and line of a baseline statement that fails, and drops its database', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mg-baseline-'));
    temps.push(dir);
    writeFileSync(
      path.join(dir, 'schema.sql'),
      'CREATE TABLE a (id int);\n\nCREATE TABLE b (\n  id int,\n  a_id int REFERENCES missing (id)\n);\n',
    );
    const config = { ...defaultConfig(dir), baselineSchema: 'schema.sql' };
    const before = created.length;
    const error = await checkBaseline({ provider, sets: [SET], config, applyAll: applyUpFiles }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GateError);
    expect((error as Error).message).toBe(
      'cannot load baseline-schema schema.sql:3: relation "missing" does not exist',
    );
    expect(await stillThere(created.slice(before))).toEqual([]);
  });

  it('reports a failure to apply the migrations as drift it cannot rule out', async () => {
    const config = { ...defaultConfig(FIXTURE), baselineSchema: 'current_dump.sql' };
    const findings = await checkBaseline({
      provider,
      sets: [SET],
      config,
      applyAll: async () => {
        throw new Error('relation "users" already exists');
      },
    });
    expect(findings).toEqual([
      {
        rule: 'baseline-drift',
        severity: 'error',
        migration: null,
        path: 'current_dump.sql',
        message:
          'cannot compare with the baseline: applying the migrations of migrations from empty failed: relation "users" already exists',
      },
    ]);
  });

  it('fails with one line when the baseline file is missing, and does nothing without one', async () => {
    const config = { ...defaultConfig(FIXTURE), baselineSchema: 'schema/nope.sql' };
    const before = created.length;
    await expect(
      checkBaseline({ provider, sets: [SET], config, applyAll: applyUpFiles }),
    ).rejects.toThrowError(
      `baseline-schema schema/nope.sql: no such file (paths are relative to ${FIXTURE})`,
    );
    expect(
      await checkBaseline({ provider, sets: [SET], config: defaultConfig(FIXTURE), applyAll: applyUpFiles }),
    ).toEqual([]);
    expect(created.length).toBe(before);
  });
});

describe('checkBaseline on the embedded database', () => {
  const provider = new EmbeddedProvider();
  afterAll(() => provider.close());

  it('loads a pg_dump there and finds no drift', async () => {
    await provider.start();
    const config = { ...defaultConfig(FIXTURE), baselineSchema: 'current_dump.sql' };
    const notes: string[] = [];
    expect(await checkBaseline({ provider, sets: [SET], config, applyAll: applyUpFiles, notes })).toEqual([]);
    expect(notes).toHaveLength(3);
  });
});

describe('prepareBaselineSql', () => {
  it('blanks meta-commands and COPY data and keeps every line in place', () => {
    const text =
      '\\restrict abc\nCREATE TABLE t (x int);\nCOPY public.t (x) FROM stdin;\n1\n2\n\\.\nSELECT 1;\n';
    const { sql, notes } = prepareBaselineSql(text);
    expect(sql.split('\n')).toEqual(['', 'CREATE TABLE t (x int);', '', '', '', '', 'SELECT 1;', '']);
    expect(notes).toHaveLength(2);
  });
});
