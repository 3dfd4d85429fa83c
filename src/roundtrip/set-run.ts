import type pg from 'pg';
import { Umzug } from 'umzug';
import type { GateConfig } from '../config/types.js';
import { GateError } from '../types.js';
import type { Migration, MigrationSet } from '../types.js';
import { registerCleanup } from './cleanup.js';
import { ALEMBIC_EXCLUDED_TABLES } from './executors/index.js';
import { applyBatches } from './history.js';
import { hasCompleteWaiver, hasDown, isChanged, seconds } from './outcome.js';
import type { RoundTripOutcome } from './outcome.js';
import { endClient } from './providers/url.js';
import { attachScratch, closeScratch, openScratch } from './scratch.js';
import type { Scratch } from './scratch.js';
import { TripProbe, dataUpFailedFinding } from './data/probe.js';
import type { LockObserver } from './impact/locks.js';
import { clusterScope, takeSnapshot } from './snapshot/index.js';
import type { ClusterScope, Snapshot } from './snapshot/index.js';
import { causes, failedStep, prepareSession, runWatched, stepFinding } from './step.js';
import type { StepLabel, StepRecord } from './step.js';
import { STORAGE_SCHEMA, logSql, scratchStorage } from './storage.js';
import { runTrip } from './trip.js';
import type { StepRun, TripHost } from './trip.js';
import { StepError } from './types.js';
import type { DatabaseProvider, Direction, ScratchDatabase } from './types.js';

/** The round-trip of one migration directory. */
export class SetRun {
  private scratch: Scratch | null = null;
  /** A copy of the database right after the history, and how many `applied` names it holds. */
  private historyCopy: { db: ScratchDatabase; release: () => void; applied: number } | null = null;
  /** How many of `applied` are the history before the first changed migration. */
  private historyCount = 0;
  /** Names of the migrations the current state should hold, in order. */
  private readonly applied: string[] = [];
  /** The scratch database no longer holds exactly `applied`: rebuild before the next step. */
  private dirty = false;
  private last: StepRecord | null = null;
  /** The snapshot of the database's current state, when one was taken since it last changed. */
  private current: Snapshot | null = null;
  private readonly byName: Map<string, Migration>;
  /** Which cluster-wide objects the snapshots hold (read once). */
  private cluster: ClusterScope | null = null;
  private readonly timeoutMs: number;
  /** Reads the locks of the first up of a changed migration just before it commits. */
  private observer: LockObserver | null = null;
  /** What the round-trip of one migration (trip.ts) asks of this run. */
  private readonly host: TripHost;

  constructor(
    private readonly set: MigrationSet,
    private readonly config: GateConfig,
    private readonly provider: DatabaseProvider,
    private readonly progress: (line: string) => void,
    private readonly counter: { done: number; total: number },
    private readonly outcome: RoundTripOutcome,
  ) {
    this.byName = new Map(set.migrations.map((m) => [m.name, m]));
    this.timeoutMs = Math.max(1, Math.round(config.stepTimeoutSec * 1000));
    this.host = {
      config: this.config,
      set: this.set,
      outcome: this.outcome,
      progress: (line) => this.progress(line),
      probe: (m) =>
        new TripProbe(() => this.scratch!.client, m, {
          data: this.config.data,
          exclude: [
            ...(this.set.format === 'alembic' ? ALEMBIC_EXCLUDED_TABLES : []),
            ...(this.set.historyTables ?? []),
          ],
          runNotes: this.outcome.notes,
        }),
      snapshot: () => this.snapshot(),
      step: (m, direction, label, quiet) => this.step(m, direction, label, quiet),
      report: (record, label) => this.report(record, label, null),
      dataUpFailed: (record) =>
        dataUpFailedFinding(record, this.config, this.provider.kind, this.scratch?.db.access),
      rebuild: () => this.rebuild(),
      observe: (observer) => {
        this.observer = observer;
      },
      takeCurrent: () => {
        const current = this.current;
        this.current = null;
        return current;
      },
      setCurrent: (snapshot) => {
        this.current = snapshot;
      },
      markDirty: () => {
        this.dirty = true;
      },
      markApplied: (name) => {
        this.applied.push(name);
      },
    };
  }

  async run(): Promise<void> {
    let failed = true;
    try {
      await this.runChain();
      failed = false;
    } finally {
      for (const m of this.set.migrations.filter(isChanged)) {
        if (!this.outcome.results.has(m.path)) {
          this.counter.done++;
          this.outcome.results.set(m.path, { roundtrip: null, impact: null, waived: hasCompleteWaiver(m) });
        }
      }
      // When the run already failed, that error is the one to report, not a failing cleanup.
      await Promise.all([this.close(), this.dropHistoryCopy()]).catch((error: unknown) => {
        if (!failed) throw error;
      });
    }
  }

  /** Applies every migration of this directory (up only) on `db`: the baseline check's "from empty". */
  async applyAll(db: ScratchDatabase): Promise<void> {
    const { client, admin, umzug } = await attachScratch(db, (c) => this.umzugFor(c));
    this.scratch = { client, admin, umzug, db, release: () => undefined };
    try {
      await umzug.up();
    } catch (error) {
      const all = causes(error);
      throw all.find((e) => e instanceof GateError) ?? all.find((e) => e instanceof StepError) ?? error;
    } finally {
      this.scratch = null;
      await endClient(client);
      if (admin !== client) await endClient(admin);
    }
  }

  private async runChain(): Promise<void> {
    const chain = this.set.migrations;
    const first = chain.findIndex(isChanged);
    const history = chain.slice(0, first);
    this.scratch = await this.open();
    if (history.length > 0) {
      const started = Date.now();
      if (!(await this.applyHistory(history, 'history'))) return;
      this.historyCount = history.length;
      this.progress(
        `${this.set.dir}: history of ${history.length} migration(s) applied (${seconds(Date.now() - started)})`,
      );
    }
    for (const m of chain.slice(first)) {
      if (this.dirty && !(await this.rebuild())) return;
      if (isChanged(m) && m.up === null && m.format !== 'alembic') {
        // Nothing to run: no up part, or a file that could not be read (the lint reports why); the
        // migrations after it run without it.
        this.counter.done++;
        this.outcome.results.set(m.path, { roundtrip: null, impact: null, waived: hasCompleteWaiver(m) });
      } else if (isChanged(m)) {
        await this.roundTrip(m);
      } else if (!(await this.applyHistory([m], 'history'))) {
        return;
      }
    }
  }

  /** Applies unchanged migrations (up only); a failure is reported on the migration and stops this directory. */
  private async applyHistory(migrations: Migration[], why: 'history' | 'rebuild'): Promise<boolean> {
    this.current = null;
    migrations = migrations.slice(await this.applyFast(migrations, why));
    if (migrations.length === 0) return true;
    try {
      await this.umzug().up({ migrations: migrations.map((m) => m.name) });
      this.markApplied(migrations);
      return true;
    } catch (error) {
      const record = failedStep(error, this.set.dir, this.provider.kind);
      const rest = this.set.migrations.filter(
        (m) => isChanged(m) && !this.outcome.results.has(m.path),
      ).length;
      const context =
        why === 'history'
          ? `the history of ${this.set.dir} does not apply, so the round-trip of this directory stopped here`
          : `re-applying it on a fresh database for the migrations after it failed, so the round-trip of this directory stopped here`;
      this.report(record, 'up', `${context} (${rest} changed migration(s) not run)`);
      this.dirty = true;
      return false;
    }
  }

  private markApplied(migrations: Migration[]): void {
    this.applied.push(...migrations.map((m) => m.name).filter((n) => !this.applied.includes(n)));
  }

  /** History in bulk where the format allows it; returns how many leading migrations went up. */
  private async applyFast(migrations: Migration[], why: 'history' | 'rebuild'): Promise<number> {
    if (this.set.format === 'alembic') return why === 'history' ? this.applyAlembicHistory(migrations) : 0;
    if (this.provider.kind === 'embedded') return 0;
    return applyBatches(migrations, {
      client: this.scratch!.client,
      storage: this.scratch!.admin,
      kind: this.provider.kind,
      prepare: (client) => prepareSession(client, this.provider.kind, this.timeoutMs),
      applied: (batch) => this.markApplied(batch),
    });
  }

  /**
   * An Alembic history in one process: `alembic upgrade <last>` applies every revision before it too, instead
   * of one process per revision. All or nothing: when it fails, the scratch database is replaced by a fresh
   * one and the caller applies the revisions one by one, which names the one that fails.
   */
  private async applyAlembicHistory(migrations: Migration[]): Promise<number> {
    if (migrations.length < 2 || this.applied.length > 0) return 0;
    const last = migrations.at(-1)!;
    try {
      await this.guarded(last, 'up');
    } catch (error) {
      const gateError = causes(error).find((e): e is GateError => e instanceof GateError);
      if (gateError) throw gateError;
      await this.close();
      this.scratch = await this.open();
      return 0;
    }
    await this.scratch!.admin.query(logSql(migrations.map((m) => m.name)));
    this.applied.push(...migrations.map((m) => m.name));
    return migrations.length;
  }

  private async roundTrip(m: Migration): Promise<void> {
    const index = ++this.counter.done;
    await runTrip(this.host, m, `[${index}/${this.counter.total}] ${m.name}`);
  }

  /**
   * Runs one step through Umzug; failures are reported here (unless `quiet`: then the record is handed back)
   * and returned as `ok: false`.
   */
  private async step(m: Migration, direction: Direction, label: StepLabel, quiet = false): Promise<StepRun> {
    try {
      if (direction === 'up') await this.umzug().up({ migrations: [m.name] });
      else await this.umzug().down({ migrations: [m.name] });
      return { ok: true, timedOut: false, result: { status: 'pass', ms: this.last?.ms ?? 0 } };
    } catch (error) {
      const record = failedStep(error, this.set.dir, this.provider.kind);
      if (!quiet) this.report(record, label, null);
      return { ok: false, timedOut: record.timedOut, result: { status: 'fail', ms: record.ms }, record };
    }
  }

  private report(record: StepRecord, stepName: StepLabel, context: string | null): void {
    this.outcome.findings.push(
      stepFinding(record, stepName, context, this.config, this.provider.kind, this.scratch?.db.access),
    );
  }

  /** Runs one migration step with the watchdog; Umzug calls this through the migration's resolver. */
  private async guarded(m: Migration, direction: Direction): Promise<void> {
    const scratch = this.scratch!;
    const record: StepRecord = {
      migration: m,
      direction,
      ms: 0,
      error: null,
      timedOut: false,
      stopped: false,
    };
    this.last = record;
    await runWatched(
      {
        client: scratch.client,
        admin: scratch.admin,
        db: scratch.db,
        config: this.config,
        kind: this.provider.kind,
        timeoutMs: this.timeoutMs,
        ...(direction === 'up' && this.observer ? { beforeCommit: this.observer.beforeCommit } : {}),
      },
      record,
    );
  }

  private umzug(): Umzug<object> {
    return this.scratch!.umzug;
  }

  private async snapshot(): Promise<Snapshot> {
    const tables = [
      ...(this.set.format === 'alembic' ? ALEMBIC_EXCLUDED_TABLES : []),
      ...(this.set.historyTables ?? []),
    ];
    const exclude = tables.length > 0 ? { excludeTables: tables } : {};
    const scratch = this.scratch!;
    this.cluster ??= await clusterScope(scratch.admin, scratch.db.access);
    return takeSnapshot(scratch.admin, {
      excludeSchemas: [STORAGE_SCHEMA],
      cluster: this.cluster,
      ...exclude,
    });
  }

  private open(from: ScratchDatabase | null = null): Promise<Scratch> {
    return openScratch(this.provider, from, (client) => this.umzugFor(client));
  }

  /** The Umzug that runs this directory's migrations through the watchdog and logs them through `client`. */
  private umzugFor(client: pg.Client): Umzug<object> {
    return new Umzug<object>({
      migrations: this.set.migrations.map((m) => ({
        name: m.name,
        path: m.path,
        up: () => this.guarded(m, 'up'),
        ...(hasDown(m) ? { down: () => this.guarded(m, 'down') } : {}),
      })),
      storage: scratchStorage(client),
      context: {},
      logger: undefined,
    });
  }

  /**
   * Keeps a copy of the database right after the history (when the provider copies cheaply), so that a
   * rebuild does not apply the whole history again.
   */
  private async keepHistoryCopy(applied: number): Promise<void> {
    const scratch = this.scratch!;
    if (!this.provider.copyScratch) return;
    await endClient(scratch.client);
    if (scratch.admin !== scratch.client) await endClient(scratch.admin);
    const db = await this.provider.copyScratch(scratch.db);
    this.historyCopy = { db, release: registerCleanup(() => db.drop()), applied };
    Object.assign(scratch, await attachScratch(scratch.db, (c) => this.umzugFor(c)));
  }

  private async close(): Promise<void> {
    const scratch = this.scratch;
    this.scratch = null;
    await closeScratch(scratch);
  }

  private async dropHistoryCopy(): Promise<void> {
    const copy = this.historyCopy;
    this.historyCopy = null;
    if (copy) {
      await copy.db.drop();
      copy.release();
    }
  }

  /** Replaces a scratch database in an unknown state by a fresh one holding exactly `applied`. */
  private async rebuild(): Promise<boolean> {
    this.current = null;
    await this.close();
    const copy = this.historyCopy;
    this.scratch = await this.open(copy?.db ?? null);
    this.dirty = false;
    const started = Date.now();
    let from = copy?.applied ?? 0;
    if (!copy && this.historyCount > 1 && this.provider.copyScratch) {
      // The first rebuild applies the history again and keeps a copy of that state for the rebuilds after it:
      // a run without failures never pays for the copy.
      const history = this.applied.slice(0, this.historyCount).map((name) => this.byName.get(name)!);
      if (!(await this.applyHistory(history, 'rebuild'))) return false;
      await this.keepHistoryCopy(this.historyCount);
      from = this.historyCount;
    }
    const migrations = this.applied.slice(from).map((name) => this.byName.get(name)!);
    const ok = migrations.length === 0 || (await this.applyHistory(migrations, 'rebuild'));
    if (ok) {
      const how = copy
        ? 'a copy of the database after the history'
        : from > 0
          ? `a fresh database, history of ${from} migration(s) kept as a copy`
          : 'a fresh database';
      this.progress(
        `${this.set.dir}: rebuilt from ${how}, ${migrations.length} migration(s) re-applied (${seconds(Date.now() - started)})`,
      );
    }
    return ok;
  }
}
