import type { DatabaseSync } from 'node:sqlite';
import { splitStatements, type SqlStatement } from '../../discover/sql-split.js';
import type { GateConfig } from '../../config/types.js';
import type { Migration } from '../../types.js';
import { runAlembicStep } from '../executors/alembic.js';
import { StepError, type Direction } from '../types.js';
import type { SqliteScratch } from './database.js';
import { withBatchModeHint } from './quirks.js';
import { runSqliteUmzug } from './umzug.js';

/**
 * Statements of a SQLite script: the PostgreSQL-style split, with the pieces of a `CREATE TRIGGER … BEGIN …
 * END` body joined back into one statement.
 */
export function sqliteStatements(text: string, startLine: number): SqlStatement[] {
  const out: SqlStatement[] = [];
  let open = null as SqlStatement | null;
  for (const piece of splitStatements(text, startLine)) {
    if (open !== null) {
      open = { text: `${open.text};\n${piece.text}`, line: open.line };
    } else if (/^\s*CREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER\b/i.test(piece.text)) {
      open = piece;
    } else {
      out.push(piece);
      continue;
    }
    if (/\bEND\s*;?\s*$/i.test(open.text)) {
      out.push(open);
      open = null;
    }
  }
  if (open) out.push(open);
  return out;
}

function sqlPart(m: Migration, direction: Direction) {
  const part = direction === 'up' ? m.up : m.down;
  if (!part) throw new StepError(`'${m.name}' has no ${direction} part`, m.path, null);
  return part;
}

/**
 * Runs one SQL part on SQLite, statement by statement, in one transaction unless the migration opts out.
 * A failure is a `StepError` naming the statement's file and line.
 */
export function runSqliteSql(db: DatabaseSync, m: Migration, direction: Direction): void {
  const part = sqlPart(m, direction);
  const statements = sqliteStatements(part.text, part.startLine);
  if (m.transaction) db.exec('BEGIN');
  try {
    for (const statement of statements) {
      try {
        db.exec(statement.text);
      } catch (error) {
        throw new StepError((error as Error).message, part.path, statement.line, { cause: error });
      }
    }
    if (m.transaction) db.exec('COMMIT');
  } catch (error) {
    if (m.transaction && db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/**
 * Runs one step of `m` on the scratch file: Alembic through the project's own command, SQL and Umzug modules in
 * process.
 */
export async function runSqliteStep(
  scratch: SqliteScratch,
  m: Migration,
  direction: Direction,
  config: GateConfig,
): Promise<void> {
  if (m.format === 'alembic') {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(1, config.stepTimeoutSec * 1000));
    try {
      await runAlembicStep(m, direction, { config, url: scratch.url, signal: controller.signal });
    } catch (error) {
      throw withBatchModeHint(error);
    } finally {
      clearTimeout(timer);
    }
    return;
  }
  if (m.format !== 'sql' && m.format !== 'umzug') {
    throw new StepError(
      `database sqlite runs Alembic, SQL and Umzug migrations; '${m.name}' is a ${m.format} migration, ` +
        `which runs on PostgreSQL only (database container, embedded or a URL)`,
      m.path,
      null,
    );
  }
  const db = scratch.open();
  try {
    if (m.format === 'umzug') await runSqliteUmzug(db, m, direction, config.cwd);
    else runSqliteSql(db, m, direction);
  } finally {
    db.close();
  }
}
