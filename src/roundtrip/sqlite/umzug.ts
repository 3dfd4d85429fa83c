import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { Migration } from '../../types.js';
import { lineInFile, loadUmzugStep } from '../executors/umzug.js';
import { transactionControlMessage } from '../executors/sql.js';
import { StepError, type Direction } from '../types.js';

/** What a query of `context.sql` gives on SQLite: the rows of a statement that returns some, and the count. */
export interface SqliteQueryResult {
  rows: Record<string, unknown>[];
  /** Rows returned, or rows changed by an INSERT, UPDATE or DELETE. */
  rowCount: number;
}

/** What an Umzug-style migration function receives as `context` on SQLite. */
export interface SqliteUmzugContext {
  /** The `node:sqlite` connection to the scratch file, inside the step's transaction. */
  db: DatabaseSync;
  /** Runs `text` with PostgreSQL-style `$1, $2…` (or SQLite's `?`) parameters. */
  sql: (text: string, params?: unknown[]) => Promise<SqliteQueryResult>;
}

/**
 * `$1`, `$2`… outside string literals, quoted identifiers and comments become SQLite's `?1`, `?2`…, which
 * bind by number as PostgreSQL's do (SQLite reads `$1` as a name, numbered by first appearance).
 */
export function numberedParameters(text: string): string {
  return text.replace(
    /'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|\$(\d+)/g,
    (whole, n: string | undefined) => (n === undefined ? whole : `?${n}`),
  );
}

const CONTROL = /^\s*(?:(BEGIN)|(COMMIT|END|ROLLBACK))\b(?!\s+TO\b)/i;

/** Runs one statement (or, without parameters, a script) on `db`, as `context.sql` does. */
export function sqliteQuery(db: DatabaseSync, text: string, params: unknown[] = []): SqliteQueryResult {
  const statement = db.prepare(numberedParameters(text));
  const values = params as SQLInputValue[];
  if (statement.columns().length > 0) {
    const rows = statement.all(...values) as Record<string, unknown>[];
    return { rows, rowCount: rows.length };
  }
  if (params.length === 0) {
    // A script of several statements runs whole, as a PostgreSQL query without parameters does.
    db.exec(text);
    return { rows: [], rowCount: Number((db.prepare('SELECT changes() AS n').get() as { n: number }).n) };
  }
  return { rows: [], rowCount: Number(statement.run(...values).changes) };
}

/**
 * Runs one direction of an Umzug-style module on the SQLite connection `db`: the module is loaded as on
 * PostgreSQL, and the step runs in one transaction (BEGIN/COMMIT on `db`) unless the migration opts out. A
 * module that opens, commits or rolls back the transaction itself fails with the message PostgreSQL gives.
 */
export async function runSqliteUmzug(
  db: DatabaseSync,
  m: Migration,
  direction: Direction,
  cwd: string,
): Promise<void> {
  const { fn, relPath, absPath } = await loadUmzugStep<SqliteUmzugContext>(m, direction, cwd);
  const transactional = m.transaction;
  const context: SqliteUmzugContext = {
    db,
    sql: async (text, params) => {
      const control = transactional ? CONTROL.exec(text) : null;
      if (control) throw new Error(transactionControlMessage(control[1] ? 'BEGIN' : 'COMMIT or ROLLBACK', m));
      return sqliteQuery(db, text, params);
    },
  };
  if (transactional) db.exec('BEGIN');
  try {
    await fn({ name: m.name, path: absPath, context });
    if (transactional && !db.isTransaction)
      throw new StepError(transactionControlMessage('COMMIT or ROLLBACK', m), relPath, null);
    if (transactional) db.exec('COMMIT');
  } catch (error) {
    if (transactional && db.isTransaction) db.exec('ROLLBACK');
    if (error instanceof StepError) throw error;
    let message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    // The module reached past `context.sql` to `context.db` with a BEGIN of its own.
    if (transactional && /cannot start a transaction within a transaction/.test(message))
      message = transactionControlMessage('BEGIN', m);
    throw new StepError(message, relPath, lineInFile(error, absPath), { cause: error });
  }
}
