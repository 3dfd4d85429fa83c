import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import type { Report } from '../src/types.js';
import { admin, TEST_DATABASE_URL } from './helpers/db.js';

const root = resolve(import.meta.dirname, '..');

const run = (args: string[], cwd = root) => cli(args, cwd);

/** A role of its own, so that "no scratch database left" is exact while other suites use the server. */
const role = `mg_check_${process.pid}`;
let url: string;
let tmp: string;

const scratchDatabases = () =>
  admin(async (c) =>
    (
      await c.query(
        `SELECT datname FROM pg_database d
         WHERE pg_has_role($1, d.datdba, 'MEMBER') AND datname LIKE 'migration_gate_%'`,
        [role],
      )
    ).rows.map((r) => r.datname as string),
  );

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'mg-check-'));
  await admin((c) =>
    c.query(
      `DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN CREATEDB CREATEROLE PASSWORD 'check-secret'`,
    ),
  );
  const u = new URL(TEST_DATABASE_URL);
  u.username = role;
  u.password = 'check-secret';
  url = u.toString();
});

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await admin(async (c) => {
    for (const db of await scratchDatabases()) await c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS ${role}`);
  });
});

describe('migration-gate check --database <url>', () => {
  it('passes a clean history, leaves no database behind and never prints the password', async () => {
    const json = join(tmp, 'clean.json');
    const r = await run(['check', '--dir', 'fixtures/formats/sql-pair', '--database', url, '--json', json]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('check-secret');
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.database).toMatchObject({ provider: 'url', serverVersion: expect.stringMatching(/^15\./) });
    const trips = report.migrations.map((m) => [m.name, m.roundtrip?.up.status, m.roundtrip?.down.status]);
    expect(trips).toContainEqual(['202601051000_create_customers', 'pass', 'pass']);
    // The waived migration goes up only and carries its owner.
    const waived = report.migrations.find((m) => m.waiver !== null)!;
    expect([waived.roundtrip?.up.status, waived.roundtrip?.down.status, waived.waiver?.owner]).toEqual([
      'pass',
      'skipped',
      '@crm-team',
    ]);
    expect(await scratchDatabases()).toEqual([]);
  });

  it('takes the server from --database-url too', async () => {
    const json = join(tmp, 'database-url.json');
    const r = await run([
      'check',
      '--dir',
      'fixtures/lint/clean',
      '--database-url',
      url,
      '-q',
      '--json',
      json,
    ]);
    expect(r.code).toBe(0);
    expect((JSON.parse(readFileSync(json, 'utf8')) as Report).database?.provider).toBe('url');
    expect(await scratchDatabases()).toEqual([]);
  });

  it('fails on a lossy downgrade, naming the object left behind', async () => {
    const r = await run(['check', '--dir', 'fixtures/roundtrip/leftover-index', '--database', url, '-q']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /202601011000_add_orders_created_at_index\.down\.sql:1 down-mismatch .*index public\.orders_created_at_idx/,
    );
    expect(r.stdout).toContain('index public.orders_created_at_idx: present after down, absent before up');
    expect(await scratchDatabases()).toEqual([]);
  });

  it('checks the baseline schema: drift found, and none against a dump of the migrated schema', async () => {
    const drift = await run([
      'check',
      '--dir',
      'fixtures/baseline/migrations',
      '--database',
      url,
      '-q',
      '--baseline-schema',
      'fixtures/baseline/001_init_schema.sql',
    ]);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(/^fixtures\/baseline\/001_init_schema\.sql baseline-drift /m);
    expect(drift.stdout).toContain(
      'table public.audit_log: absent after all migrations, present in the baseline',
    );
    const same = await run([
      'check',
      '--dir',
      'fixtures/baseline/migrations',
      '--database',
      url,
      '-q',
      '--baseline-schema',
      'fixtures/baseline/current_dump.sql',
    ]);
    expect(same.stdout).not.toContain('baseline-drift');
    expect(same.code).toBe(0);
    expect(await scratchDatabases()).toEqual([]);
  });

  it('round-trips an Alembic project through its own alembic command', async () => {
    const json = join(tmp, 'alembic.json');
    const r = await run(
      [
        'check',
        '--format',
        'alembic',
        '--dir',
        'migrations/versions',
        '--database',
        url,
        '-q',
        '--json',
        json,
      ],
      join(root, 'fixtures/alembic/project'),
    );
    // The fixture's env.py sets no target_metadata: the model comparison's note is all stderr holds.
    expect(r.stderr).toBe(
      'note: migrations/versions: env.py configures no target_metadata, so the models were not compared with ' +
        'the revisions (set target_metadata = Base.metadata to gate model drift)\n',
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const mismatch = report.findings.find((f) => f.rule === 'down-mismatch');
    expect(mismatch?.migration).toBe('202611031100_add_customer_region');
    expect(mismatch?.details?.join('\n')).toMatch(
      /^index public\.\S+: present after down, absent before up$/m,
    );
    const waived = report.migrations.find((m) => m.name === '202611041200_normalize_customer_emails')!;
    expect(waived.waiver).toMatchObject({ owner: '@data-team' });
    expect(waived.roundtrip?.down.status).toBe('skipped');
    expect(report.findings.filter((f) => f.migration === waived.name && f.severity === 'error')).toEqual([]);
    expect(r.stdout).toMatch(
      /202611041200_normalize_customer_emails\.py waived: owner @data-team; rationale \S+/,
    );
    expect(await scratchDatabases()).toEqual([]);
  });
});

describe('migration-gate check --database embedded', () => {
  it('fails on the lossy fixture naming the index, and passes the clean one', async () => {
    const lossy = await run([
      'check',
      '--dir',
      'fixtures/roundtrip/leftover-index',
      '--database',
      'embedded',
      '-q',
    ]);
    expect(lossy.code).toBe(1);
    expect(lossy.stdout).toContain(
      'index public.orders_created_at_idx: present after down, absent before up',
    );
    const clean = await run(['check', '--dir', 'fixtures/formats/sql-pair', '--database', 'embedded']);
    expect(clean.code).toBe(0);
    expect(clean.stderr).toMatch(/embedded/i);
  });
});
