import type { GateConfig } from '../../config/types.js';
import { GateError, type Migration, type MigrationSet } from '../../types.js';
import { BOOKKEEPING_TABLES } from '../baseline.js';
import { beginRun } from '../cleanup.js';
import { checkAlembicCommand } from '../executors/index.js';
import { checkModels, modelSets } from '../model-check.js';
import { hasCompleteWaiver, isChanged, seconds } from '../outcome.js';
import type { RoundTripOptions, RoundTripOutcome } from '../outcome.js';
import type { Snapshot } from '../snapshot/index.js';
import { stepFinding, type StepLabel, type StepRecord } from '../step.js';
import { runTrip, type StepRun, type TripHost } from '../trip.js';
import { dataUpFailedFinding } from '../data/probe.js';
import { checkSqliteBaseline } from './baseline.js';
import { SqliteFolder, sqliteVersion, type SqliteScratch } from './database.js';
import { rebuiltTableNotes, tableRoots } from './quirks.js';
import { sqliteSnapshot } from './snapshot.js';
import { runSqliteStep } from './steps.js';
import { redactUrl } from '../../redact.js';

/**
 * Applies `migrations` (up, in order) to `scratch`: an Alembic history as one `alembic upgrade <last>`, SQL
 * migrations one by one. Throws the failing step's error.
 */
export async function applySqlite(
  scratch: SqliteScratch,
  migrations: Migration[],
  config: GateConfig,
): Promise<void> {
  const last = migrations.at(-1);
  if (!last) return;
  if (last.format === 'alembic') {
    await runSqliteStep(scratch, last, 'up', config);
    return;
  }
  for (const m of migrations) if (m.up && !m.up.empty) await runSqliteStep(scratch, m, 'up', config);
}

/** The round-trip of one directory on scratch SQLite files. */
class SqliteSetRun {
  private scratch: SqliteScratch | null = null;
  private readonly applied: Migration[] = [];
  private dirty = false;
  /** The snapshot of the file's current state, when one was taken since it last changed. */
  private current: Snapshot | null = null;

  constructor(
    private readonly set: MigrationSet,
    private readonly config: GateConfig,
    private readonly folder: SqliteFolder,
    private readonly progress: (line: string) => void,
    private readonly counter: { done: number; total: number },
    private readonly outcome: RoundTripOutcome,
  ) {}

  async run(): Promise<void> {
    try {
      const chain = this.set.migrations;
      const first = chain.findIndex(isChanged);
      this.scratch = await this.folder.createScratch();
      if (first > 0 && !(await this.apply(chain.slice(0, first), 'history'))) return;
      for (const m of chain.slice(first)) {
        if (this.dirty && !(await this.rebuild())) return;
        if (!isChanged(m)) {
          if (!(await this.apply([m], 'history'))) return;
        } else if (m.up === null && m.format !== 'alembic') {
          this.skip(m);
        } else {
          await this.roundTrip(m);
        }
      }
    } finally {
      for (const m of this.set.migrations.filter(isChanged))
        if (!this.outcome.results.has(m.path)) this.skip(m);
      await this.scratch?.drop();
    }
  }

  private skip(m: Migration): void {
    this.counter.done++;
    this.outcome.results.set(m.path, { roundtrip: null, impact: null, waived: hasCompleteWaiver(m) });
  }

  private snapshot(): Snapshot {
    const db = this.scratch!.open();
    try {
      return sqliteSnapshot(db, {
        excludeTables: [...BOOKKEEPING_TABLES, ...(this.set.historyTables ?? [])],
      });
    } finally {
      db.close();
    }
  }

  private tableRoots(): Map<string, number> {
    const db = this.scratch!.open();
    try {
      return tableRoots(db);
    } finally {
      db.close();
    }
  }

  /** Applies unchanged migrations; a failure is reported and stops this directory. */
  private async apply(migrations: Migration[], why: 'history' | 'rebuild'): Promise<boolean> {
    const started = Date.now();
    this.current = null;
    try {
      await applySqlite(this.scratch!, migrations, this.config);
    } catch (error) {
      if (error instanceof GateError) throw error;
      const m = migrations.at(-1)!;
      const record = {
        migration: m,
        direction: 'up' as const,
        ms: 0,
        error,
        timedOut: false,
        stopped: false,
      };
      const context =
        why === 'history'
          ? `the history of ${this.set.dir} does not apply, so the round-trip of this directory stopped here`
          : 're-applying it on a fresh database failed, so the round-trip of this directory stopped here';
      this.outcome.findings.push(stepFinding(record, 'up', context, this.config, 'sqlite'));
      return false;
    }
    this.applied.push(...migrations);
    if (why === 'history' && migrations.length > 1)
      this.progress(
        `${this.set.dir}: history of ${migrations.length} migration(s) applied (${seconds(Date.now() - started)})`,
      );
    return true;
  }

  private async rebuild(): Promise<boolean> {
    this.current = null;
    await this.scratch?.drop();
    this.scratch = await this.folder.createScratch();
    this.dirty = false;
    const again = this.applied.splice(0);
    const ok = await this.apply(again, 'rebuild');
    if (ok)
      this.progress(`${this.set.dir}: rebuilt from a fresh file, ${again.length} migration(s) re-applied`);
    return ok;
  }

  /** Runs one step; a failure is reported (unless `quiet`) and returned as `ok: false`. */
  private async step(
    m: Migration,
    direction: 'up' | 'down',
    label: StepLabel,
    quiet = false,
  ): Promise<StepRun> {
    const started = Date.now();
    try {
      await runSqliteStep(this.scratch!, m, direction, this.config);
      return { ok: true, timedOut: false, result: { status: 'pass', ms: Date.now() - started } };
    } catch (error) {
      if (error instanceof GateError) throw error;
      const ms = Date.now() - started;
      const record: StepRecord = { migration: m, direction, ms, error, timedOut: false, stopped: false };
      if (!quiet) this.report(record, label);
      return { ok: false, timedOut: false, result: { status: 'fail', ms }, record };
    }
  }

  private report(record: StepRecord, label: StepLabel): void {
    this.outcome.findings.push(stepFinding(record, label, null, this.config, 'sqlite'));
  }

  /** The same trip as on PostgreSQL (trip.ts), without sample rows; SQLite adds the tables a step rebuilt. */
  private roundTrip(m: Migration): Promise<void> {
    const host: TripHost = {
      config: this.config,
      set: this.set,
      outcome: this.outcome,
      progress: (line) => this.progress(line),
      probe: () => null,
      watchUp: async () => {
        const before = this.tableRoots();
        return async () => rebuiltTableNotes(before, this.tableRoots());
      },
      snapshot: async () => this.snapshot(),
      step: (step, direction, label, quiet) => this.step(step, direction, label, quiet),
      report: (record, label) => this.report(record, label),
      dataUpFailed: (record) => dataUpFailedFinding(record, this.config, 'sqlite'),
      rebuild: () => this.rebuild(),
      observe: () => undefined,
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
      markApplied: () => {
        this.applied.push(m);
      },
    };
    return runTrip(host, m, `[${++this.counter.done}/${this.counter.total}] ${m.name}`);
  }
}

/**
 * The round-trip of `check` on SQLite (`database: sqlite`): each directory on scratch files in a temporary
 * folder (removed at the end, on failure too), the same S0 → up → S1 → down → S2 → up → S3 proof as on
 * PostgreSQL, with SQLite snapshots; then the live baseline database and the Alembic models, when configured.
 */
export async function runSqliteRoundTrips(
  sets: MigrationSet[],
  config: GateConfig,
  opts: RoundTripOptions = {},
): Promise<RoundTripOutcome> {
  const outcome: RoundTripOutcome = { database: null, notes: [], results: new Map(), findings: [] };
  const work = sets.filter((s) => s.migrations.some(isChanged));
  const models = modelSets(sets);
  if (work.length === 0 && !config.baselineDatabase && models.length === 0) {
    outcome.notes.push('no changed migration: no database was started');
    return outcome;
  }
  if ([...work, ...models, ...(config.baselineDatabase ? sets : [])].some((s) => s.format === 'alembic'))
    await checkAlembicCommand(config);
  const progress = opts.progress ?? (() => undefined);
  const folder = new SqliteFolder();
  const endRun = beginRun();
  try {
    outcome.database = { provider: 'sqlite', serverVersion: sqliteVersion() };
    progress(
      `database: sqlite, SQLite ${outcome.database.serverVersion} (scratch files in a temporary folder)`,
    );
    const counter = { done: 0, total: work.reduce((n, s) => n + s.migrations.filter(isChanged).length, 0) };
    for (const set of work) await new SqliteSetRun(set, config, folder, progress, counter, outcome).run();
    const applyAll = (db: SqliteScratch, set: MigrationSet) => applySqlite(db, set.migrations, config);
    if (config.baselineDatabase) {
      progress(
        `baseline: ${redactUrl(config.baselineDatabase)} (read only) against every migration applied from empty`,
      );
      outcome.findings.push(
        ...(await checkSqliteBaseline({ folder, sets, config, applyAll, notes: outcome.notes })),
      );
    }
    if (models.length > 0) {
      outcome.findings.push(
        ...(await checkModels({
          createScratch: () => folder.createScratch(),
          sets: models,
          config,
          notes: outcome.notes,
          progress,
          changed: opts.changedFiles ?? (async (files) => new Set(files)),
          applyAll,
        })),
      );
    }
    return outcome;
  } finally {
    await folder.close();
    endRun();
  }
}
