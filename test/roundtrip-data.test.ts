import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedProvider } from '../src/roundtrip/providers/embedded.js';
import { UrlProvider } from '../src/roundtrip/providers/url.js';
import { runRoundTrips } from '../src/roundtrip/runner.js';
import type { RoundTripOutcome } from '../src/roundtrip/runner.js';
import type { GateConfig } from '../src/config/types.js';
import type { Finding, MigrationSet } from '../src/types.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';
import { TrackingProvider, databasesLeft, fixtureSet, roundTripConfig } from './roundtrip-support.js';

let providers: TrackingProvider[] = [];

const targets = [
  {
    name: 'a PostgreSQL server',
    config: roundTripConfig(),
    provider: () => new TrackingProvider(new UrlProvider(TEST_DATABASE_URL)),
  },
  {
    name: 'the embedded database',
    config: roundTripConfig({ database: 'embedded', databaseUrl: null }),
    provider: () => new TrackingProvider(new EmbeddedProvider()),
  },
] as const;

beforeAll(async () => {
  await assertServerReachable();
});

afterEach(async () => {
  const names = providers
    .filter((p) => p.inner instanceof UrlProvider)
    .flatMap((p) => p.created.map((s) => s.name));
  providers = [];
  expect(await databasesLeft(names)).toEqual([]);
});

const rules = (findings: Finding[]) => findings.map((f) => `${f.rule} ${f.migration}`);

describe.each(targets)('sample rows on $name', (target) => {
  async function run(sets: MigrationSet[], overrides: Partial<GateConfig> = {}): Promise<RoundTripOutcome> {
    const provider = target.provider();
    providers.push(provider);
    return runRoundTrips(sets, { ...target.config, ...overrides }, { provider });
  }

  it('reports a down that restores the schema but not the rows, and nothing with data off', async () => {
    const set = await fixtureSet('data-rename-by-drop');
    const outcome = await run([set]);
    const finding = outcome.findings.find((f) => f.rule === 'down-data-loss');
    expect(rules(outcome.findings)).toEqual(['down-data-loss 202601011000_rename_note_to_comment']);
    expect(finding).toMatchObject({
      severity: 'error',
      path: 'fixtures/roundtrip/data-rename-by-drop/202601011000_rename_note_to_comment.down.sql',
      line: 1,
    });
    expect(finding!.message).toContain('public.orders.note: 3 row(s) lost or changed');
    expect(finding!.message).toContain("'sample 1' before up, NULL after down");
    const impact = outcome.results.get(set.migrations[1]!.path)!.impact!;
    expect(impact.data).toEqual({
      sampleRows: 3,
      up: [],
      down: [{ table: 'public.orders', columns: ['note'], rows: 3, example: expect.any(String) }],
    });

    const off = await run([await fixtureSet('data-rename-by-drop')], { data: false });
    expect(off.findings).toEqual([]);
    expect([...off.results.values()][0]!.impact!.data).toBeNull();
  });

  it('reports an up that fails only on a table with rows as data-up-failed; with a default it passes', async () => {
    const set = await fixtureSet('data-add-not-null');
    const outcome = await run([set]);
    expect(rules(outcome.findings)).toEqual(['data-up-failed 202601011000_add_orders_x']);
    const finding = outcome.findings[0]!;
    expect(finding).toMatchObject({
      severity: 'error',
      path: 'fixtures/roundtrip/data-add-not-null/202601011000_add_orders_x.up.sql',
      line: 2,
    });
    expect(finding.message).toMatch(
      /on table (public\.)?orders: column "x" of relation "orders" contains null values/,
    );
    // The empty-table run passed: the round-trip went on without the rows.
    expect(outcome.results.get(set.migrations[1]!.path)!.roundtrip).toMatchObject({
      up: { status: 'pass' },
      down: { status: 'pass' },
      reup: { status: 'pass' },
    });

    const fine = await run([await fixtureSet('data-add-not-null-default')]);
    expect(fine.findings).toEqual([]);
  });

  it('lists the ACCESS EXCLUSIVE lock and the rewrite of a column type change, neither for CONCURRENTLY', async () => {
    const set = await fixtureSet('lock-alter-type');
    const outcome = await run([set]);
    expect(outcome.findings).toEqual([]);
    const impact = outcome.results.get(set.migrations[1]!.path)!.impact!;
    expect(impact.locks).toContainEqual({ relation: 'public.orders', mode: 'ACCESS EXCLUSIVE' });
    expect(impact.rewrites).toEqual(['public.orders']);

    const concurrently = await fixtureSet('concurrently-no-transaction');
    const index = await run([concurrently]);
    const indexImpact = index.results.get(concurrently.migrations[1]!.path)!.impact!;
    expect(indexImpact.locks).toEqual([]);
    expect(indexImpact.rewrites).toEqual([]);
    expect(indexImpact.notes).toContain('locks not observed: the up runs outside a transaction');
  });
});
