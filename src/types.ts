/**
 * The product's shared model. Every pipeline stage (config → discover → lint → round-trip → report)
 * speaks these types; nothing here depends on GitHub, a database or the file system.
 */

/**
 * Migration file formats. `sql` covers paired files and every single-file marker dialect; `umzug`,
 * `sequelize`, `knex` and `node-pg-migrate` are JavaScript/TypeScript modules, each called with the context its
 * tool gives a migration.
 */
export const FORMATS = ['sql', 'umzug', 'alembic', 'sequelize', 'knex', 'node-pg-migrate'] as const;
export type Format = (typeof FORMATS)[number];

/** The migration tools whose modules are called with the tool's own context (run through Umzug too). */
export const TOOL_FORMATS = ['sequelize', 'knex', 'node-pg-migrate'] as const;
export type ToolFormat = (typeof TOOL_FORMATS)[number];

/** The module formats: files `<name>.js|.mjs|.cjs|.ts|.mts|.cts` run through Umzug. */
export const MODULE_FORMATS = ['umzug', ...TOOL_FORMATS] as const;

/** True for a JavaScript/TypeScript module format. */
export function isModuleFormat(format: Format | 'auto'): format is (typeof MODULE_FORMATS)[number] {
  return (MODULE_FORMATS as readonly string[]).includes(format);
}

/** The family a format's files belong to: every module format reads as `umzug` modules. */
export function familyOf(format: Format): 'sql' | 'umzug' | 'alembic' {
  return isModuleFormat(format) ? 'umzug' : format;
}

/**
 * The concrete layout of an SQL migration: `pair` (`<name>.up.sql` + `.down.sql`), the single-file marker
 * dialects, `folder` (`<name>/up.sql` + `<name>/down.sql`), `dialect-pair` (`<name>.<dialect>.up.sql`, with
 * dialect-less fallbacks) and `flyway` (`V<version>__<desc>.sql` + undo `U<version>__<desc>.sql`).
 */
export type SqlDialect = 'pair' | 'dbmate' | 'goose' | 'sql-migrate' | 'folder' | 'dialect-pair' | 'flyway';

/** How a migration differs from the base ref. `unchanged` also when no base is given but listed as history. */
export type ChangeKind = 'added' | 'modified' | 'deleted' | 'renamed' | 'unchanged';

export type Severity = 'error' | 'warning';

/** Stable rule IDs (see the design's rule table). */
export type RuleId =
  | 'name-format'
  | 'name-timestamp'
  | 'name-duplicate'
  | 'order'
  | 'history-modified'
  | 'history-deleted'
  | 'down-missing'
  | 'waiver-incomplete'
  | 'requirement-missing'
  | 'up-failed'
  | 'down-failed'
  | 'reup-failed'
  | 'down-mismatch'
  | 'reup-mismatch'
  | 'timeout'
  | 'alembic-multiple-heads'
  | 'alembic-broken-chain'
  | 'baseline-drift'
  | 'forbidden-pattern'
  | 'parse-error'
  | 'unsupported-migration'
  | 'column-order'
  | 'storage-tampered'
  | 'down-data-loss'
  | 'data-up-failed'
  | 'up-data-loss'
  | 'model-drift';

/** One direction (up or down) of a migration, with where its text starts in its file. */
export interface MigrationPart {
  /** File that holds this part (relative to the working directory, `/`-separated). */
  path: string;
  /** SQL text for `sql`; the whole function body text for `umzug`/`alembic` (informational only). */
  text: string;
  /** 1-based line in `path` where `text` starts; a line `n` of `text` is line `startLine + n - 1` of the file. */
  startLine: number;
  /** True when the part holds no executable content (only comments, whitespace, `pass`, …). */
  empty: boolean;
}

/** A `downgrade-waiver:` comment line. */
export interface Waiver {
  owner: string | null;
  rationale: string | null;
  /** Every key=value pair on the line, `owner` and `rationale` included, in order. */
  fields: Record<string, string>;
  path: string;
  line: number;
}

/** Alembic revision metadata, parsed statically. */
export interface AlembicRevision {
  revision: string;
  /** Parent revisions: empty for a root, two or more for a merge revision. */
  downRevisions: string[];
  branchLabels: string[];
  dependsOn: string[];
  /** Line of the `revision = …` assignment. */
  revisionLine?: number;
  /** Line of the `down_revision = …` assignment; null when it is missing or could not be read. */
  downRevisionLine?: number | null;
}

/** One migration, whatever its format. */
export interface Migration {
  /** File name without format suffixes (`.up.sql`, `.sql`, `.ts`, `.py`, …). Unique within a directory. */
  name: string;
  /** Version key parsed from the name by the naming pattern (`timestamp` or `version` group), or null. */
  version: string | null;
  /** Slug parsed from the name by the naming pattern, or null. */
  slug: string | null;
  /** The migration directory it belongs to, as given (relative to the working directory). */
  dir: string;
  /** The primary file (the up file for paired SQL), relative to the working directory. */
  path: string;
  /** Every file of this migration (both files of a pair). */
  files: string[];
  format: Format;
  /** SQL layout; null for non-SQL formats. */
  dialect: SqlDialect | null;
  up: MigrationPart | null;
  /** Null when there is no downgrade at all; `empty: true` when the down part exists but holds nothing. */
  down: MigrationPart | null;
  /** False when the migration opts out of a transaction (dbmate `transaction:false`, goose `NO TRANSACTION`). */
  transaction: boolean;
  waiver: Waiver | null;
  /** Requirement IDs from `requirements:` lines, in order, deduplicated. */
  requirements: string[];
  /** Line of the first `requirements:` tag, when present. */
  requirementsLine: number | null;
  /** Classification against the base ref. */
  change: ChangeKind;
  /** For `renamed`: the path on the base. */
  previousPath: string | null;
  /** Alembic metadata; null for other formats. */
  alembic: AlembicRevision | null;
  /** Problems met while parsing (duplicate markers, unreadable file…) that the lint reports as findings. */
  parseProblems: { line: number | null; path: string; message: string }[];
  /**
   * Set when the migration belongs to a known tool but is in a form the gate cannot run (a goose `.go`
   * migration, …): why. Such a migration is never run, and its directory's round-trip stops before it.
   */
  unsupported?: string;
}

/** A migration that exists on the base ref but not (under that path) in the working tree. */
export interface DeletedMigration {
  name: string;
  dir: string;
  path: string;
  /** Set when the file was renamed rather than removed. */
  renamedTo: string | null;
}

/** Everything discovery learned about one migration directory. */
export interface MigrationSet {
  dir: string;
  format: Format;
  /** Migrations of the working tree, sorted by version (then name). */
  migrations: Migration[];
  /** Migrations that exist on the base but were deleted or renamed. */
  deleted: DeletedMigration[];
  /** Names of migrations present on the base ref (by name), for the `order` rule; null without a base. */
  baseNames: string[] | null;
  /**
   * Files of this directory (or the directory itself) whose real path leaves the repository: never read and
   * never run. Each is a `parse-error`; the round-trip skips the directory.
   */
  outside?: { path: string; message: string }[];
  /** What discovery wants the reader to know (files run outside a transaction, files not round-tripped…). */
  notes?: string[];
  /**
   * Bookkeeping tables of the directory's tool (`public.SequelizeMeta`, the knexfile's `tableName`, …), left out
   * of every snapshot.
   */
  historyTables?: string[];
}

export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** Migration name, or null for findings about a directory or source file. */
  migration: string | null;
  /** File the finding is about (relative to the working directory), or null. */
  path: string | null;
  /** 1-based line in `path`. */
  line?: number;
  message: string;
  /** Extra lines, e.g. each difference of a schema diff. */
  details?: string[];
}

/** `mismatch`: the step ran, but the schema it left is not the one it must restore (`down-mismatch` / `reup-mismatch`). */
export type StepStatus = 'pass' | 'fail' | 'mismatch' | 'skipped';

export interface StepResult {
  status: StepStatus;
  ms: number;
}

export interface RoundTrip {
  up: StepResult;
  down: StepResult;
  reup: StepResult;
}

/** Schema objects a migration added, removed or changed (S0 → S1), each as `kind name`. */
export interface Impact {
  added: string[];
  removed: string[];
  changed: string[];
  /** Locks the up's transaction held on tables that existed before it, just before it committed. */
  locks?: { relation: string; mode: string }[];
  /** Tables of before up whose storage up replaced (a table rewrite). */
  rewrites?: string[];
  /** What the sample rows went through; null when the `data` setting is off. */
  data?: DataImpact | null;
  /** What could not be measured, and why (e.g. a step that runs outside a transaction). */
  notes?: string[];
}

/** The sample rows of one migration's round-trip (`data: on`). */
export interface DataImpact {
  /** Rows generated before this migration's up. */
  sampleRows: number;
  /** What up destroyed (`up-data-loss`). */
  up: { table: string; column?: string; what: string; rows: number }[];
  /** What down lost or changed (`down-data-loss`); null when down did not run. */
  down: { table: string; columns: string[]; rows: number; example: string | null }[] | null;
}

/** One migration's row in the report (stable JSON shape, extra fields allowed). */
export interface ReportMigration {
  name: string;
  path: string;
  format: Format;
  change: ChangeKind;
  requirements: string[];
  /** Where requirements came from: the migration's own tag, the PR title/body, or nowhere. */
  requirementsSource: 'tag' | 'pull-request' | 'none';
  waiver: (Record<string, string> & { owner: string; rationale: string }) | null;
  roundtrip: RoundTrip | null;
  impact: Impact | null;
  dir: string;
}

export interface DatabaseInfo {
  provider: 'embedded' | 'container' | 'url' | 'sqlite';
  serverVersion: string;
}

/** The JSON report (version 1). */
export interface Report {
  version: 1;
  verdict: 'pass' | 'fail';
  base: string | null;
  database: DatabaseInfo | null;
  migrations: ReportMigration[];
  findings: Finding[];
  /** Additional context for renderers. */
  meta: {
    tool: string;
    command: 'lint' | 'check' | 'report';
    dirs: string[];
    failOn: Severity;
    headSha: string | null;
    baseSha: string | null;
    durationMs: number;
    notes: string[];
    /** Requirement IDs named in the pull request's title or body, in order; absent in older reports. */
    pullRequestRequirements?: string[];
  };
}

/** An error the user must fix (usage, configuration, infrastructure): exit status 2, one line. */
export class GateError extends Error {
  override name = 'GateError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One line describing any thrown value (node-postgres raises AggregateErrors with an empty message). */
export function errorText(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    const inner = error.errors.map((e) => errorText(e)).filter(Boolean);
    return [...new Set(inner)].join('; ') || 'connection failed';
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message || (typeof code === 'string' ? code : error.name);
    return message.split('\n')[0] ?? message;
  }
  return String(error);
}
