import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_MODE_HINT, withBatchModeHint } from '../src/roundtrip/sqlite/quirks.js';
import { sqliteSnapshot } from '../src/roundtrip/sqlite/snapshot.js';
import { StepError } from '../src/roundtrip/types.js';
import type { Report } from '../src/types.js';
import { cli } from './helpers/cli.js';

const root = resolve(import.meta.dirname, '..');
const FIXTURE = join(root, 'fixtures/alembic/sqlite');
const FIXED = '202611121000_add_orders_created_index.py';
let tmp: string;
let scratchRoot: string;
const savedTmp = process.env.TMPDIR;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mg-sqlite-'));
  // The gate's scratch folders go here, so the test sees that they are removed.
  scratchRoot = join(tmp, 'scratch');
  mkdirSync(scratchRoot);
  process.env.TMPDIR = scratchRoot;
});
afterAll(() => {
  process.env.TMPDIR = savedTmp;
  rmSync(tmp, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=dev', ...args], {
    cwd,
    stdio: 'pipe',
  });

function project(name: string, prepare?: (dir: string) => void): string {
  const dir = join(tmp, name);
  cpSync(join(FIXTURE, 'project'), dir, { recursive: true });
  prepare?.(dir);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'history');
  git(dir, 'checkout', '-qb', 'feature');
  return dir;
}
const fix = (dir: string) => cpSync(join(FIXTURE, 'fixed', FIXED), join(dir, 'migrations/versions', FIXED));

async function check(cwd: string, args: string[]) {
  const r = await cli(['check', '--database', 'sqlite', '--json', 'r.json', ...args], cwd);
  expect(readdirSync(scratchRoot)).toEqual([]);
  return { ...r, report: JSON.parse(readFileSync(join(cwd, 'r.json'), 'utf8')) as Report };
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('database sqlite: Alembic', () => {
  it('names the index a downgrade forgets in a down-mismatch, and the fixed twin passes', async () => {
    const broken = await check(project('broken'), ['--dir', 'migrations/versions']);
    expect(broken.report.database).toMatchObject({ provider: 'sqlite' });
    const mismatch = broken.report.findings.filter((f) => f.rule === 'down-mismatch');
    expect(mismatch).toHaveLength(1);
    expect(mismatch[0]!.message).toMatch(/index main\.orders_created_idx/);
    expect(mismatch[0]!.path).toBe(`migrations/versions/${FIXED}`);
    expect(broken.code).toBe(1);

    const fixed = await check(project('fixed', fix), ['--dir', 'migrations/versions']);
    expect(fixed.report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(fixed.report.migrations.every((m) => m.roundtrip?.reup.status === 'pass')).toBe(true);
    expect(fixed.stderr).toMatch(/models: migrations\/versions match the revisions/);
    expect(fixed.code).toBe(0);
  });

  it('model-drift names the table and column when the pull request changes only models.py', async () => {
    const dir = project('models-only', fix);
    writeFileSync(join(dir, 'models.py'), readFileSync(join(FIXTURE, 'drift/models.py')));
    const r = await check(dir, ['--dir', 'migrations/versions', '--base', 'main']);
    const drift = r.report.findings.filter((f) => f.rule === 'model-drift');
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ path: 'models.py', line: 8 });
    expect(drift[0]!.message).toMatch(/add_column users\.nickname/);
    expect(r.code).toBe(1);
  });

  it('baseline-database: a live file with one extra index is named, and the file is left byte for byte', async () => {
    const dir = project('baseline', fix);
    const live = join(dir, 'fc_registration.db');
    execFileSync('alembic', ['upgrade', 'head'], {
      cwd: dir,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', DATABASE_URL: `sqlite:///${live}` },
    });
    const db = new DatabaseSync(live);
    db.exec('CREATE INDEX users_email_idx ON users (email)');
    db.close();
    const before = sha256(live);
    const r = await check(dir, [
      '--dir',
      'migrations/versions',
      '--base',
      'main',
      '--baseline-database',
      'fc_registration.db',
    ]);
    expect(sha256(live)).toBe(before);
    const drift = r.report.findings.filter((f) => f.rule === 'baseline-drift');
    expect(drift).toHaveLength(1);
    expect(drift[0]!.message).toMatch(/\(1 difference\): index main\.users_email_idx/);
    expect(drift[0]!.path).toBe('fc_registration.db');
    expect(r.code).toBe(1);

    // Without the tweak, the same file matches.
    const clean = new DatabaseSync(live);
    clean.exec('DROP INDEX users_email_idx');
    clean.close();
    const ok = await check(dir, [
      '--dir',
      'migrations/versions',
      '--base',
      'main',
      '--baseline-database',
      `sqlite:///${live}`,
    ]);
    expect(ok.report.findings.filter((f) => f.rule === 'baseline-drift')).toEqual([]);
  });
});

describe('database sqlite: what SQLite cannot do in place', () => {
  const QUIRK = '202611131000_users_email_default.py';
  const withQuirk = (variant: 'in-place' | 'batch') => (dir: string) => {
    fix(dir);
    cpSync(join(FIXTURE, 'quirks', variant, QUIRK), join(dir, 'migrations/versions', QUIRK));
  };

  it('names batch mode when op.alter_column runs outside batch_alter_table', async () => {
    const r = await check(project('quirk-in-place', withQuirk('in-place')), ['--dir', 'migrations/versions']);
    const failed = r.report.findings.filter((f) => f.severity === 'error');
    expect(failed.map((f) => [f.rule, f.path, f.line])).toEqual([
      ['up-failed', `migrations/versions/${QUIRK}`, 19],
    ]);
    expect(failed[0]!.message).toMatch(
      /near "ALTER": syntax error: SQLite cannot do this in place; use op\.batch_alter_table\(…\) \(Alembic's batch mode, which rebuilds the table\)$/,
    );
    expect(r.code).toBe(1);
  });

  it('notes the table a batch operation rebuilt in the impact, and the round-trip passes', async () => {
    const r = await check(project('quirk-batch', withQuirk('batch')), ['--dir', 'migrations/versions']);
    expect(r.report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const quirk = r.report.migrations.find((m) => m.path === `migrations/versions/${QUIRK}`)!;
    expect(quirk.roundtrip?.reup.status).toBe('pass');
    expect(quirk.impact?.notes).toEqual([
      "main.users: table rebuilt (created anew, its rows copied and the old table dropped, as Alembic's batch mode does)",
    ]);
    // An index added in place rebuilds nothing.
    const index = r.report.migrations.find((m) => m.path === `migrations/versions/${FIXED}`)!;
    expect(index.impact?.notes ?? []).toEqual([]);
  });

  it("names batch mode for Alembic's refusal of constraint changes, and leaves other failures alone", () => {
    const refused = new StepError(
      'alembic upgrade 4d5e6f7a8b90: NotImplementedError: No support for ALTER of constraints in SQLite dialect. ' +
        'Please refer to the batch mode feature which allows for SQLite migrations using a copy-and-move strategy.',
      'migrations/versions/x.py',
      12,
    );
    const hinted = withBatchModeHint(refused) as StepError;
    expect(hinted.message).toBe(`${refused.message}: ${BATCH_MODE_HINT}`);
    expect([hinted.path, hinted.line]).toEqual(['migrations/versions/x.py', 12]);
    const other = new StepError('alembic upgrade x: NameError: name "op2" is not defined', 'x.py', 3);
    expect(withBatchModeHint(other)).toBe(other);
  });
});

describe('database sqlite: SQL pairs', () => {
  it('round-trips triggers, partial and expression indexes, and names what a down forgets', async () => {
    const dir = join(tmp, 'sql');
    cpSync(join(root, 'fixtures/roundtrip/sqlite-sql'), join(dir, 'db'), { recursive: true });
    const r = await check(dir, ['--dir', 'db']);
    const errors = r.report.findings.filter((f) => f.severity === 'error');
    // The index left behind also makes the second up fail, as on PostgreSQL.
    expect(errors.map((f) => f.rule)).toEqual(['down-mismatch', 'reup-failed']);
    expect(errors[0]!.message).toMatch(/index main\.orders_created_idx/);
    expect(errors[0]!.message).not.toMatch(/orders_lower_idx/);
    const first = r.report.migrations.find((m) => m.name === '202611201000_create_orders')!;
    expect(first.impact?.added).toEqual(
      expect.arrayContaining(['table main.orders', 'trigger main.orders.orders_log']),
    );
  });

  it('names the file and line of a failing statement', async () => {
    const dir = join(tmp, 'sql-bad');
    mkdirSync(join(dir, 'db'), { recursive: true });
    writeFileSync(
      join(dir, 'db/202611201000_bad.up.sql'),
      '-- requirements: RL-1\nCREATE TABLE a (id INTEGER);\nALTER TABLE a DROP CONSTRAINT nope;\n',
    );
    writeFileSync(join(dir, 'db/202611201000_bad.down.sql'), 'DROP TABLE a;\n');
    const r = await check(dir, ['--dir', 'db']);
    const failed = r.report.findings.find((f) => f.rule === 'up-failed')!;
    expect(failed).toMatchObject({ path: 'db/202611201000_bad.up.sql', line: 3 });
    expect(failed.message).toMatch(/no such constraint: nope/);
  });
});

describe('sqliteSnapshot', () => {
  it('reads column type, NOT NULL, default and primary key position, and foreign keys', () => {
    const db = new DatabaseSync(':memory:');
    db.exec(`CREATE TABLE p (a INTEGER, b TEXT, PRIMARY KEY (b, a));
             CREATE TABLE c (id INTEGER PRIMARY KEY, pa INTEGER NOT NULL DEFAULT 7, pb TEXT,
                             FOREIGN KEY (pb, pa) REFERENCES p (b, a) ON DELETE CASCADE);
             CREATE VIEW v AS SELECT id FROM c;`);
    const s = sqliteSnapshot(db);
    db.close();
    expect(s.objects.get('column main.p.b')?.props).toMatchObject({
      type: 'TEXT',
      primary_key_position: '1',
    });
    expect(s.objects.get('column main.c.pa')?.props).toMatchObject({ not_null: true, default: '7' });
    expect(s.objects.get('constraint main.c.(pb, pa) -> p(b, a)')?.props).toMatchObject({
      on_delete: 'CASCADE',
    });
    expect(s.objects.has('view main.v')).toBe(true);
  });
});
