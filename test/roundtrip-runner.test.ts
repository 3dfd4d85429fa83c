import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runRoundTrips } from '../src/roundtrip/runner.js';
import type { RoundTripOutcome } from '../src/roundtrip/runner.js';
import { discover } from '../src/discover/index.js';
import { UrlProvider } from '../src/roundtrip/providers/url.js';
import type { ScratchDatabase } from '../src/roundtrip/types.js';
import { GateError } from '../src/types.js';
import type { Finding, MigrationSet } from '../src/types.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';
import { TrackingProvider, databasesLeft, fixtureSet, roundTripConfig } from './roundtrip-support.js';

let providers: TrackingProvider[] = [];

function provider(onCreate?: (scratch: ScratchDatabase, index: number) => Promise<void>): TrackingProvider {
  const p = new TrackingProvider(new UrlProvider(TEST_DATABASE_URL), onCreate);
  providers.push(p);
  return p;
}

async function run(
  sets: MigrationSet[],
  overrides: Parameters<typeof roundTripConfig>[0] = {},
  p = provider(),
): Promise<RoundTripOutcome & { lines: string[] }> {
  const lines: string[] = [];
  const outcome = await runRoundTrips(sets, roundTripConfig(overrides), {
    provider: p,
    progress: (l) => lines.push(l),
  });
  return { ...outcome, lines };
}

function only(findings: Finding[]): Finding {
  expect(findings.map((f) => `${f.rule} ${f.migration}`)).toHaveLength(1);
  return findings[0]!;
}

beforeAll(async () => {
  await assertServerReachable();
});

afterEach(async () => {
  const names = providers.flatMap((p) => p.created.map((s) => s.name));
  providers = [];
  expect(await databasesLeft(names)).toEqual([]);
});

describe('round-trip on a PostgreSQL server', () => {
  it('passes a clean history of 30 varied migrations with no error', async () => {
    const set = await fixtureSet('clean-30', { changedCount: 30 });
    const outcome = await run([set]);
    // Its one finding is a warning: dropping a column and adding it back in down puts it last.
    // The sample rows add the warning that dropping the column destroys its values (data: on).
    expect(outcome.findings).toEqual([
      expect.objectContaining({
        rule: 'up-data-loss',
        severity: 'warning',
        migration: '202601051010_drop_customers_legacy_code',
        message:
          'up destroys data present before it: column public.customers.legacy_code dropped with 3 value(s)',
      }),
      expect.objectContaining({
        rule: 'column-order',
        severity: 'warning',
        migration: '202601051010_drop_customers_legacy_code',
        message:
          'after down, the columns of public.customers are in another order: ' +
          '(id, email, name, legacy_code, created_at) before up, (id, email, name, created_at, legacy_code) after down',
      }),
    ]);
    expect(outcome.database).toEqual({ provider: 'url', serverVersion: expect.stringMatching(/^\d+/) });
    expect(outcome.results.size).toBe(30);
    for (const m of set.migrations) {
      const result = outcome.results.get(m.path)!;
      expect(result.roundtrip, m.name).toEqual({
        up: { status: 'pass', ms: expect.any(Number) },
        down: { status: 'pass', ms: expect.any(Number) },
        reup: { status: 'pass', ms: expect.any(Number) },
      });
    }
    const first = outcome.results.get(set.migrations[0]!.path)!;
    expect(first.impact!.added).toContain('table public.customers');
    expect(first.impact!.removed).toEqual([]);
    expect(outcome.lines[0]).toMatch(/^database: url, PostgreSQL 1\d\.\d+/);
    expect(outcome.lines[1]).toMatch(/^\[1\/30\] 202601050900_create_customers: up \((\d+ ms|\d+\.\d s)\)$/);
    expect(outcome.lines.at(-1)).toMatch(
      /^\[30\/30\] 202601051350_index_order_items_product: re-up \((\d+ ms|\d+\.\d s)\)$/,
    );
    expect(outcome.lines).toHaveLength(91);
  });

  // The leftover usually makes the second up fail ("already exists") or differ: reported as well.
  const leftovers: [string, string, string, string | null][] = [
    [
      'leftover-index',
      'index public.orders_created_at_idx',
      'present after down, absent before up',
      'reup-failed',
    ],
    [
      'leftover-default',
      'column public.orders.status',
      "default none before up, 'new'::text after down",
      null,
    ],
    [
      'leftover-check',
      'constraint public.orders.orders_amount_check',
      'present after down, absent before up',
      'reup-mismatch',
    ],
    ['leftover-enum', 'enum public.order_priority', 'present after down, absent before up', 'reup-failed'],
    [
      'leftover-sequence',
      'sequence public.invoice_number_seq',
      'present after down, absent before up',
      'reup-failed',
    ],
    [
      'leftover-function',
      'function public.order_gross(amount numeric, tax numeric)',
      'present after down, absent before up',
      'reup-failed',
    ],
    [
      'leftover-trigger',
      'trigger public.orders.orders_touch',
      'present after down, absent before up',
      'reup-failed',
    ],
    ['leftover-view', 'view public.open_orders', 'present after down, absent before up', 'reup-failed'],
    [
      'leftover-policy',
      'policy public.orders.orders_by_customer',
      'present after down, absent before up',
      'reup-failed',
    ],
  ];

  it.each(leftovers)('%s: down-mismatch names %s', async (fixture, object, detail, then) => {
    const set = await fixtureSet(fixture);
    const changed = set.migrations.at(-1)!;
    const outcome = await run([set]);
    expect(outcome.findings.map((f) => f.rule)).toEqual(then ? ['down-mismatch', then] : ['down-mismatch']);
    const finding = outcome.findings[0]!;
    expect(finding).toMatchObject({
      rule: 'down-mismatch',
      severity: 'error',
      migration: changed.name,
      path: changed.down!.path,
    });
    expect(finding.message).toBe(`after down, the schema differs from before up: ${object}`);
    expect(finding.details).toEqual([
      `${object}${fixture === 'leftover-check' ? ' (CHECK)' : ''}: ${detail}`,
    ]);
    expect(outcome.results.get(changed.path)!.roundtrip).toMatchObject({
      up: { status: 'pass' },
      down: { status: 'pass' },
      reup: { status: then === 'reup-failed' ? 'fail' : 'pass' },
    });
    if (then === 'reup-failed') {
      expect(outcome.findings[1]!.message).toMatch(/^re-up failed: .* already exists/);
    }
  });

  it('reports a down that removes what the up never created', async () => {
    const set = await fixtureSet('down-removes-extra');
    const outcome = await run([set]);
    expect(outcome.findings.map((f) => f.rule)).toEqual(['down-mismatch', 'reup-mismatch']);
    const finding = outcome.findings[0]!;
    expect(finding.message).toMatch(
      /^after down, the schema differs from before up: .*table public\.audit_log/,
    );
    expect(finding.details).toContain('table public.audit_log: absent after down, present before up');
    expect(outcome.findings[1]!.details).toContain(
      'table public.audit_log: absent after the second up, present after the first up',
    );
  });

  it('reports an up that cannot run again after its own down, and still proves the migration after it', async () => {
    const set = await fixtureSet('reup-fails', { changedCount: 2 });
    const [, feature, index] = set.migrations;
    const outcome = await run([set]);
    const finding = only(outcome.findings);
    expect(finding).toMatchObject({
      rule: 'reup-failed',
      migration: feature!.name,
      path: feature!.up!.path,
      line: 3,
    });
    expect(finding.message).toMatch(
      /^re-up failed: duplicate key value violates unique constraint "settings_pkey"/,
    );
    expect(outcome.results.get(feature!.path)!.roundtrip).toMatchObject({
      up: { status: 'pass' },
      down: { status: 'pass' },
      reup: { status: 'fail' },
    });
    // The next migration needs the column the failed one adds: it ran on a rebuilt database.
    expect(outcome.results.get(index!.path)!.roundtrip).toMatchObject({
      up: { status: 'pass' },
      down: { status: 'pass' },
      reup: { status: 'pass' },
    });
    // A history of one migration is not worth a copy: rebuilt from a fresh database, history and failed one.
    expect(
      outcome.lines.filter((l) =>
        /^fixtures\/roundtrip\/reup-fails: rebuilt from a fresh database, 2 migration\(s\) re-applied/.test(
          l,
        ),
      ),
    ).toHaveLength(1);
    expect(providers.at(-1)!.created).toHaveLength(2);
  });

  it('reports a syntax error at its file line and goes on with the next migration', async () => {
    const set = await fixtureSet('syntax-error', { changedCount: 2 });
    const [, refunds, index] = set.migrations;
    const outcome = await run([set]);
    const finding = only(outcome.findings);
    expect(finding).toMatchObject({
      rule: 'up-failed',
      migration: refunds!.name,
      path: refunds!.up!.path,
      line: 6,
    });
    expect(finding.message).toBe('up failed: syntax error at or near "CHEK"');
    expect(outcome.results.get(refunds!.path)).toEqual({
      roundtrip: {
        up: { status: 'fail', ms: expect.any(Number) },
        down: { status: 'skipped', ms: 0 },
        reup: { status: 'skipped', ms: 0 },
      },
      impact: null,
      waived: false,
    });
    expect(outcome.results.get(index!.path)!.roundtrip!.reup.status).toBe('pass');
  });

  it('fails BEGIN/COMMIT inside a transactional migration at its line', async () => {
    const set = await fixtureSet('begin-commit');
    const changed = set.migrations.at(-1)!;
    const outcome = await run([set]);
    const finding = only(outcome.findings);
    expect(finding).toMatchObject({ rule: 'up-failed', migration: changed.name, line: 2 });
    expect(finding.message).toMatch(
      /^up failed: BEGIN inside a migration that runs in a transaction: it would break/,
    );
    // Paired SQL files opt out the way sqlx reads them.
    expect(finding.message).toMatch(
      /Remove it, or opt out of the transaction with '-- no-transaction' as the file's first line$/,
    );
  });

  it('runs paired CREATE INDEX CONCURRENTLY / DROP INDEX CONCURRENTLY outside a transaction', async () => {
    const set = await fixtureSet('concurrently');
    expect(set.migrations.at(-1)!.transaction).toBe(false);
    const outcome = await run([set]);
    expect(outcome.findings).toEqual([]);
    expect(outcome.results.get(set.migrations.at(-1)!.path)!.roundtrip).toMatchObject({
      up: { status: 'pass' },
      down: { status: 'pass' },
      reup: { status: 'pass' },
    });
  });

  it("fails CREATE INDEX CONCURRENTLY in a transaction with PostgreSQL's message, at its line", async () => {
    const set = await fixtureSet('concurrently');
    const changed = set.migrations.at(-1)!;
    changed.transaction = true;
    const outcome = await run([set]);
    const finding = only(outcome.findings);
    expect(finding).toMatchObject({
      rule: 'up-failed',
      migration: changed.name,
      path: changed.up!.path,
      line: 2,
    });
    expect(finding.message).toBe(
      "up failed: CREATE INDEX CONCURRENTLY cannot run inside a transaction block; opt out of the transaction with '-- no-transaction' as the file's first line",
    );
  });

  it('runs CREATE INDEX CONCURRENTLY when the migration opts out of the transaction (dbmate)', async () => {
    const set = await fixtureSet('concurrently-no-transaction');
    expect(set.migrations.at(-1)!.transaction).toBe(false);
    const outcome = await run([set]);
    expect(outcome.findings).toEqual([]);
    expect(outcome.results.get(set.migrations.at(-1)!.path)!.impact!.added).toEqual([
      'index public.orders_customer_idx',
    ]);
  });

  it('takes waived migrations and migrations without a downgrade up only', async () => {
    const set = await fixtureSet('waived', { changedCount: 2 });
    const [, waived, noDown] = set.migrations;
    const outcome = await run([set]);
    expect(outcome.findings).toEqual([]);
    expect(outcome.results.get(waived!.path)).toMatchObject({
      roundtrip: { up: { status: 'pass' }, down: { status: 'skipped' }, reup: { status: 'skipped' } },
      impact: { added: ['column public.orders.total'], removed: [], changed: [] },
      waived: true,
    });
    expect(outcome.results.get(noDown!.path)).toMatchObject({
      roundtrip: { up: { status: 'pass' }, down: { status: 'skipped' }, reup: { status: 'skipped' } },
      impact: { added: ['index public.orders_total_idx'] },
      waived: false,
    });
  });

  it('stops a step running pg_sleep(3600) at the step timeout, then drops the scratch database', async () => {
    const set = await fixtureSet('sleep');
    const changed = set.migrations.at(-1)!;
    const started = Date.now();
    const outcome = await run([set], { stepTimeoutSec: 2 });
    expect(Date.now() - started).toBeLessThan(10_000);
    const finding = only(outcome.findings);
    expect(finding).toMatchObject({ rule: 'timeout', migration: changed.name, line: 3 });
    expect(finding.message).toBe(
      'up did not finish within the step timeout of 2 s (canceling statement due to statement timeout)',
    );
    expect(outcome.results.get(changed.path)!.roundtrip!.up.status).toBe('fail');
  });

  it('ends a step whose statements together outlast the step timeout (watchdog)', async () => {
    const set = await fixtureSet('sleep-in-pieces');
    const started = Date.now();
    const outcome = await run([set], { stepTimeoutSec: 2 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(8_000);
    const finding = only(outcome.findings);
    expect(finding.rule).toBe('timeout');
    // The statement running when the watchdog fired (about 3 s in: the 4th, rarely the 5th).
    expect([5, 6]).toContain(finding.line);
    expect(finding.message).toBe(
      'up did not finish within the step timeout of 2 s (the gate terminated its session)',
    );
  });

  it('times out a step waiting on a lock another session holds', async () => {
    const set = await fixtureSet('lock-wait');
    const holders: pg.Client[] = [];
    const p = provider(async (scratch) => {
      const holder = await scratch.connect();
      holders.push(holder);
      await holder.query("BEGIN; COMMENT ON SCHEMA public IS 'held by another session'");
    });
    const started = Date.now();
    const outcome = await run([set], { stepTimeoutSec: 2 }, p);
    expect(Date.now() - started).toBeLessThan(10_000);
    const finding = only(outcome.findings);
    expect(finding).toMatchObject({ rule: 'timeout', migration: set.migrations[0]!.name, line: 2 });
    expect(finding.message).toBe(
      'up did not finish within the step timeout of 2 s (canceling statement due to lock timeout)',
    );
    await Promise.all(holders.map((h) => h.end().catch(() => undefined)));
  });

  it('reports a broken history on the migration that fails and runs nothing after it', async () => {
    const set = await fixtureSet('syntax-error', { changedCount: 1 });
    const [, refunds, index] = set.migrations;
    const outcome = await run([set]);
    const finding = only(outcome.findings);
    expect(finding).toMatchObject({ rule: 'up-failed', migration: refunds!.name, line: 6 });
    expect(finding.message).toMatch(
      /the history of fixtures\/roundtrip\/syntax-error does not apply.*\(1 changed migration\(s\) not run\)$/,
    );
    expect(outcome.results.get(index!.path)).toEqual({ roundtrip: null, impact: null, waived: false });
  });

  it('applies a history that cannot go up in one transaction (a new enum value used by the next migration)', async () => {
    const set = await fixtureSet('enum-history', { changedCount: 1 });
    const outcome = await run([set]);
    expect(outcome.findings).toEqual([]);
    const last = set.migrations.at(-1)!;
    expect(outcome.results.get(last.path)?.roundtrip).toMatchObject({
      up: { status: 'pass' },
      down: { status: 'pass' },
      reup: { status: 'pass' },
    });
    expect(outcome.results.get(last.path)?.impact?.added).toEqual(['column public.orders.note']);
  });

  it("reports a module's own system error (a missing file) as up-failed at its line, not as a lost connection", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-runner-'));
    try {
      mkdirSync(join(dir, 'm'));
      writeFileSync(
        join(dir, 'm', '202601011000_seed.mjs'),
        [
          "import { readFileSync } from 'node:fs';",
          'export async function up({ context }) {',
          "  readFileSync(new URL('./seed.csv', import.meta.url), 'utf8');",
          "  await context.sql('CREATE TABLE seeded (v text)');",
          '}',
          "export async function down({ context }) { await context.sql('DROP TABLE seeded'); }",
        ].join('\n'),
      );
      // A file discovery could not read as a module (binary) is reported by the lint and not run.
      writeFileSync(join(dir, 'm', '202601011010_binary.mjs'), Buffer.from([0x65, 0x78, 0x00, 0x00]));
      const config = roundTripConfig({ cwd: dir, dirs: ['m'] });
      const [set] = await discover(config);
      const outcome = await run([set!], { cwd: dir, dirs: ['m'] });
      expect(outcome.findings.map((f) => `${f.rule} ${f.path}:${f.line}`)).toEqual([
        'up-failed m/202601011000_seed.mjs:3',
      ]);
      expect(outcome.findings[0]!.message).toMatch(/^up failed: ENOENT: no such file or directory/);
      expect(outcome.results.get('m/202601011010_binary.mjs')).toEqual({
        roundtrip: null,
        impact: null,
        waived: false,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('points a down-mismatch of a single-file migration at its down marker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-marker-mismatch-'));
    try {
      writeFileSync(
        join(dir, '202601010900_create_orders.sql'),
        '-- requirements: RL-1\n-- migrate:up\nCREATE TABLE orders (id int);\nCREATE INDEX orders_id_idx ON orders (id);\n\n-- migrate:down\nDROP INDEX orders_id_idx;\n',
      );
      const [set] = await discover({ ...roundTripConfig({ cwd: dir }), dirs: ['.'] });
      const outcome = await run([set!]);
      expect(outcome.findings.map((f) => [f.rule, f.path, f.line])).toEqual([
        ['down-mismatch', '202601010900_create_orders.sql', 6],
        ['reup-failed', '202601010900_create_orders.sql', 3],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a copy of the history at the first rebuild and rebuilds from it after that', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-rebuilds-'));
    try {
      const pair = (name: string, up: string, down: string) => {
        writeFileSync(join(dir, `${name}.up.sql`), `${up}\n`);
        writeFileSync(join(dir, `${name}.down.sql`), `${down}\n`);
      };
      pair('202601010900_create_a', 'CREATE TABLE a (id int);', 'DROP TABLE a;');
      pair('202601010910_create_b', 'CREATE TABLE b (id int);', 'DROP TABLE b;');
      // Two lossy downs (the table stays, so the second up fails) and a clean migration after them.
      pair('202601010920_create_c', 'CREATE TABLE c (id int);', 'SELECT 1;');
      pair('202601010930_create_d', 'CREATE TABLE d (id int);', 'SELECT 1;');
      pair('202601010940_create_e', 'CREATE TABLE e (id int);', 'DROP TABLE e;');
      const [set] = await discover({ ...roundTripConfig({ cwd: dir }), dirs: ['.'] });
      set!.migrations.slice(0, 2).forEach((m) => (m.change = 'unchanged'));
      const p = provider();
      const outcome = await run([set!], {}, p);
      expect(outcome.findings.map((f) => [f.rule, f.migration])).toEqual([
        ['down-mismatch', '202601010920_create_c'],
        ['reup-failed', '202601010920_create_c'],
        ['down-mismatch', '202601010930_create_d'],
        ['reup-failed', '202601010930_create_d'],
      ]);
      const rebuilds = outcome.lines.filter((l) => l.includes('rebuilt from'));
      expect(rebuilds).toEqual([
        expect.stringMatching(
          /rebuilt from a fresh database, history of 2 migration\(s\) kept as a copy, 1 migration\(s\) re-applied/,
        ),
        expect.stringMatching(
          /rebuilt from a copy of the database after the history, 2 migration\(s\) re-applied/,
        ),
      ]);
      const last = set!.migrations.at(-1)!;
      expect(outcome.results.get(last.path)?.roundtrip?.reup.status).toBe('pass');
      // The scratch database, the rebuild, the copy, the rebuild from the copy: all dropped.
      expect(p.created).toHaveLength(4);
      expect(await databasesLeft(p.created.map((d) => d.name))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes 3 snapshots per changed migration plus one: the last one of a migration is the next one's first", async () => {
    const set = await fixtureSet('clean-30', { changedCount: 4 });
    const query = vi.spyOn(pg.Client.prototype, 'query');
    try {
      const outcome = await run([set]);
      expect(outcome.findings).toEqual([]);
      const snapshots = query.mock.calls.filter(
        ([text]) => typeof text === 'string' && text.includes("current_setting('search_path')"),
      );
      expect(snapshots).toHaveLength(3 * 4 + 1);
    } finally {
      query.mockRestore();
    }
  });

  it('starts nothing when no migration changed', async () => {
    const set = await fixtureSet('leftover-index', { changedCount: 0 });
    const p = provider();
    const outcome = await run([set], {}, p);
    expect(outcome.database).toBeNull();
    expect(outcome.results.size).toBe(0);
    expect(p.created).toEqual([]);
  });

  it('fails in one line, without hanging, when the server goes away mid-run', async () => {
    const target = new URL(TEST_DATABASE_URL);
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((inbound) => {
      const outbound = net.connect(Number(target.port || 5432), target.hostname);
      sockets.add(inbound).add(outbound);
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('error', () => undefined);
      outbound.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const via = new URL(TEST_DATABASE_URL);
    via.port = String((proxy.address() as net.AddressInfo).port);
    const server = new UrlProvider(via.toString(), { connectTimeoutMs: 2_000 });
    const p = new TrackingProvider(server);
    providers.push(p);
    const set = await fixtureSet('sleep');
    // The server "goes down" while the changed migration's up runs (shortly after the history is in).
    let role: string | null = null;
    const progress = (line: string) => {
      role ??= server.runRole;
      if (!line.includes('history of')) return;
      setTimeout(() => {
        proxy.close();
        for (const socket of sockets) socket.destroy();
      }, 400);
    };
    const started = Date.now();
    try {
      const error = await runRoundTrips([set], roundTripConfig({ stepTimeoutSec: 60 }), {
        provider: p,
        progress,
      }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(error).toBeInstanceOf(GateError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).not.toContain(':postgres@');
      expect(message).toMatch(
        /^lost the connection to the url database while running 202601011000_backfill_orders up: .*; could not drop the scratch database\(s\) migration_gate_\w+(, migration_gate_\w+)*: .*; could not remove role migration_gate_\w+$/,
      );
    } finally {
      // The server was gone when the gate tried to drop its databases and its role: remove them here.
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      for (const scratch of p.created)
        await admin.query(`DROP DATABASE IF EXISTS "${scratch.name}" WITH (FORCE)`);
      expect(role).toMatch(/^migration_gate_/);
      await admin.query(`DROP ROLE IF EXISTS "${role}"`);
      await admin.end();
    }
  });
});
