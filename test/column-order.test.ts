import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnOrderChanges } from '../src/roundtrip/diff.js';
import type { SchemaObject, Snapshot } from '../src/roundtrip/snapshot/model.js';
import type { Report } from '../src/types.js';
import { cli } from './helpers/cli.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';

const root = resolve(import.meta.dirname, '..');
const FIXTURE = 'fixtures/roundtrip/column-order';
const DOWN = `${FIXTURE}/202601011000_limit_order_note.down.sql`;
const MESSAGE =
  'after down, the columns of public.orders are in another order: (id, note, amount) before up, ' +
  '(id, amount, note) after down';

let tmp: string;
beforeAll(async () => {
  await assertServerReachable();
  tmp = mkdtempSync(join(tmpdir(), 'mg-column-order-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function snapshot(table: string, columns: [string, number][]): Snapshot {
  const objects = new Map<string, SchemaObject>();
  for (const [name, position] of columns) {
    objects.set(`column ${table}.${name}`, {
      kind: 'column',
      name: `${table}.${name}`,
      schema: 'public',
      table,
      position,
      props: { type: 'text' },
    });
  }
  return { objects };
}

describe('columnOrderChanges', () => {
  it('names a table whose columns are the same, in another order; not one whose columns changed', () => {
    const before = snapshot('public.t', [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    // b dropped and added back: gaps in the positions do not matter, the order does.
    expect(
      columnOrderChanges(
        before,
        snapshot('public.t', [
          ['a', 1],
          ['c', 3],
          ['b', 4],
        ]),
      ),
    ).toEqual([{ table: 'public.t', before: ['a', 'b', 'c'], after: ['a', 'c', 'b'] }]);
    expect(
      columnOrderChanges(
        before,
        snapshot('public.t', [
          ['a', 1],
          ['b', 4],
          ['c', 5],
        ]),
      ),
    ).toEqual([]);
    // A column more or less is the schema comparison's finding, not this one.
    expect(
      columnOrderChanges(
        before,
        snapshot('public.t', [
          ['a', 1],
          ['c', 3],
        ]),
      ),
    ).toEqual([]);
    expect(
      columnOrderChanges(
        before,
        snapshot('public.t', [
          ['c', 1],
          ['b', 2],
          ['a', 3],
          ['d', 4],
        ]),
      ),
    ).toEqual([]);
  });
});

describe.each([
  ['the real server', TEST_DATABASE_URL],
  ['the embedded database', 'embedded'],
])('column-order on %s', (_where, database) => {
  async function check(extra: string[]): Promise<{ code: number; report: Report; stdout: string }> {
    const json = join(tmp, `${Math.random().toString(36).slice(2)}.json`);
    const r = await cli(
      ['check', '--dir', FIXTURE, '--database', database, '--json', json, '-q', ...extra],
      root,
    );
    return { code: r.code, report: JSON.parse(readFileSync(json, 'utf8')) as Report, stdout: r.stdout };
  }

  it('is a warning naming the table and both orders, never a down-mismatch', async () => {
    const { code, report, stdout } = await check([]);
    expect(report.findings).toEqual([
      {
        rule: 'column-order',
        severity: 'warning',
        migration: '202601011000_limit_order_note',
        path: DOWN,
        line: 1,
        message: MESSAGE,
      },
    ]);
    expect(stdout).toContain(`${DOWN}:1 column-order warning: ${MESSAGE}\n`);
    expect(code).toBe(0);
  });

  it('is an error with column-order: error, and silent with off', async () => {
    const strict = await check(['--column-order', 'error']);
    expect(strict.report.findings.map((f) => `${f.rule} ${f.severity}`)).toEqual(['column-order error']);
    expect(strict.code).toBe(1);
    const off = await check(['--column-order', 'off']);
    expect(off.report.findings).toEqual([]);
    expect(off.code).toBe(0);
  });
});

describe('the column-order setting', () => {
  it('refuses a level it does not know, in one line', async () => {
    const r = await cli(['check', '--dir', FIXTURE, '--column-order', 'loud'], root);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("migration-gate: column-order must be warning, error or off; got 'loud'");
  });
});
