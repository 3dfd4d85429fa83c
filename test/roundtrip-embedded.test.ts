import { afterAll, describe, expect, it } from 'vitest';
import { AutoProvider } from '../src/roundtrip/providers/auto.js';
import { EmbeddedProvider } from '../src/roundtrip/providers/embedded.js';
import { runRoundTrips } from '../src/roundtrip/runner.js';
import type { MigrationSet } from '../src/types.js';
import { TrackingProvider, fixtureSet, roundTripConfig } from './roundtrip-support.js';

const config = roundTripConfig({ database: 'embedded', databaseUrl: null });
const providers: TrackingProvider[] = [];

afterAll(async () => {
  // Every PGlite worker the runs started has ended.
  for (const p of providers) {
    const inner = p.inner instanceof AutoProvider ? null : (p.inner as EmbeddedProvider);
    if (inner) expect((inner as unknown as { live: Set<unknown> }).live.size).toBe(0);
  }
});

describe('round-trip on the embedded database (PGlite)', () => {
  it('passes the clean history of 30 migrations with no error, chosen by auto without Docker', async () => {
    const set = await fixtureSet('clean-30', { changedCount: 30 });
    const provider = new TrackingProvider(new AutoProvider(config, async () => false));
    providers.push(provider);
    const lines: string[] = [];
    const outcome = await runRoundTrips([set], config, { provider, progress: (l) => lines.push(l) });
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
    expect(outcome.database).toEqual({ provider: 'embedded', serverVersion: expect.stringMatching(/^18\./) });
    expect(outcome.notes[0]).toBe('no Docker runtime answered: using the embedded database');
    expect(outcome.notes[1]).toMatch(/one connection at a time; step timeouts are enforced by the gate/);
    expect([...outcome.results.values()].every((r) => r.roundtrip?.reup.status === 'pass')).toBe(true);
    expect(provider.created).toHaveLength(1);
  });

  it('finds a leftover, a syntax error and a step that runs for an hour, and goes on after each', async () => {
    const sets: MigrationSet[] = [
      await fixtureSet('leftover-index'),
      await fixtureSet('sleep'),
      await fixtureSet('syntax-error', { changedCount: 2 }),
    ];
    const provider = new TrackingProvider(new EmbeddedProvider());
    providers.push(provider);
    const started = Date.now();
    const outcome = await runRoundTrips(sets, { ...config, stepTimeoutSec: 2 }, { provider });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(outcome.findings.map((f) => [f.rule, f.migration, f.line])).toEqual([
      ['down-mismatch', '202601011000_add_orders_created_at_index', 1],
      ['reup-failed', '202601011000_add_orders_created_at_index', 3],
      ['timeout', '202601011000_backfill_orders', 3],
      ['up-failed', '202601011000_create_refunds', 6],
    ]);
    expect(outcome.findings[0]!.details).toEqual([
      'index public.orders_created_at_idx: present after down, absent before up',
    ]);
    expect(outcome.findings[2]!.message).toBe(
      'up did not finish within the step timeout of 2 s (the gate stopped the embedded database)',
    );
    const afterFailure = sets[2]!.migrations.at(-1)!;
    expect(outcome.results.get(afterFailure.path)!.roundtrip!.reup.status).toBe('pass');
  });
});
