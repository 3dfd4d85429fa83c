import type { DatabaseSync } from 'node:sqlite';
import { StepError } from '../types.js';

/**
 * What SQLite's ALTER TABLE cannot do, as SQLAlchemy, Alembic and SQLite say it: Alembic's refusal of constraint
 * changes (`NotImplementedError: No support for ALTER of constraints in SQLite dialect`), and the statements
 * SQLite rejects (`ALTER TABLE … ALTER COLUMN` → `near "ALTER": syntax error`, `ADD CONSTRAINT` → `near
 * "CONSTRAINT"`, a column that an index, a key or a view still uses, a column it cannot add).
 */
const IN_PLACE_LIMITS = [
  /No support for ALTER of constraints in SQLite dialect/i,
  /NotImplementedError\b.*\bSQLite\b/i,
  /near "(?:ALTER|CONSTRAINT|DROP|SET)": syntax error/i,
  /cannot drop (?:PRIMARY KEY|UNIQUE) column/i,
  /error in (?:index|trigger|view) \S+ after drop column/i,
  /Cannot add a (?:NOT NULL|PRIMARY KEY|UNIQUE|column with non-constant default)/i,
];

/** The words appended to such a failure. */
export const BATCH_MODE_HINT =
  "SQLite cannot do this in place; use op.batch_alter_table(…) (Alembic's batch mode, which rebuilds the table)";

/** An Alembic step's failure on SQLite, with the batch-mode hint when SQLite's ALTER TABLE is what failed. */
export function withBatchModeHint(error: unknown): unknown {
  if (!(error instanceof StepError) || !IN_PLACE_LIMITS.some((limit) => limit.test(error.message)))
    return error;
  return new StepError(`${error.message}: ${BATCH_MODE_HINT}`, error.path, error.line, { cause: error });
}

/** Each table of `db` (bookkeeping included) by name, with the page its storage starts at. */
export function tableRoots(db: DatabaseSync): Map<string, number> {
  const rows = db
    .prepare(
      "SELECT name, rootpage FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .all() as { name: string; rootpage: number }[];
  return new Map(rows.map((r) => [r.name, Number(r.rootpage)]));
}

/**
 * The impact notes of tables that were there before a step and after it, but in new storage: the step created
 * the table anew and copied its rows (Alembic's batch "move and copy", or SQLite's twelve-step ALTER by hand).
 */
export function rebuiltTableNotes(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...before]
    .filter(([name, root]) => after.has(name) && after.get(name) !== root)
    .map(
      ([name]) =>
        `main.${name}: table rebuilt (created anew, its rows copied and the old table dropped, as Alembic's ` +
        'batch mode does)',
    );
}
