import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UrlProvider } from '../src/roundtrip/providers/url.js';
import { runRoundTrips } from '../src/roundtrip/runner.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';
import { TrackingProvider, databasesLeft, fixtureSet, roundTripConfig } from './roundtrip-support.js';

let provider: TrackingProvider | null = null;

beforeAll(async () => {
  await assertServerReachable();
});

afterEach(async () => {
  const names = provider?.created.map((s) => s.name) ?? [];
  expect(await databasesLeft(names)).toEqual([]);
});

describe('umzug executor', () => {
  it('runs .ts, .mjs, .js and .cjs modules with { client, sql } and blames the module line', async () => {
    const set = await fixtureSet('umzug', { changedCount: 4 });
    expect(set.format).toBe('umzug');
    const [accounts, email, backfill, index] = set.migrations;
    provider = new TrackingProvider(new UrlProvider(TEST_DATABASE_URL));
    const outcome = await runRoundTrips([set], roundTripConfig(), { provider });

    expect(outcome.findings.map((f) => [f.rule, f.migration, f.path, f.line, f.message])).toEqual([
      [
        'down-failed',
        email!.name,
        email!.path,
        7,
        'down failed: column "emial" of relation "accounts" does not exist',
      ],
      [
        'up-failed',
        backfill!.name,
        backfill!.path,
        5,
        'up failed: cannot backfill regions without a region table',
      ],
    ]);
    expect(outcome.results.get(accounts!.path)!.roundtrip).toMatchObject({
      up: { status: 'pass' },
      down: { status: 'pass' },
      reup: { status: 'pass' },
    });
    expect(outcome.results.get(accounts!.path)!.impact!.added).toContain('table public.accounts');
    expect(outcome.results.get(index!.path)!.roundtrip).toMatchObject({
      up: { status: 'pass' },
      down: { status: 'pass' },
      reup: { status: 'pass' },
    });
  });
});

describe('umzug executor and the wrapping transaction', () => {
  it('fails a module that commits the transaction itself, and goes on from a fresh database', async () => {
    const set = await fixtureSet('umzug-commit', { changedCount: 2 });
    const [ledger, journal] = set.migrations;
    provider = new TrackingProvider(new UrlProvider(TEST_DATABASE_URL));
    const lines: string[] = [];
    const outcome = await runRoundTrips([set], roundTripConfig(), {
      provider,
      progress: (l) => lines.push(l),
    });
    expect(outcome.findings).toHaveLength(1);
    expect(outcome.findings[0]).toMatchObject({
      rule: 'up-failed',
      migration: ledger!.name,
      path: ledger!.path,
    });
    expect(outcome.findings[0]!.message).toMatch(
      /^up failed: COMMIT or ROLLBACK inside a migration that runs in a transaction: it would break/,
    );
    expect(provider.created).toHaveLength(2);
    expect(
      lines.filter((l) =>
        /^fixtures\/roundtrip\/umzug-commit: rebuilt from a fresh database, 0 migration\(s\) re-applied/.test(
          l,
        ),
      ),
    ).toHaveLength(1);
    expect(outcome.results.get(journal!.path)!.roundtrip!.reup.status).toBe('pass');
  });
});
