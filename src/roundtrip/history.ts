import type pg from 'pg';
import { splitStatements } from '../discover/sql-split.js';
import { GateError, errorText } from '../types.js';
import type { Migration } from '../types.js';
import { transactionControl } from './executors/sql.js';
import { isConnectionLoss } from './step.js';
import { logSql, readStorage, storageTampering } from './storage.js';

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
  /** The steps' session. */
  client: pg.Client;
  /** The session that writes the storage: `client` itself, or the gate's own one. */
  storage: pg.Client;
  kind: string;
  /** Resets the session before each batch (the step timeouts). */
  prepare: (client: pg.Client) => Promise<void>;
  /** Called with the migrations of each batch that committed. */
  applied: (batch: Migration[]) => void;
}

/**
 * The fast path for history on a server: consecutive transactional SQL migrations go up in one transaction
 * per batch, with their storage rows. Returns how many leading migrations it applied; at the first batch that
 * fails, or that touched the gate's storage, it rolls back and stops, and the caller applies the rest one by one
 * through Umzug, which then names the failing migration, its line, or its timeout. When the steps' session
 * cannot reach the storage (a role of the run's own), the rows are written after the commit by the gate's own.
 */
export async function applyBatches(migrations: Migration[], place: BatchPlace): Promise<number> {
  let end = 0;
  while (end < migrations.length && batchable(migrations[end]!)) end++;
  const client = place.client;
  let applied = 0;
  while (applied < end) {
    const batch = migrations.slice(applied, Math.min(end, applied + HISTORY_BATCH));
    const text = batch.map((m) => `${m.up!.text}\n;`).join('\n');
    const log = logSql(batch.map((m) => m.name));
    const same = place.storage === client;
    try {
      const before = same ? await readStorage(client) : null;
      await place.prepare(client);
      await client.query(`BEGIN;\n${text}`);
      if (same && storageTampering(before, await readStorage(client)) !== null) {
        await client.query('ROLLBACK');
        break;
      }
      await client.query(same ? `${log};\nCOMMIT;` : 'COMMIT');
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
    if (!same) {
      await place.storage.query(log).catch((error: unknown) => {
        throw new GateError(`cannot record the history in the gate's storage: ${errorText(error)}`, {
          cause: error,
        });
      });
    }
    place.applied(batch);
    applied += batch.length;
  }
  return applied;
}
