import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/types.js';
import { cli } from './helpers/cli.js';

const root = resolve(import.meta.dirname, '..');
let tmp: string;
let scratchRoot: string;
const savedTmp = process.env.TMPDIR;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mg-sqlite-umzug-'));
  // The gate's scratch folders go here, so the test sees that they are removed.
  scratchRoot = join(tmp, 'scratch');
  mkdirSync(scratchRoot);
  process.env.TMPDIR = scratchRoot;
});
afterAll(() => {
  process.env.TMPDIR = savedTmp;
  rmSync(tmp, { recursive: true, force: true });
});

/** `check --database sqlite` of `dir` (relative to `cwd`), with the JSON report. */
async function check(cwd: string, dir: string) {
  const json = join(tmp, `${dir.replace(/\W/g, '-')}.json`);
  const r = await cli(['check', '--database', 'sqlite', '--dir', dir, '--json', json], cwd);
  expect(readdirSync(scratchRoot)).toEqual([]);
  return { ...r, report: JSON.parse(readFileSync(json, 'utf8')) as Report };
}

/** A copy of `fixtures/roundtrip/<name>` in a fresh folder, as `db/`. */
function fixture(name: string): string {
  const dir = join(tmp, name);
  cpSync(join(root, 'fixtures/roundtrip', name), join(dir, 'db'), { recursive: true });
  return dir;
}

const rows = (r: Report) => r.findings.map((f) => [f.rule, f.path, f.line, f.message]);

describe('database sqlite: Umzug modules', () => {
  it('runs .ts, .mjs and .js modules with { db, sql }, names the index a down forgets and the throwing line', async () => {
    const r = await check(fixture('sqlite-umzug'), 'db');
    expect(r.report.database).toMatchObject({ provider: 'sqlite' });
    const errors = r.report.findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => [f.rule, f.path, f.line])).toEqual([
      // The index left behind also makes the second up fail, as on PostgreSQL.
      ['reup-failed', 'db/202611301100_index_member_names.mjs', 3],
      ['down-mismatch', 'db/202611301100_index_member_names.mjs', 6],
      ['up-failed', 'db/202611301200_backfill_emails.js', 5],
    ]);
    expect(errors[1]!.message).toMatch(/index main\.members_name_idx/);
    expect(errors[1]!.message).not.toMatch(/members_region_idx/);
    expect(errors[0]!.message).toMatch(/index members_name_idx already exists/);
    expect(errors[2]!.message).toBe('up failed: cannot backfill emails without an email column');
    const members = r.report.migrations.find((m) => m.name === '202611301000_create_members')!;
    expect(members.roundtrip).toMatchObject({
      up: { status: 'pass' },
      down: { status: 'pass' },
      reup: { status: 'pass' },
    });
    expect(members.impact?.added).toContain('table main.members');
    expect(r.code).toBe(1);
  });

  it('fails a module that commits the transaction itself, through context.db or context.sql', async () => {
    const r = await check(fixture('sqlite-umzug-commit'), 'db');
    expect(rows(r.report)).toEqual([
      [
        'up-failed',
        'db/202611301000_create_ledger.mjs',
        undefined,
        expect.stringMatching(
          /^up failed: COMMIT or ROLLBACK inside a migration that runs in a transaction: it would break/,
        ),
      ],
      [
        'down-failed',
        'db/202611301100_create_journal.mjs',
        7,
        expect.stringMatching(
          /^down failed: COMMIT or ROLLBACK inside a migration that runs in a transaction/,
        ),
      ],
    ]);
    expect(r.stderr).toMatch(/rebuilt from a fresh file, 0 migration\(s\) re-applied/);
  });

  it('says in one line that knex migrations run on PostgreSQL only', async () => {
    const r = await check(join(root, 'fixtures/tools/knex'), 'db/migrations');
    const failed = r.report.findings.filter((f) => f.rule === 'up-failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]!.message).toBe(
      "up failed: database sqlite runs Alembic, SQL and Umzug migrations; '20240101120000_create_accounts' is a " +
        'knex migration, which runs on PostgreSQL only (database container, embedded or a URL)',
    );
  });
});
