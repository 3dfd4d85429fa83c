import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/types.js';
import { cli } from './helpers/cli.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';

// Each layout's fixture holds correct migrations and one lossy migration: `check` must pass the first and name
// what the second leaves behind, on the real server and on the embedded database.

const root = resolve(import.meta.dirname, '..');
const role = `mg_layouts_${process.pid}`;
let url: string;
let tmp: string;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await assertServerReachable();
  tmp = mkdtempSync(join(tmpdir(), 'mg-layouts-'));
  await admin(
    `DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN CREATEDB CREATEROLE PASSWORD 'mg-layouts-secret'`,
  );
  const u = new URL(TEST_DATABASE_URL);
  u.username = role;
  u.password = 'mg-layouts-secret';
  url = u.toString();
});

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await admin(`DROP ROLE IF EXISTS ${role}`);
});

let runs = 0;
async function check(dir: string, database: string, extra: string[] = []) {
  const json = join(tmp, `report-${++runs}.json`);
  const result = await cli(
    ['check', '--dir', dir, '--database', database, '--json', json, '-q', ...extra],
    root,
  );
  if (result.code === 2) throw new Error(`check exited 2: ${result.stderr}`);
  const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  const trip = (name: string) => {
    const m = report.migrations.find((r) => r.name === name);
    if (!m) throw new Error(`no migration ${name} in the report`);
    const rt = m.roundtrip;
    return rt ? [rt.up.status, rt.down.status, rt.reup.status].join(' ') : null;
  };
  const errors = report.findings.filter((f) => f.severity === 'error');
  return { ...result, report, trip, errors };
}

const LAYOUTS = [
  {
    layout: 'a folder per migration',
    dir: 'fixtures/layouts/folder',
    flags: ['--naming-pattern', 'diesel'],
    correct: ['00000000000000_initial_setup', '2026-01-01-090000_create_orders'],
    lossy: '2026-01-01-100000_add_order_notes',
    left: 'index public.orders_customer_idx',
  },
  {
    layout: 'dialect-suffixed pairs',
    dir: 'fixtures/layouts/dialect-pair',
    flags: [],
    correct: ['202601010900_create_orders'],
    lossy: '202601011000_add_order_kind',
    left: 'function public.order_kind_valid(kind text)',
  },
  {
    layout: 'Flyway',
    dir: 'fixtures/layouts/flyway',
    flags: ['--naming-pattern', 'flyway'],
    correct: ['V1__create_orders'],
    lossy: 'V1.1__add_order_number',
    left: 'sequence public.order_numbers',
  },
];

describe.each([
  ['the real server', () => url],
  ['the embedded database', () => 'embedded'],
])('check on %s', (_, database) => {
  it.each(LAYOUTS)(
    '$layout: the correct migrations pass, the lossy one is named with what it leaves behind',
    async ({ dir, flags, correct, lossy, left }) => {
      const run = await check(dir, database(), flags);
      expect(run.code).toBe(1);
      for (const name of correct) expect(run.trip(name)).toBe('pass pass pass');
      expect(run.trip(lossy)).toBe('pass mismatch pass');
      expect(run.errors.map((f) => [f.rule, f.migration])).toEqual([['down-mismatch', lossy]]);
      expect(run.errors[0]!.message).toContain(left);
    },
  );
});

describe.each([
  ['the real server', () => url],
  // PGlite refuses CONCURRENTLY inside a transaction block only: run on its own, it passes there too.
  ['the embedded database', () => 'embedded'],
])('statements that cannot run in a transaction, on %s', (_, database) => {
  it.each([
    ['paired files, detected', 'fixtures/roundtrip/concurrently', [], '202601011000_index_orders_customer'],
    [
      'a folder with metadata.toml',
      'fixtures/layouts/folder-concurrently',
      ['--naming-pattern', 'diesel'],
      '2026-01-01-100000_index_orders_customer',
    ],
    [
      'a .autocommit pair',
      'fixtures/layouts/dialect-pair-autocommit',
      [],
      '202601011000_index_orders_customer',
    ],
    [
      'Flyway, detected',
      'fixtures/layouts/flyway-concurrently',
      ['--naming-pattern', 'flyway'],
      'V2__index_orders_customer',
    ],
  ])('%s: CREATE INDEX CONCURRENTLY up, DROP INDEX CONCURRENTLY down passes', async (_, dir, flags, name) => {
    const run = await check(dir, database(), flags as string[]);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.trip(name)).toBe('pass pass pass');
  });

  it('names the file and the statement it runs outside a transaction in a note', async () => {
    const run = await check('fixtures/roundtrip/concurrently', database());
    expect(run.report.meta.notes).toContain(
      "fixtures/roundtrip/concurrently/202601011000_index_orders_customer.up.sql:2: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, so '202601011000_index_orders_customer' runs outside one, statement by statement",
    );
  });
});

describe('a migration the gate cannot run (real server)', () => {
  it('is an unsupported-migration, and the round-trip of its directory stops before it and says so', async () => {
    const dir = 'fixtures/layouts/goose-go';
    const run = await check(dir, url);
    expect(run.code).toBe(1);
    expect(run.errors.map((f) => [f.rule, f.path])).toEqual([
      ['unsupported-migration', `${dir}/202601011000_create_customers.go`],
    ]);
    expect(run.trip('202601010900_create_orders')).toBe('pass pass pass');
    expect(run.trip('202601011000_create_customers')).toBeNull();
    expect(run.trip('202601011100_orders_customer_fk')).toBeNull();
    expect(run.report.meta.notes).toContain(
      `the round-trip of ${dir} stopped at '202601011000_create_customers' (${dir}/202601011000_create_customers.go), a migration it cannot run: 1 changed migration(s) after it were not run`,
    );
  });
});
