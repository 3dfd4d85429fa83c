import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/types.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';
import { installToolFixtures, toolFixture } from './helpers/tool-fixtures.js';

/*
 * The formats and databases added in 0.2 through the committed bundle (`dist/cli.js`), as `npx migration-gate`
 * runs them: a folder per migration, a knex project (its own knex, never bundled) and the SQLite database.
 */

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
let tmp: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build');
  await assertServerReachable();
  installToolFixtures(['knex']);
  tmp = mkdtempSync(join(tmpdir(), 'mg-bundle-formats-'));
}, 600_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function check(args: string[], cwd = ROOT): { code: number | null; report: Report; stderr: string } {
  const json = join(tmp, `${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(process.execPath, [CLI, 'check', ...args, '--json', json, '-q'], {
    cwd,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: r.status, report: JSON.parse(readFileSync(json, 'utf8')) as Report, stderr: r.stderr };
}

const mismatches = (report: Report) =>
  report.findings.filter((f) => f.rule === 'down-mismatch').map((f) => `${f.path} ${f.message}`);

describe('dist/cli.js on the formats and databases of 0.2', () => {
  it('reads a folder per migration and names the index its lossy down leaves', () => {
    const dir = 'fixtures/layouts/folder';
    const r = check(['--dir', dir, '--database', TEST_DATABASE_URL, '--naming-pattern', 'diesel']);
    expect(mismatches(r.report)).toEqual([
      `${dir}/2026-01-01-100000_add_order_notes/down.sql after down, the schema differs from before up: index public.orders_customer_idx`,
    ]);
    expect(r.code).toBe(1);
  });

  it("runs a knex project's migrations with the project's own knex", () => {
    const r = check(['--database', TEST_DATABASE_URL, '--naming-pattern', 'knex'], toolFixture('knex'));
    expect(r.report.migrations.map((m) => m.format)).toEqual(['knex', 'knex', 'knex']);
    expect(mismatches(r.report)).toEqual([
      'db/migrations/20240103120000_index_account_created.js after down, the schema differs from before up: index public.accounts_created_at_idx',
    ]);
    expect(r.code).toBe(1);
  });

  it('runs SQL migrations on a scratch SQLite file', () => {
    const dir = 'fixtures/roundtrip/sqlite-sql';
    const r = check(['--dir', dir, '--database', 'sqlite']);
    expect(r.report.database?.provider).toBe('sqlite');
    expect(mismatches(r.report)).toEqual([
      `${dir}/202611211000_add_orders_created_idx.down.sql after down, the schema differs from before up: index main.orders_created_idx`,
    ]);
    expect(r.code).toBe(1);
  });
});
