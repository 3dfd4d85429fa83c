import type pg from 'pg';
import { splitStatements } from '../../discover/sql-split.js';
import type { SqlStatement } from '../../discover/sql-split.js';
import type { Migration } from '../../types.js';
import { StepError } from '../types.js';
import type { Direction, FormatExecutor, StepContext } from '../types.js';

// First keyword(s) of a statement that ends, starts or aborts the transaction the gate wraps a migration in.
// (`ROLLBACK TO SAVEPOINT` stays inside it and is fine.)
const TRANSACTION_CONTROL =
  /^(?:begin|commit|end|abort|start\s+transaction|prepare\s+transaction|rollback(?!\s+(?:work\s+|transaction\s+)?to\b))\b/i;

/** The transaction-control keyword a statement starts with, or null. */
export function transactionControl(statement: string): string | null {
  const match = TRANSACTION_CONTROL.exec(statement.trimStart());
  return match ? match[0].replace(/\s+/g, ' ').toUpperCase() : null;
}

/** How each SQL layout opts a migration out of the transaction. */
const OPT_OUT: Partial<Record<NonNullable<Migration['dialect']>, string>> = {
  dbmate: "'-- migrate:up transaction:false'",
  goose: "'-- +goose NO TRANSACTION'",
  'sql-migrate': "'-- +migrate Up notransaction'",
  pair: "'-- no-transaction' as the file's first line",
  folder: "'run_in_transaction = false' in the folder's metadata.toml",
  'dialect-pair': "'.autocommit' before '.up.sql' in the file name, or '-- no-transaction' as its first line",
  flyway: "'executeInTransaction=false' in '<file>.sql.conf'",
};

/**
 * How a transactional migration that controls the transaction itself is reported, with the way out its own
 * layout offers (paired SQL files and modules have none).
 */
export function transactionControlMessage(keyword: string, migration?: Pick<Migration, 'dialect'>): string {
  const optOut = migration?.dialect ? OPT_OUT[migration.dialect] : undefined;
  return (
    `${keyword} inside a migration that runs in a transaction: it would break the transaction migration-gate ` +
    `wraps every migration in. ` +
    (optOut
      ? `Remove it, or opt out of the transaction with ${optOut}`
      : migration
        ? 'Remove it: this migration format always runs in a transaction'
        : `Remove it, or opt out of the transaction ` +
          `(dbmate: ${OPT_OUT.dbmate}, goose: ${OPT_OUT.goose}, sql-migrate: ${OPT_OUT['sql-migrate']})`)
  );
}

/** The file line a PostgreSQL error points at: its `position` inside the statement, else the statement's line. */
export function errorLine(statement: SqlStatement, error: unknown): number {
  const position = Number((error as { position?: unknown }).position);
  if (!Number.isInteger(position) || position < 1) return statement.line;
  const before = Array.from(statement.text)
    .slice(0, position - 1)
    .join('');
  let newlines = 0;
  for (const c of before) if (c === '\n') newlines++;
  return statement.line + newlines;
}

/** One line from a PostgreSQL error: message, then its detail when there is one. */
export function pgErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const detail = (error as { detail?: unknown }).detail;
  const message = error.message || (error as { code?: string }).code || error.name;
  return typeof detail === 'string' && detail ? `${message} (${detail.split('\n')[0]})` : message;
}

/** Runs statements one by one on the step's client, in one transaction unless the migration opts out. */
export async function runStatements(
  client: pg.Client,
  statements: SqlStatement[],
  path: string,
  transactional: boolean,
  migration?: Pick<Migration, 'dialect'>,
  beforeCommit?: (client: pg.Client) => Promise<void>,
): Promise<void> {
  if (transactional) {
    for (const statement of statements) {
      const keyword = transactionControl(statement.text);
      if (keyword) throw new StepError(transactionControlMessage(keyword, migration), path, statement.line);
    }
    await client.query('BEGIN');
  }
  let current: SqlStatement | null = null;
  try {
    for (const statement of statements) {
      current = statement;
      await client.query(statement.text);
    }
    current = null;
    if (transactional && beforeCommit) await beforeCommit(client);
    if (transactional) await client.query('COMMIT');
  } catch (error) {
    if (transactional) await client.query('ROLLBACK').catch(() => undefined);
    const last = statements[statements.length - 1];
    const line = current ? errorLine(current, error) : (last?.line ?? null);
    // "cannot run inside a transaction block": the way out this layout offers.
    const optOut = migration?.dialect ? OPT_OUT[migration.dialect] : undefined;
    const hint =
      transactional && optOut && (error as { code?: unknown }).code === '25001'
        ? `; opt out of the transaction with ${optOut}`
        : '';
    throw new StepError(pgErrorMessage(error) + hint, path, line, { cause: error });
  }
}

/** SQL migrations of every layout (paired files, dbmate, goose, sql-migrate). */
export const sqlExecutor: FormatExecutor = {
  async run(migration: Migration, direction: Direction, ctx: StepContext): Promise<void> {
    const part = direction === 'up' ? migration.up : migration.down;
    if (!part || part.empty) return;
    const statements = splitStatements(part.text, part.startLine);
    await runStatements(
      ctx.client,
      statements,
      part.path,
      migration.transaction,
      migration,
      ctx.beforeCommit,
    );
  },
};
