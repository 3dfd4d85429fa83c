import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import {
  beginRun,
  registerCleanup,
  runCleanups,
  setExitForSignals,
  signalExit,
} from '../src/roundtrip/cleanup.js';
import { UrlProvider } from '../src/roundtrip/providers/url.js';
import { runRoundTrips } from '../src/roundtrip/runner.js';
import { TEST_DATABASE_URL } from './helpers/db.js';
import { TrackingProvider, databasesLeft, fixtureSet, roundTripConfig } from './roundtrip-support.js';

const exits: number[] = [];
const previousExit = setExitForSignals((code) => exits.push(code));

afterEach(async () => {
  exits.length = 0;
  await runCleanups();
});

afterAll(() => {
  setExitForSignals(previousExit);
});

describe('cleanup registry', () => {
  it('runs cleanups once, most recent first, and collects their errors', async () => {
    const order: string[] = [];
    registerCleanup(() => {
      order.push('first');
    });
    const unregister = registerCleanup(() => {
      order.push('never');
    });
    registerCleanup(async () => {
      order.push('last');
      throw new Error('boom');
    });
    unregister();
    const errors = await runCleanups();
    expect(order).toEqual(['last', 'first']);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
    expect(await runCleanups()).toEqual([]);
  });

  it('handles SIGTERM only while a run is active: cleanups, then exit 143', async () => {
    const before = process.listenerCount('SIGTERM');
    const end = beginRun();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    let cleaned = false;
    registerCleanup(() => {
      cleaned = true;
    });
    expect(signalExit()).toBeNull();
    process.emit('SIGTERM', 'SIGTERM');
    const pending = signalExit();
    expect(pending).not.toBeNull();
    expect(await pending).toBe(143);
    await new Promise((r) => setTimeout(r, 50));
    expect(cleaned).toBe(true);
    expect(exits).toEqual([143]);
    end();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});

describe('SIGHUP (the terminal or the runner went away)', () => {
  it('drops the scratch database and the run role like SIGTERM, then exits 129', async () => {
    const before = process.listenerCount('SIGHUP');
    const server = new UrlProvider(TEST_DATABASE_URL);
    const provider = new TrackingProvider(server);
    const set = await fixtureSet('sleep');
    let role: string | null = null;
    let stepStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      stepStarted = resolve;
    });
    const progress = (line: string) => {
      role ??= server.runRole;
      if (line.includes('history of')) setTimeout(stepStarted, 300);
    };
    const run = runRoundTrips([set], roundTripConfig({ stepTimeoutSec: 60 }), { provider, progress }).then(
      () => 'finished',
      (e: Error) => e.message,
    );
    await started;
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    expect(await databasesLeft(provider.created.map((s) => s.name))).toHaveLength(1);
    process.emit('SIGHUP', 'SIGHUP');
    expect(await run).not.toBe('finished');
    for (let i = 0; i < 100 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(exits).toEqual([129]);
    expect(await databasesLeft(provider.created.map((s) => s.name))).toEqual([]);
    expect(role).toMatch(/^migration_gate_/);
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    const left = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    await client.end();
    expect(left.rowCount).toBe(0);
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });
});

describe('interrupting a round-trip', () => {
  it('drops the scratch database on SIGINT while a step runs, then exits 130', async () => {
    const before = process.listenerCount('SIGINT');
    let stepStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      stepStarted = resolve;
    });
    const provider = new TrackingProvider(new UrlProvider(TEST_DATABASE_URL));
    const set = await fixtureSet('sleep');
    // The history is in: the changed migration's up (pg_sleep(3600)) starts right after.
    const progress = (line: string) => {
      if (line.includes('history of')) setTimeout(stepStarted, 300);
    };
    const run = runRoundTrips([set], roundTripConfig({ stepTimeoutSec: 60 }), { provider, progress }).then(
      () => 'finished',
      (e: Error) => e.message,
    );
    await started;
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    // The scratch database (a copy of the history is only made at a first rebuild).
    expect(await databasesLeft(provider.created.map((s) => s.name))).toHaveLength(1);
    process.emit('SIGINT', 'SIGINT');
    const result = await run;
    expect(result).not.toBe('finished');
    // The handler exits once its cleanups are done, which may be after the run gave up.
    for (let i = 0; i < 100 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(exits).toEqual([130]);
    expect(await databasesLeft(provider.created.map((s) => s.name))).toEqual([]);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('makes the CLI exit 130 on SIGINT, without blaming the database it just dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-signal-'));
    try {
      mkdirSync(join(dir, 'm'));
      writeFileSync(
        join(dir, 'm', '202601011000_wait.up.sql'),
        '-- requirements: RL-1\nSELECT pg_sleep(60);\n',
      );
      writeFileSync(join(dir, 'm', '202601011000_wait.down.sql'), 'SELECT 1;\n');
      let stderr = '';
      let signalled = false;
      const code = await runCli(['check', '--dir', 'm', '--database', TEST_DATABASE_URL], {
        stdout: () => undefined,
        stderr: (text) => {
          stderr += text;
          // The scratch database is up: the step (pg_sleep) starts right after.
          if (!signalled && text.includes('database: url')) {
            signalled = true;
            setTimeout(() => process.emit('SIGINT', 'SIGINT'), 300);
          }
        },
        cwd: dir,
        isTTY: false,
      });
      expect(signalled).toBe(true);
      expect(code).toBe(130);
      expect(stderr).not.toMatch(/lost the connection|^migration-gate: (?!SIGINT)/m);
      for (let i = 0; i < 100 && exits.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(exits).toEqual([130]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
