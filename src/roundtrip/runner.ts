import pg from 'pg';
import { Umzug } from 'umzug';
import type { UmzugStorage } from 'umzug';
import type { GateConfig } from '../config/types.js';
import { GateError } from '../types.js';
import type {
  DatabaseInfo,
  Finding,
  Impact,
  Migration,
  MigrationSet,
  RoundTrip,
  StepResult,
} from '../types.js';
import { checkBaseline } from './baseline.js';
import { beginRun, registerCleanup } from './cleanup.js';
import { describeDifference, diffSnapshots, nameDifferences, summarizeImpact } from './diff.js';
import type { SchemaDifference } from './diff.js';
import { splitStatements } from '../discover/sql-split.js';
import { ALEMBIC_EXCLUDED_TABLES, checkAlembicCommand, executorFor } from './executors/index.js';
import { transactionControl } from './executors/sql.js';
import { createProvider } from './providers/index.js';
import { endClient, errorText } from './providers/url.js';
import { takeSnapshot } from './snapshot/index.js';
import type { Snapshot } from './snapshot/index.js';
import { StepError } from './types.js';
import type { DatabaseProvider, Direction, ScratchDatabase, StepContext } from './types.js';

/** The schema of the scratch database where the Umzug storage keeps its log (left out of snapshots). */
export const STORAGE_SCHEMA = 'migration_gate';

/** What the round-trip learned about one changed migration. */
export interface RoundTripResult {
  /** Null when the migration was not run (its directory's history failed first). */
  roundtrip: RoundTrip | null;
  /** Objects `up` added, removed or changed; null when `up` did not succeed. */
  impact: Impact | null;
  /** True when a complete waiver kept the migration from being downgraded. */
  waived: boolean;
}

/** Everything `runRoundTrips` hands back to the report. */
export interface RoundTripOutcome {
  /** The database used; null when no migration had to run (nothing was started). */
  database: DatabaseInfo | null;
  notes: string[];
  /** By migration path, for every changed (added, modified, renamed) migration. */
  results: Map<string, RoundTripResult>;
  findings: Finding[];
}

/** Options of `runRoundTrips`. */
export interface RoundTripOptions {
  /** The provider to use (default: the configuration's); it is closed at the end. */
  provider?: DatabaseProvider;
  /** Receives one line per step, e.g. `[2/5] 202611211430_add_index: down (1.2s)`. */
  progress?: (line: string) => void;
}

/** Time past the step timeout before the watchdog ends the session (statement_timeout fires first on a server). */
const WATCHDOG_GRACE_MS = 1_000;
/** How much later than `lock_timeout` the server's `statement_timeout` fires. */
const STATEMENT_TIMEOUT_LAG_MS = 200;
/** Time a step gets to settle after its session was ended. */
const SETTLE_MS = 2_000;

type StepLabel = 'up' | 'down' | 're-up';
const FAILED_RULE = { up: 'up-failed', down: 'down-failed', 're-up': 'reup-failed' } as const;

const CHANGED = new Set(['added', 'modified', 'renamed']);

/** True for the migrations the round-trip proves (added, modified, renamed). */
export function isChanged(m: Migration): boolean {
  return CHANGED.has(m.change);
}

function hasCompleteWaiver(m: Migration): boolean {
  return Boolean(m.waiver?.owner && m.waiver.rationale);
}

function hasDown(m: Migration): boolean {
  return m.down !== null && !m.down.empty;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/** True when PostgreSQL cancelled the statement for `statement_timeout` or `lock_timeout`. */
function isServerTimeout(error: unknown): boolean {
  return causes(error).some((e) => {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : '';
    return (
      (code === '57014' && /statement timeout/i.test(message)) ||
      (code === '55P03' && /lock timeout/i.test(message))
    );
  });
}

/**
 * Socket error codes of a lost connection. Other system errors (`ENOENT`, `EACCES`…) come from the migration
 * itself, e.g. a module reading a missing file, and are its failure.
 */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENETRESET',
  'ENOTCONN',
]);

/** True when the connection itself went away (not an error PostgreSQL reported for a statement). */
function isConnectionLoss(error: unknown): boolean {
  return causes(error).some((e) => {
    const code = (e as { code?: unknown }).code;
    if (code === '57P01' || code === '57P02' || code === '57P03') return true;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    const message = e instanceof Error ? e.message : '';
    return /Connection terminated|connection error|not queryable|Client was closed/i.test(message);
  });
}

/** What happened in the last step the runner ran. */
interface StepRecord {
  migration: Migration;
  direction: Direction;
  ms: number;
  error: unknown;
  timedOut: boolean;
  /** The watchdog ended the step's session (or the embedded database). */
  stopped: boolean;
}

/** The scratch database of one directory, its session and its Umzug. */
interface Scratch {
  db: ScratchDatabase;
  client: pg.Client;
  umzug: Umzug<object>;
  release: () => void;
}

/** A failed step, as the runner reports it. */
class StepFailed extends Error {
  constructor(readonly record: StepRecord) {
    super(`${record.migration.name} ${record.direction} failed`);
  }
}

/**
 * The round-trip of `check`: for each directory, one scratch database; its base history goes up first,
 * then each changed migration, in order, goes S0 → up → S1 → down → S2 → up → S3, and the gate requires
 * S2 = S0 and S3 = S1. A failure is reported and the run continues from a correct state (a fresh scratch
 * database with everything before the next migration applied). Every scratch database is dropped and the
 * provider closed at the end, on failure too. Infrastructure problems throw `GateError`.
 */
export async function runRoundTrips(
  sets: MigrationSet[],
  config: GateConfig,
  opts: RoundTripOptions = {},
): Promise<RoundTripOutcome> {
  const outcome: RoundTripOutcome = { database: null, notes: [], results: new Map(), findings: [] };
  const work = sets.filter((s) => s.migrations.some(isChanged));
  if (work.length === 0 && !config.baselineSchema) {
    outcome.notes.push('no changed migration: no database was started');
    return outcome;
  }
  // A missing Alembic is one configuration error, before any database is started.
  const alembic = (config.baselineSchema ? sets : work).some((s) => s.format === 'alembic');
  if (alembic) await checkAlembicCommand(config);
  const provider = opts.provider ?? createProvider(config);
  const endRun = beginRun();
  const unregister = registerCleanup(() => provider.close());
  try {
    try {
      outcome.database = await provider.start();
      opts.progress?.(`database: ${provider.kind}, PostgreSQL ${outcome.database.serverVersion}`);
      const total = work.reduce((n, s) => n + s.migrations.filter(isChanged).length, 0);
      const counter = { done: 0, total };
      const progress = opts.progress ?? (() => undefined);
      for (const set of work) {
        await new SetRun(set, config, provider, progress, counter, outcome).run();
      }
      if (config.baselineSchema) {
        progress(`baseline: ${config.baselineSchema} against every migration applied from empty`);
        const findings = await checkBaseline({
          provider,
          sets,
          config,
          notes: outcome.notes,
          applyAll: (db, set) => new SetRun(set, config, provider, progress, counter, outcome).applyAll(db),
        });
        outcome.findings.push(...findings);
      }
      outcome.notes.push(...provider.notes);
    } catch (error) {
      // The run's own error is the one to report; a failing cleanup after it only adds what was left behind.
      await provider.close().catch((closeError: unknown) => {
        if (error instanceof GateError) error.message += `; ${errorText(closeError)}`;
      });
      throw error;
    }
    await provider.close();
    return outcome;
  } finally {
    unregister();
    endRun();
  }
}

/** The round-trip of one migration directory. */
class SetRun {
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
  private readonly timeoutMs: number;

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
    const { client, umzug } = await this.attach(db);
    this.scratch = { client, umzug, db, release: () => undefined };
    try {
      await umzug.up();
    } catch (error) {
      const all = causes(error);
      throw all.find((e) => e instanceof GateError) ?? all.find((e) => e instanceof StepError) ?? error;
    } finally {
      this.scratch = null;
      await endClient(client);
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
    migrations = migrations.slice(await this.applyBatches(migrations, why));
    if (migrations.length === 0) return true;
    try {
      await this.umzug().up({ migrations: migrations.map((m) => m.name) });
      this.applied.push(...migrations.map((m) => m.name).filter((n) => !this.applied.includes(n)));
      return true;
    } catch (error) {
      const record = this.failure(error);
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

  /**
   * The fast path for history on a server: consecutive transactional SQL migrations go up in one transaction
   * and one round trip per batch, with their storage rows. Returns how many leading migrations it applied; at
   * the first batch that fails it rolls back and stops, and the caller applies the rest one by one through
   * Umzug, which then names the failing migration, its line, or its timeout.
   */
  private async applyBatches(migrations: Migration[], why: 'history' | 'rebuild'): Promise<number> {
    if (this.set.format === 'alembic') return why === 'history' ? this.applyAlembicHistory(migrations) : 0;
    if (this.provider.kind === 'embedded') return 0;
    let end = 0;
    while (end < migrations.length && batchable(migrations[end]!)) end++;
    const client = this.scratch!.client;
    let applied = 0;
    while (applied < end) {
      const batch = migrations.slice(applied, Math.min(end, applied + HISTORY_BATCH));
      const text = batch.map((m) => `${m.up!.text}\n;\n${logSql([m.name])};`).join('\n');
      try {
        await this.prepareSession(client);
        await client.query(`BEGIN;\n${text}\nCOMMIT;`);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (isConnectionLoss(error)) {
          throw new GateError(
            `lost the connection to the ${this.provider.kind} database while applying the history: ${errorText(error)}`,
            { cause: error },
          );
        }
        break;
      }
      this.applied.push(...batch.map((m) => m.name).filter((n) => !this.applied.includes(n)));
      applied += batch.length;
    }
    return applied;
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
    await this.scratch!.client.query(logSql(migrations.map((m) => m.name)));
    this.applied.push(...migrations.map((m) => m.name));
    return migrations.length;
  }

  private async roundTrip(m: Migration): Promise<void> {
    const index = ++this.counter.done;
    const tag = `[${index}/${this.counter.total}] ${m.name}`;
    const waived = hasCompleteWaiver(m);
    const result: RoundTripResult = {
      roundtrip: { up: skipped(), down: skipped(), reup: skipped() },
      impact: null,
      waived,
    };
    const trip = result.roundtrip!;
    this.outcome.results.set(m.path, result);

    const s0 = this.current ?? (await this.snapshot());
    this.current = null;
    const up = await this.step(m, 'up', 'up');
    trip.up = up.result;
    this.progress(
      `${tag}: up${up.ok ? '' : up.timedOut ? ' TIMEOUT' : ' FAILED'} (${seconds(up.result.ms)})`,
    );
    if (!up.ok) {
      // A failed step may have left anything behind (no transaction, or one the migration broke): the next
      // migration starts on a fresh database holding everything before it, without this one.
      this.dirty = true;
      return;
    }
    this.applied.push(m.name);
    const s1 = await this.snapshot();
    result.impact = summarizeImpact(diffSnapshots(s0, s1));

    if (waived || !hasDown(m)) {
      this.current = s1;
      this.progress(`${tag}: down skipped (${waived ? 'waived' : 'no downgrade'})`);
      return;
    }

    const down = await this.step(m, 'down', 'down');
    trip.down = down.result;
    this.progress(
      `${tag}: down${down.ok ? '' : down.timedOut ? ' TIMEOUT' : ' FAILED'} (${seconds(down.result.ms)})`,
    );
    if (!down.ok) {
      this.dirty = true;
      return;
    }
    const s2 = await this.snapshot();
    const downDiffs = diffSnapshots(s0, s2);
    if (downDiffs.length > 0) {
      this.mismatch(m, 'down-mismatch', downDiffs, { before: 'before up', after: 'after down' });
    }

    const reup = await this.step(m, 'up', 're-up');
    trip.reup = reup.result;
    this.progress(
      `${tag}: re-up${reup.ok ? '' : reup.timedOut ? ' TIMEOUT' : ' FAILED'} (${seconds(reup.result.ms)})`,
    );
    if (!reup.ok) {
      this.dirty = true;
      return;
    }
    const s3 = await this.snapshot();
    const reupDiffs = diffSnapshots(s1, s3);
    if (reupDiffs.length > 0) {
      this.mismatch(m, 'reup-mismatch', reupDiffs, {
        before: 'after the first up',
        after: 'after the second up',
      });
      this.dirty = true;
    } else {
      this.current = s3;
    }
  }

  /** Runs one step through Umzug; failures are reported here and returned as `ok: false`. */
  private async step(
    m: Migration,
    direction: Direction,
    label: StepLabel,
  ): Promise<{ ok: boolean; timedOut: boolean; result: StepResult }> {
    try {
      if (direction === 'up') await this.umzug().up({ migrations: [m.name] });
      else await this.umzug().down({ migrations: [m.name] });
      return { ok: true, timedOut: false, result: { status: 'pass', ms: this.last?.ms ?? 0 } };
    } catch (error) {
      const record = this.failure(error);
      this.report(record, label, null);
      return { ok: false, timedOut: record.timedOut, result: { status: 'fail', ms: record.ms } };
    }
  }

  /** The record of the step that failed; anything else (the storage, the connection) is an infrastructure error. */
  private failure(error: unknown): StepRecord {
    const gateError = causes(error).find((e): e is GateError => e instanceof GateError);
    if (gateError) throw gateError;
    const failed = causes(error).find((e): e is StepFailed => e instanceof StepFailed);
    if (!failed) {
      throw new GateError(`the round-trip of ${this.set.dir} failed: ${errorText(error)}`, { cause: error });
    }
    const record = failed.record;
    if (!record.timedOut && isConnectionLoss(record.error)) {
      throw new GateError(
        `lost the connection to the ${this.provider.kind} database while running ${record.migration.name} ` +
          `${record.direction}: ${errorText(record.error)}`,
        { cause: record.error },
      );
    }
    return record;
  }

  private report(record: StepRecord, stepName: StepLabel, context: string | null): void {
    const m = record.migration;
    const stepError = causes(record.error).find((e): e is StepError => e instanceof StepError);
    const detail = record.stopped
      ? this.provider.kind === 'embedded'
        ? 'the gate stopped the embedded database'
        : 'the gate terminated its session'
      : (stepError?.message ?? errorText(record.error));
    const base = record.timedOut
      ? `${stepName} did not finish within the step timeout of ${this.config.stepTimeoutSec} s` +
        (detail ? ` (${detail})` : '')
      : `${stepName} failed: ${detail}`;
    const finding: Finding = {
      rule: record.timedOut ? 'timeout' : FAILED_RULE[stepName],
      severity: 'error',
      migration: m.name,
      path: stepError?.path ?? m.path,
      message: context ? `${base}; ${context}` : base,
    };
    if (stepError?.line != null) finding.line = stepError.line;
    this.outcome.findings.push(finding);
  }

  private mismatch(
    m: Migration,
    rule: 'down-mismatch' | 'reup-mismatch',
    diffs: SchemaDifference[],
    labels: { before: string; after: string },
  ): void {
    const what =
      rule === 'down-mismatch'
        ? 'after down, the schema differs from before up'
        : 'after up, down and up again, the schema differs from after the first up';
    const part = rule === 'down-mismatch' ? m.down : m.up;
    this.outcome.findings.push({
      rule,
      severity: 'error',
      migration: m.name,
      path: part?.path ?? m.path,
      ...(part ? { line: partLine(m, part) } : {}),
      message: `${what}: ${nameDifferences(diffs)}`,
      details: diffs.map((d) => describeDifference(d, labels)),
    });
  }

  /** Runs one migration step with the watchdog; Umzug calls this through the migration's resolver. */
  private async guarded(m: Migration, direction: Direction): Promise<void> {
    const scratch = this.scratch!;
    const controller = new AbortController();
    const ctx: StepContext = {
      client: scratch.client,
      db: scratch.db,
      config: this.config,
      timeoutMs: this.timeoutMs,
      signal: controller.signal,
    };
    const record: StepRecord = {
      migration: m,
      direction,
      ms: 0,
      error: null,
      timedOut: false,
      stopped: false,
    };
    this.last = record;
    let watchdog: NodeJS.Timeout | undefined;
    let settle: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      watchdog = setTimeout(() => {
        record.stopped = true;
        controller.abort();
        scratch.db.terminateSessions().catch(() => undefined);
        settle = setTimeout(
          () => reject(new Error('the step did not end after its session was terminated')),
          SETTLE_MS,
        );
      }, this.timeoutMs + WATCHDOG_GRACE_MS);
    });
    const started = Date.now();
    try {
      await this.prepareSession(scratch.client);
      await Promise.race([executorFor(m.format).run(m, direction, ctx), expired]);
    } catch (error) {
      // A configuration or infrastructure problem (e.g. no Alembic command) is not the migration's fault.
      if (error instanceof GateError && !controller.signal.aborted) throw error;
      record.error = error;
      record.timedOut = controller.signal.aborted || isServerTimeout(error);
      throw new StepFailed(record);
    } finally {
      record.ms = Date.now() - started;
      clearTimeout(watchdog);
      clearTimeout(settle);
    }
  }

  /**
   * Every step starts from the same session state, with the step timeout as lock timeout and statement
   * timeout (a little later, so that a statement waiting on a lock is reported as such).
   */
  private async prepareSession(client: pg.Client): Promise<void> {
    const ms = this.timeoutMs;
    await client.query(
      this.provider.kind === 'embedded'
        ? 'RESET ALL'
        : `RESET ALL; SET statement_timeout = ${ms + STATEMENT_TIMEOUT_LAG_MS}; SET lock_timeout = ${ms}`,
    );
  }

  private umzug(): Umzug<object> {
    return this.scratch!.umzug;
  }

  private async snapshot(): Promise<Snapshot> {
    const exclude = this.set.format === 'alembic' ? { excludeTables: ALEMBIC_EXCLUDED_TABLES } : {};
    return takeSnapshot(this.scratch!.client, { excludeSchemas: [STORAGE_SCHEMA], ...exclude });
  }

  /** A fresh scratch database (or a copy of `from`) with its session, storage and Umzug. */
  private async open(from: ScratchDatabase | null = null): Promise<Scratch> {
    const db = from ? await this.provider.copyScratch!(from) : await this.provider.createScratch();
    const release = registerCleanup(() => db.drop());
    try {
      return { ...(await this.attach(db)), db, release };
    } catch (error) {
      await db.drop().catch(() => undefined);
      release();
      throw error;
    }
  }

  /** A session on `db` with the storage schema in place, and the Umzug that runs this directory there. */
  private async attach(db: ScratchDatabase): Promise<{ client: pg.Client; umzug: Umzug<object> }> {
    const client = await db.connect();
    try {
      await client.query(
        `CREATE SCHEMA IF NOT EXISTS ${STORAGE_SCHEMA};
         CREATE TABLE IF NOT EXISTS ${STORAGE_SCHEMA}.executed (
           name text PRIMARY KEY,
           seq bigint GENERATED ALWAYS AS IDENTITY
         )`,
      );
    } catch (error) {
      await endClient(client);
      throw new GateError(`cannot prepare the scratch database ${db.name}: ${errorText(error)}`, {
        cause: error,
      });
    }
    const umzug = new Umzug<object>({
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
    return { client, umzug };
  }

  /**
   * Keeps a copy of the database right after the history (when the provider copies cheaply), so that a
   * rebuild does not apply the whole history again.
   */
  private async keepHistoryCopy(applied: number): Promise<void> {
    const scratch = this.scratch!;
    if (!this.provider.copyScratch) return;
    await endClient(scratch.client);
    const db = await this.provider.copyScratch(scratch.db);
    this.historyCopy = { db, release: registerCleanup(() => db.drop()), applied };
    Object.assign(scratch, await this.attach(scratch.db));
  }

  private async close(): Promise<void> {
    const scratch = this.scratch;
    this.scratch = null;
    if (scratch) {
      await endClient(scratch.client);
      await scratch.db.drop();
      scratch.release();
    }
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

/**
 * The line a finding about a whole part points at: its marker line in a single SQL file (the part starts on the
 * line after it), line 1 of a file of its own, the function of a module or revision.
 */
function partLine(m: Migration, part: NonNullable<Migration['down']>): number {
  if (m.format !== 'sql') return part.startLine;
  return m.dialect === 'pair' ? 1 : Math.max(1, part.startLine - 1);
}

/** Migrations of one history batch (one transaction, one round trip). */
const HISTORY_BATCH = 100;

/**
 * A migration the history batch may run: SQL, in a transaction, with an up part none of whose statements
 * controls transactions itself (PL/pgSQL `BEGIN … END` inside a function body is fine).
 */
function batchable(m: Migration): boolean {
  return (
    m.format === 'sql' &&
    m.transaction &&
    m.up !== null &&
    !m.up.empty &&
    m.parseProblems.length === 0 &&
    splitStatements(m.up.text, m.up.startLine).every(
      (statement) => transactionControl(statement.text) === null,
    )
  );
}

/** SQL that records migrations as applied in the gate's storage (what Umzug's `logMigration` does, in bulk). */
function logSql(names: string[]): string {
  return `INSERT INTO ${STORAGE_SCHEMA}.executed (name) VALUES ${names.map((n) => `(${pg.escapeLiteral(n)})`).join(', ')}`;
}

function skipped(): StepResult {
  return { status: 'skipped', ms: 0 };
}

/** Umzug's storage contract, kept in the scratch database itself. */
export function scratchStorage(client: pg.Client): UmzugStorage<object> {
  return {
    async logMigration({ name }) {
      await client.query(
        `INSERT INTO ${STORAGE_SCHEMA}.executed (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
        [name],
      );
    },
    async unlogMigration({ name }) {
      await client.query(`DELETE FROM ${STORAGE_SCHEMA}.executed WHERE name = $1`, [name]);
    },
    async executed() {
      const result = await client.query<{ name: string }>(
        `SELECT name FROM ${STORAGE_SCHEMA}.executed ORDER BY seq`,
      );
      return result.rows.map((r) => r.name);
    },
  };
}
