import type pg from 'pg';
import type { GateConfig } from '../config/types.js';
import type { DatabaseInfo, Migration } from '../types.js';

/** Who runs the migration steps on a scratch database. */
export interface StepAccess {
  /** The role the steps' sessions log in as. */
  role: string;
  /**
   * True for a role of the run's own that owns the scratch database and nothing else: it cannot create roles or
   * tablespaces, change server settings, or touch other databases or the gate's storage.
   */
  restricted: boolean;
}

/** A database the gate created for itself and may do anything to. */
export interface ScratchDatabase {
  /** Database name, e.g. `migration_gate_k3v9x2`. */
  readonly name: string;
  /** Full `postgresql://` connection URL, password included: hand it to child processes, never print it. */
  readonly url: string;
  /** The same URL with the password replaced by `***`, safe for output. */
  readonly displayUrl: string;
  /** A new connected client on this database. The caller ends it. */
  connect(): Promise<pg.Client>;
  /** Terminate every session on this database (used after a step timed out). */
  terminateSessions(): Promise<void>;
  /** Drop the database (idempotent). */
  drop(): Promise<void>;
  /** Who runs the steps here; absent: the server's only role (embedded). */
  readonly access?: StepAccess;
  /**
   * A session for the gate's own bookkeeping (storage, snapshots) as the server's given role; absent when the
   * steps' role does the bookkeeping too.
   */
  readonly connectAdmin?: () => Promise<pg.Client>;
  /** Runs one step, noting the cluster-wide objects it creates for removal at the end of the run. */
  watchStep?<T>(label: string, step: () => Promise<T>): Promise<T>;
}

/** Where scratch databases come from. */
export interface DatabaseProvider {
  readonly kind: DatabaseInfo['provider'];
  /** Start or reach the server; throws `GateError` with one line when it cannot. */
  start(): Promise<DatabaseInfo>;
  /** Human notes for the output (e.g. the embedded database's limits). */
  readonly notes: string[];
  createScratch(): Promise<ScratchDatabase>;
  /**
   * A new scratch database that starts as a copy of `source` (nobody may be connected to `source` while it
   * is copied). Only providers with a cheap copy (`CREATE DATABASE … TEMPLATE`) have it.
   */
  copyScratch?(source: ScratchDatabase): Promise<ScratchDatabase>;
  /** Drop every scratch database still alive and stop what `start` started (idempotent). */
  close(): Promise<void>;
}

export type Direction = 'up' | 'down';

/** What a format executor gets for one step. */
export interface StepContext {
  /** A connected client on the scratch database, with statement and lock timeouts set. */
  client: pg.Client;
  db: ScratchDatabase;
  config: GateConfig;
  /** Milliseconds this step may take. */
  timeoutMs: number;
  /** Aborted when the step ran out of time. */
  signal: AbortSignal;
  /**
   * Called on `client` inside the step's transaction just before it commits (the measured impact reads the
   * locks the step holds); executors that run the step in a transaction of their own call it.
   */
  beforeCommit?: (client: pg.Client) => Promise<void>;
}

/** Runs one direction of one migration of a given format. */
export interface FormatExecutor {
  run(migration: Migration, direction: Direction, ctx: StepContext): Promise<void>;
}

/** A step failed: carries the place to blame. */
export class StepError extends Error {
  override name = 'StepError';
  constructor(
    message: string,
    readonly path: string | null,
    readonly line: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
