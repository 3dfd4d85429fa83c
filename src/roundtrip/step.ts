import type pg from 'pg';
import type { GateConfig } from '../config/types.js';
import { GateError, errorText } from '../types.js';
import { redact } from '../redact.js';
import type { Finding, Migration, RuleId } from '../types.js';
import { describeDifference, nameDifferences } from './diff.js';
import type { ColumnOrderChange, SchemaDifference } from './diff.js';
import { executorFor } from './executors/index.js';
import { StepError } from './types.js';
import { STORAGE_SCHEMA, readStorage, storageTampering } from './storage.js';
import type { DatabaseProvider, Direction, ScratchDatabase, StepAccess, StepContext } from './types.js';

/** Time past the step timeout before the watchdog ends the session (statement_timeout fires first on a server). */
const WATCHDOG_GRACE_MS = 1_000;
/** How much later than `lock_timeout` the server's `statement_timeout` fires. */
const STATEMENT_TIMEOUT_LAG_MS = 200;
/** Time a step gets to settle after its session was ended. */
const SETTLE_MS = 2_000;

export type StepLabel = 'up' | 'down' | 're-up';
const FAILED_RULE = { up: 'up-failed', down: 'down-failed', 're-up': 'reup-failed' } as const;

/** The error and its causes, outermost first. */
export function causes(error: unknown): unknown[] {
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
export function isConnectionLoss(error: unknown): boolean {
  return causes(error).some((e) => {
    const code = (e as { code?: unknown }).code;
    if (code === '57P01' || code === '57P02' || code === '57P03') return true;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    const message = e instanceof Error ? e.message : '';
    return /Connection terminated|connection error|not queryable|Client was closed/i.test(message);
  });
}

/** What happened in the last step the runner ran. */
export interface StepRecord {
  migration: Migration;
  direction: Direction;
  ms: number;
  error: unknown;
  timedOut: boolean;
  /** The watchdog ended the step's session (or the embedded database). */
  stopped: boolean;
  /** What the step did to the gate's storage, when it touched it (see `storageTampering`). */
  tampered?: string;
}

/** A failed step, as the runner reports it. */
export class StepFailed extends Error {
  constructor(readonly record: StepRecord) {
    super(`${record.migration.name} ${record.direction} failed`);
  }
}

/**
 * Every step starts from the same session state, with the step timeout as lock timeout and statement
 * timeout (a little later, so that a statement waiting on a lock is reported as such).
 */
export async function prepareSession(
  client: pg.Client,
  kind: DatabaseProvider['kind'],
  timeoutMs: number,
): Promise<void> {
  await client.query(
    kind === 'embedded'
      ? 'RESET ALL'
      : `RESET ALL; SET statement_timeout = ${timeoutMs + STATEMENT_TIMEOUT_LAG_MS}; SET lock_timeout = ${timeoutMs}`,
  );
}

/** Where a guarded step runs. */
export interface StepPlace {
  client: pg.Client;
  db: ScratchDatabase;
  config: GateConfig;
  kind: DatabaseProvider['kind'];
  timeoutMs: number;
  /** See `StepContext.beforeCommit`. */
  beforeCommit?: (client: pg.Client) => Promise<void>;
}

/**
 * Runs one migration step with the watchdog: past the step timeout (and a grace period) the step's sessions
 * are terminated. `record` is filled in; a failure is thrown as `StepFailed` (a configuration or
 * infrastructure problem as `GateError`).
 */
export async function runGuarded(place: StepPlace, record: StepRecord): Promise<void> {
  const { migration: m, direction } = record;
  const controller = new AbortController();
  const ctx: StepContext = {
    client: place.client,
    db: place.db,
    config: place.config,
    timeoutMs: place.timeoutMs,
    signal: controller.signal,
    ...(place.beforeCommit ? { beforeCommit: place.beforeCommit } : {}),
  };
  let watchdog: NodeJS.Timeout | undefined;
  let settle: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    watchdog = setTimeout(() => {
      record.stopped = true;
      controller.abort();
      place.db.terminateSessions().catch(() => undefined);
      settle = setTimeout(
        () => reject(new Error('the step did not end after its session was terminated')),
        SETTLE_MS,
      );
    }, place.timeoutMs + WATCHDOG_GRACE_MS);
  });
  const started = Date.now();
  try {
    await prepareSession(place.client, place.kind, place.timeoutMs);
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
 * `runGuarded`, noting what the step creates on the server (`watchStep`) and checking the gate's storage before
 * and after it: a step that dropped or wrote into it fails as `tampered`, the migration's finding, not a broken
 * run. `place.admin` is the gate's own session on the database.
 */
export async function runWatched(place: StepPlace & { admin: pg.Client }, record: StepRecord): Promise<void> {
  const before = await readStorage(place.admin);
  let failure: unknown = null;
  const label = `${record.migration.name} ${record.direction}`;
  try {
    await (place.db.watchStep
      ? place.db.watchStep(label, () => runGuarded(place, record))
      : runGuarded(place, record));
  } catch (error) {
    // A stopped session or a lost connection: the database is rebuilt, or the run ends, either way.
    if (!(error instanceof StepFailed) || record.stopped || isConnectionLoss(record.error)) throw error;
    failure = error;
  }
  const tampered = storageTampering(before, await readStorage(place.admin));
  if (tampered) {
    record.tampered = tampered;
    throw new StepFailed(record);
  }
  if (failure) throw failure;
}

/**
 * The record of the step that failed; anything else (the storage, the connection) is an infrastructure error.
 */
export function failedStep(error: unknown, dir: string, kind: DatabaseProvider['kind']): StepRecord {
  const gateError = causes(error).find((e): e is GateError => e instanceof GateError);
  if (gateError) throw gateError;
  const failed = causes(error).find((e): e is StepFailed => e instanceof StepFailed);
  if (!failed) {
    throw new GateError(`the round-trip of ${dir} failed: ${errorText(error)}`, { cause: error });
  }
  const record = failed.record;
  if (!record.timedOut && isConnectionLoss(record.error)) {
    throw new GateError(
      `lost the connection to the ${kind} database while running ${record.migration.name} ` +
        `${record.direction}: ${errorText(record.error)}`,
      { cause: record.error },
    );
  }
  return record;
}

/** PostgreSQL's `insufficient_privilege`. */
const INSUFFICIENT_PRIVILEGE = '42501';

const STORAGE_NOTICE =
  `the schema ${STORAGE_SCHEMA} is migration-gate's own record of the applied migrations: a migration must ` +
  'leave it alone';

/**
 * The finding of a failed or timed-out step, or of a step that touched the gate's storage (`storage-tampered`).
 * A permission error of a step that ran as the run's own role says how to run with the URL's role. The message
 * is redacted: the step's error may quote any secret of the run.
 */
export function stepFinding(
  record: StepRecord,
  stepName: StepLabel,
  context: string | null,
  config: GateConfig,
  kind: DatabaseProvider['kind'],
  access?: StepAccess,
): Finding {
  const m = record.migration;
  const stepError = causes(record.error).find((e): e is StepError => e instanceof StepError);
  const code = causes(record.error)
    .map((e) => (e as { code?: unknown }).code)
    .find((c) => typeof c === 'string');
  const detail = record.stopped
    ? kind === 'embedded'
      ? 'the gate stopped the embedded database'
      : 'the gate terminated its session'
    : (stepError?.message ?? errorText(record.error));
  const denied = !record.timedOut && code === INSUFFICIENT_PRIVILEGE;
  const storage = denied && new RegExp(`\\b${STORAGE_SCHEMA}\\b`).test(detail);
  let rule: RuleId = record.timedOut ? 'timeout' : FAILED_RULE[stepName];
  let base = record.timedOut
    ? `${stepName} did not finish within the step timeout of ${config.stepTimeoutSec} s` +
      (detail ? ` (${detail})` : '')
    : `${stepName} failed: ${detail}`;
  if (record.tampered || storage) {
    rule = 'storage-tampered';
    base = record.tampered
      ? `${stepName} ${record.tampered}${record.error ? ` (and failed: ${detail})` : ''}: ${STORAGE_NOTICE}`
      : `${stepName} tried to change the gate's storage (${detail}): ${STORAGE_NOTICE}`;
  } else if (denied && access?.restricted) {
    base +=
      `: the migrations run as a role of the run's own that owns the scratch database and nothing else; ` +
      "run with `privileged: true` (--privileged) to run them as the server URL's role";
  }
  const finding: Finding = {
    rule,
    severity: 'error',
    migration: m.name,
    path: stepError?.path ?? m.path,
    message: redact(context ? `${base}; ${context}` : base),
  };
  if (stepError?.line != null) finding.line = stepError.line;
  return finding;
}

/** The finding of a schema that differs after down (from before up) or after the second up (from the first). */
export function mismatchFinding(
  m: Migration,
  rule: 'down-mismatch' | 'reup-mismatch',
  diffs: SchemaDifference[],
  labels: { before: string; after: string },
): Finding {
  const what =
    rule === 'down-mismatch'
      ? 'after down, the schema differs from before up'
      : 'after up, down and up again, the schema differs from after the first up';
  const part = rule === 'down-mismatch' ? m.down : m.up;
  return {
    rule,
    severity: 'error',
    migration: m.name,
    path: part?.path ?? m.path,
    ...(part ? { line: partLine(m, part) } : {}),
    message: redact(`${what}: ${nameDifferences(diffs)}`),
    details: diffs.map((d) => redact(describeDifference(d, labels))),
  };
}

/**
 * `column-order`: after down, a table holds the same columns as before up, in another order (named both ways).
 */
export function columnOrderFinding(
  m: Migration,
  change: ColumnOrderChange,
  severity: 'warning' | 'error',
): Finding {
  const part = m.down;
  return {
    rule: 'column-order',
    severity,
    migration: m.name,
    path: part?.path ?? m.path,
    ...(part ? { line: partLine(m, part) } : {}),
    message: redact(
      `after down, the columns of ${change.table} are in another order: (${change.before.join(', ')}) before up, ` +
        `(${change.after.join(', ')}) after down`,
    ),
  };
}

/**
 * The line a finding about a whole part points at: its marker line in a single SQL file (the part starts on the
 * line after it), line 1 of a file of its own, the function of a module or revision.
 */
export function partLine(m: Migration, part: NonNullable<Migration['down']>): number {
  if (m.format !== 'sql') return part.startLine;
  return m.dialect === 'pair' ? 1 : Math.max(1, part.startLine - 1);
}
