import type pg from 'pg';
import { splitStatements } from '../discover/sql-split.js';
import { GateError } from '../types.js';
import type { Migration } from '../types.js';
import { transactionControl } from './executors/sql.js';
import { errorText } from './providers/url.js';
import { isConnectionLoss } from './step.js';
import { logSql } from './storage.js';

/** Migrations of one history batch (one transaction, one round trip). */
const HISTORY_BATCH = 100;

/**
 * A migration the history batch may run: SQL, in a transaction, with an up part none of whose statements
 * controls transactions itself (PL/pgSQL `BEGIN … END` inside a function body is fine).
 */
export function batchable(m: Migration): boolean {
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

/** Where the history batches run. */
export interface BatchPlace {
  client: pg.Client;
  kind: string;
  /** Resets the session before each batch (the step timeouts). */
  prepare: (client: pg.Client) => Promise<void>;
  /** Called with the migrations of each batch that committed. */
  applied: (batch: Migration[]) => void;
}

/**
 * The fast path for history on a server: consecutive transactional SQL migrations go up in one transaction
 * and one round trip per batch, with their storage rows. Returns how many leading migrations it applied; at
 * the first batch that fails it rolls back and stops, and the caller applies the rest one by one through
 * Umzug, which then names the failing migration, its line, or its timeout.
 */
export async function applyBatches(migrations: Migration[], place: BatchPlace): Promise<number> {
  let end = 0;
  while (end < migrations.length && batchable(migrations[end]!)) end++;
  const client = place.client;
  let applied = 0;
  while (applied < end) {
    const batch = migrations.slice(applied, Math.min(end, applied + HISTORY_BATCH));
    const text = batch.map((m) => `${m.up!.text}\n;\n${logSql([m.name])};`).join('\n');
    try {
      await place.prepare(client);
      await client.query(`BEGIN;\n${text}\nCOMMIT;`);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isConnectionLoss(error)) {
        throw new GateError(
          `lost the connection to the ${place.kind} database while applying the history: ${errorText(error)}`,
          { cause: error },
        );
      }
      break;
    }
    place.applied(batch);
    applied += batch.length;
  }
  return applied;
}
