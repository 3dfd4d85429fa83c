/**
 * The measured cost of an up: the locks its transaction holds just before it commits (read from `pg_locks` on
 * the step's own session) and the tables it rewrote (storage identity, `relfilenode`, changed from before up
 * to after it). Neither is part of the schema comparison.
 */
import type { Queryable } from '../snapshot/model.js';
import type { TableInfo } from '../data/catalog.js';

/** One relation lock, e.g. `{ relation: 'public.orders', mode: 'ACCESS EXCLUSIVE' }`. */
export interface LockInfo {
  relation: string;
  mode: string;
}

const MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];

const LOCKS_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.oid::pg_catalog.int8 AS oid, l.mode
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_class c ON c.oid = l.relation
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted
  AND c.relkind IN ('r', 'p', 'm', 'f')`;

/** `AccessExclusiveLock` → `ACCESS EXCLUSIVE`. */
export function modeName(mode: string): string {
  return mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

/** Watches one step: `beforeCommit` reads the locks its session holds on the tables that existed before up. */
export class LockObserver {
  /** Null until the step reached its commit (it ran without a transaction, or elsewhere). */
  locks: LockInfo[] | null = null;
  failure: string | null = null;

  constructor(private readonly before: ReadonlyMap<number, TableInfo>) {}

  readonly beforeCommit = async (client: Queryable): Promise<void> => {
    try {
      const strongest = new Map<string, number>();
      for (const row of (await client.query(LOCKS_SQL)).rows) {
        const table = this.before.get(Number(row.oid));
        if (!table) continue;
        const rank = MODES.indexOf(modeName(String(row.mode)));
        strongest.set(table.name, Math.max(rank, strongest.get(table.name) ?? -1));
      }
      this.locks = [...strongest]
        .filter(([, rank]) => rank >= 0)
        .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
        .map(([relation, rank]) => ({ relation, mode: MODES[rank]! }));
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error);
    }
  };
}

/** Tables of `before` (by oid) whose storage was replaced in `after`. */
export function rewrittenTables(before: readonly TableInfo[], after: readonly TableInfo[]): string[] {
  const now = new Map(after.map((t) => [t.oid, t]));
  return before
    .filter((t) => {
      const later = now.get(t.oid);
      return later !== undefined && t.relfilenode !== 0 && later.relfilenode !== t.relfilenode;
    })
    .map((t) => t.name);
}
