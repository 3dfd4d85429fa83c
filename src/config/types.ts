import type { Format, Severity } from '../types.js';

/** Which database the round-trip uses. */
export type DatabaseKind = 'auto' | 'embedded' | 'container' | 'url' | 'sqlite';

/** A pattern of the `forbidden-pattern` policy scan. */
export interface ForbiddenPattern {
  /** Short identifier shown in findings, e.g. `sqlalchemy-create-all`. */
  id: string;
  /** Regex searched line by line. */
  pattern: RegExp;
  /** Why it is forbidden (shown in the finding). */
  reason: string;
  /** Globs (relative to the working directory) of files to scan. */
  include: string[];
  /** Globs excluded from the scan (test folders by default). */
  exclude: string[];
}

/**
 * The one typed configuration every entry point (CLI flags, Action inputs, `.migration-gate.yml`)
 * resolves into. Paths are relative to `cwd` unless stated otherwise.
 */
export interface GateConfig {
  /** Absolute working directory; every relative path is resolved against it. */
  cwd: string;
  /** Migration directories, relative to `cwd`. */
  dirs: string[];
  format: 'auto' | Format;
  /**
   * SQL dialect whose files a directory of dialect-suffixed pairs (`<name>.<dialect>.up.sql`) runs, canonical
   * (`postgres`, `cockroach`, `mysql`, …); dialect-less files are the fallback.
   */
  dialect: string;
  /** Git ref to compare with (merge base is used); null: every migration counts as changed. */
  base: string | null;
  database: DatabaseKind;
  /** PostgreSQL server URL for `database: url` (never printed: see `redactUrl`). */
  databaseUrl: string | null;
  /**
   * Run the migration steps on a server (url) as the given role instead of a role of the run's own, with the
   * rights to change anything on the server.
   */
  privileged: boolean;
  /** Age in hours past which the scratch databases and roles of earlier runs on the same server are dropped. */
  staleAfterHours: number;
  /** Severity of `column-order` (a down that restores every column, in another order), or `off`. */
  columnOrder: 'warning' | 'error' | 'off';
  /** Image for the container provider. */
  postgresImage: string;
  /** Naming pattern with named groups `timestamp` or `version`, and `slug`. */
  namingPattern: RegExp;
  /** The pattern as the user wrote it (preset name or regex source), for messages. */
  namingPatternSource: string;
  /** Pattern of one requirement ID (no anchors, no flags). */
  requirementPattern: RegExp;
  requireRequirements: boolean;
  failOn: Severity;
  /** Time limit of one up or down step. */
  stepTimeoutSec: number;
  /**
   * Sample rows (`check`): fill the tables before each changed migration's up and prove the rows survive the
   * round-trip (`down-data-loss`, `data-up-failed`, `up-data-loss`).
   */
  data: boolean;
  /** How far in the future a timestamp may lie before `name-timestamp` fires. */
  clockSkewSec: number;
  alembicCommand: string;
  /** SQL file holding the expected schema (baseline drift check), or null. */
  baselineSchema: string | null;
  /**
   * A live database whose schema every migration applied from empty must build: a SQLite file path or
   * `sqlite:///` URL, or a PostgreSQL URL. Only read (SQLite opened read-only, PostgreSQL in read-only
   * transactions). Null: none.
   */
  baselineDatabase: string | null;
  forbiddenPatterns: ForbiddenPattern[];
  /** Where to write the JSON / Markdown reports, or null. */
  jsonPath: string | null;
  markdownPath: string | null;
  /** PR title and body, searched for requirement IDs (Action only; null on the CLI). */
  pullRequestText: string | null;
  debug: boolean;
  /** Clock used by the `name-timestamp` rule and `new`; injectable for tests. */
  now: () => Date;
}
