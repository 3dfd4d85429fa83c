/**
 * The round-trip of one changed migration: S0 → up (with sample rows) → S1 → down → S2 → up → S3, the proofs
 * (S2 = S0, S3 = S1, rows through the round-trip, column order) and the impact. The directory's run
 * (set-run.ts) gives it the database and the steps through `TripHost`.
 */
import type { GateConfig } from '../config/types.js';
import type { Finding, Migration, MigrationSet, StepResult } from '../types.js';
import type { TripProbe } from './data/probe.js';
import { columnOrderChanges, diffSnapshots, summarizeImpact } from './diff.js';
import type { LockObserver } from './impact/locks.js';
import { hasCompleteWaiver, hasDown, seconds } from './outcome.js';
import type { RoundTripOutcome, RoundTripResult } from './outcome.js';
import type { Snapshot } from './snapshot/index.js';
import { columnOrderFinding, mismatchFinding } from './step.js';
import type { StepLabel, StepRecord } from './step.js';
import type { Direction } from './types.js';

/** How one step went. */
export interface StepRun {
  ok: boolean;
  timedOut: boolean;
  result: StepResult;
  /** The failed step's record, when it was not reported (`quiet`). */
  record?: StepRecord;
}

/** What the round-trip of one migration asks of the directory's run. */
export interface TripHost {
  readonly config: GateConfig;
  readonly set: MigrationSet;
  readonly outcome: RoundTripOutcome;
  progress(line: string): void;
  /**
   * The sample rows and measured impact of one migration's trip (PostgreSQL), or null where the engine has
   * none (SQLite): the trip then proves the schema alone.
   */
  probe(m: Migration): TripProbe | null;
  /**
   * Called just before the first up; what it returns is called after it, for notes of the engine's own on the
   * impact (SQLite: tables rebuilt).
   */
  watchUp?(): Promise<() => Promise<string[]>>;
  snapshot(): Promise<Snapshot>;
  /** Runs one step; a failure is reported (unless `quiet`) and returned as `ok: false`. */
  step(m: Migration, direction: Direction, label: StepLabel, quiet?: boolean): Promise<StepRun>;
  /** Reports a failed step that `step` was asked to keep quiet about. */
  report(record: StepRecord, label: StepLabel): void;
  /** The `data-up-failed` finding for an up that failed with sample rows present. */
  dataUpFailed(record: StepRecord): Finding;
  /** A fresh database holding exactly the applied migrations; false when it could not be built. */
  rebuild(): Promise<boolean>;
  /** Sets (or clears) what reads the locks of the next up just before it commits. */
  observe(observer: LockObserver | null): void;
  /** The snapshot of the current state, if one was taken since it last changed; forgotten once taken. */
  takeCurrent(): Snapshot | null;
  setCurrent(snapshot: Snapshot): void;
  /** The database no longer holds exactly the applied migrations: rebuild before the next step. */
  markDirty(): void;
  markApplied(name: string): void;
}

function skipped(): StepResult {
  return { status: 'skipped', ms: 0 };
}

export async function runTrip(host: TripHost, m: Migration, tag: string): Promise<void> {
  const waived = hasCompleteWaiver(m);
  const result: RoundTripResult = {
    roundtrip: { up: skipped(), down: skipped(), reup: skipped() },
    impact: null,
    waived,
  };
  const trip = result.roundtrip!;
  host.outcome.results.set(m.path, result);

  const probe = host.probe(m);
  await probe?.beforeUp(true);
  const s0 = host.takeCurrent() ?? (await host.snapshot());
  const upNotes = await host.watchUp?.();
  const up = probe ? await upWithRows(host, m, probe) : await host.step(m, 'up', 'up');
  if (!up) return;
  trip.up = up.result;
  host.progress(`${tag}: up${up.ok ? '' : up.timedOut ? ' TIMEOUT' : ' FAILED'} (${seconds(up.result.ms)})`);
  if (!up.ok) {
    // A failed step may have left anything behind (no transaction, or one the migration broke): the next
    // migration starts on a fresh database holding everything before it, without this one.
    host.markDirty();
    return;
  }
  host.markApplied(m.name);
  const s1 = await host.snapshot();
  const upLoss = await probe?.afterUp();
  if (upLoss) host.outcome.findings.push(upLoss);
  const schemaImpact = summarizeImpact(diffSnapshots(s0, s1));
  const engineNotes = upNotes ? await upNotes() : [];
  if (engineNotes.length > 0) schemaImpact.notes = [...(schemaImpact.notes ?? []), ...engineNotes];
  result.impact = probe ? probe.impact(schemaImpact) : schemaImpact;

  if (waived || !hasDown(m)) {
    probe?.downSkipped(waived);
    if (probe) result.impact = probe.impact(schemaImpact);
    host.setCurrent(s1);
    host.progress(`${tag}: down skipped (${waived ? 'waived' : 'no downgrade'})`);
    return;
  }

  const down = await host.step(m, 'down', 'down');
  trip.down = down.result;
  host.progress(
    `${tag}: down${down.ok ? '' : down.timedOut ? ' TIMEOUT' : ' FAILED'} (${seconds(down.result.ms)})`,
  );
  if (!down.ok) {
    host.markDirty();
    return;
  }
  const s2 = await host.snapshot();
  const downLoss = await probe?.afterDown();
  if (downLoss) host.outcome.findings.push(downLoss);
  const downDiffs = diffSnapshots(s0, s2);
  if (downDiffs.length > 0) {
    host.outcome.findings.push(
      mismatchFinding(m, 'down-mismatch', downDiffs, { before: 'before up', after: 'after down' }),
    );
  }
  const columnOrder = host.config.columnOrder;
  if (columnOrder !== 'off') {
    for (const change of columnOrderChanges(s0, s2)) {
      host.outcome.findings.push(columnOrderFinding(m, change, columnOrder));
    }
  }

  const reup = await host.step(m, 'up', 're-up');
  trip.reup = reup.result;
  host.progress(
    `${tag}: re-up${reup.ok ? '' : reup.timedOut ? ' TIMEOUT' : ' FAILED'} (${seconds(reup.result.ms)})`,
  );
  if (!reup.ok) {
    host.markDirty();
    return;
  }
  const s3 = await host.snapshot();
  const reupDiffs = diffSnapshots(s1, s3);
  if (reupDiffs.length > 0) {
    host.outcome.findings.push(
      mismatchFinding(m, 'reup-mismatch', reupDiffs, {
        before: 'after the first up',
        after: 'after the second up',
      }),
    );
    host.markDirty();
  } else {
    host.setCurrent(s3);
  }
}

/**
 * The first up, with the sample rows in the tables. When it fails with them, it runs again on a fresh database
 * without them: a pass there makes the first failure `data-up-failed` (the round-trip goes on without rows), a
 * failure there is `up-failed` as without rows. Null when the fresh database could not be built.
 */
async function upWithRows(host: TripHost, m: Migration, probe: TripProbe): Promise<StepRun | null> {
  try {
    host.observe(probe.observer);
    const withRows = probe.filled > 0;
    const up = await host.step(m, 'up', 'up', withRows);
    if (up.ok || !withRows || !up.record) return up;
    if (up.timedOut) {
      host.report(up.record, 'up');
      return up;
    }
    host.markDirty();
    if (!(await host.rebuild())) return null;
    await probe.beforeUp(false);
    host.observe(probe.observer);
    const empty = await host.step(m, 'up', 'up');
    if (empty.ok) {
      host.outcome.findings.push(host.dataUpFailed(up.record));
      probe.dropRows('sample rows not used: up fails with rows present (data-up-failed)');
    }
    return empty;
  } finally {
    host.observe(null);
  }
}
