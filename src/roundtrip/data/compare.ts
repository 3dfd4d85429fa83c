/**
 * What the rows went through: what up destroyed (a dropped table or column that held values, deleted rows),
 * and which values present before up were lost or changed after down. A value up itself destroyed is up's
 * loss, not down's: down cannot bring back what up dropped.
 */
import type { TableInfo } from './catalog.js';
import type { TableRows } from './rows.js';
import { rowKey } from './rows.js';

/** A loss caused by up (`up-data-loss`). */
export interface UpLoss {
  table: string;
  column?: string;
  what: 'table dropped' | 'column dropped' | 'rows deleted';
  /** Rows (table dropped, rows deleted) or non-null values (column dropped). */
  rows: number;
}

/** Values present before up and lost or changed after down (`down-data-loss`). */
export interface DownLoss {
  table: string;
  /** Columns with a lost or changed value; every column for rows lost whole. */
  columns: string[];
  /** Rows with at least one lost or changed value. */
  rows: number;
  /** One example: `'sample 1' before up, NULL after down`. */
  example: string | null;
}

function show(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  const text = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return `'${text}'`;
}

/** Keys of the rows of `before` found in `after` by the same columns (attnum), or null when it cannot tell. */
function keysIn(before: TableRows, after: TableRows): Set<string> | null {
  if (before.key.length === 0 || after.capped) return null;
  const at = before.key.map((i) => after.columns.findIndex((c) => c.attnum === before.columns[i]!.attnum));
  if (at.some((i) => i < 0)) return null;
  return new Set(after.rows.map((row) => JSON.stringify(at.map((i) => row[i]))));
}

/** What up destroyed: `before` by table name (before up), `after` by table oid (after up). */
export function upLosses(
  before: ReadonlyMap<string, TableRows>,
  tablesAfter: readonly TableInfo[],
  after: ReadonlyMap<number, TableRows>,
): UpLoss[] {
  const losses: UpLoss[] = [];
  const present = new Set(tablesAfter.map((t) => t.oid));
  for (const rows of before.values()) {
    if (rows.rows.length === 0) continue;
    const name = rows.table.name;
    const later = after.get(rows.table.oid);
    if (!present.has(rows.table.oid) || !later) {
      losses.push({ table: name, what: 'table dropped', rows: rows.rows.length });
      continue;
    }
    rows.columns.forEach((column, i) => {
      if (later.columns.some((c) => c.attnum === column.attnum)) return;
      const values = rows.rows.filter((row) => row[i] !== null).length;
      if (values > 0) losses.push({ table: name, column: column.name, what: 'column dropped', rows: values });
    });
    const keys = keysIn(rows, later);
    const deleted = keys
      ? rows.rows.filter((row) => !keys.has(rowKey(rows, row))).length
      : rows.capped || later.capped
        ? 0
        : rows.rows.length - later.rows.length;
    if (deleted > 0) losses.push({ table: name, what: 'rows deleted', rows: deleted });
  }
  return losses;
}

/**
 * Values of `before` (before up) lost or changed in `afterDown` (by table and column name), leaving out what up
 * destroyed (`afterUp`, by table oid: dropped tables and columns, deleted rows).
 */
export function downLosses(
  before: ReadonlyMap<string, TableRows>,
  afterUp: ReadonlyMap<number, TableRows>,
  afterDown: ReadonlyMap<string, TableRows>,
): DownLoss[] {
  const losses: DownLoss[] = [];
  for (const rows of before.values()) {
    const up = afterUp.get(rows.table.oid);
    const down = afterDown.get(rows.table.name);
    if (rows.rows.length === 0 || !up || !down || rows.capped) continue;
    // Columns up kept (by attnum) that exist again after down (by name): index before → index after down.
    const pairs: [number, number][] = [];
    rows.columns.forEach((column, i) => {
      if (!up.columns.some((c) => c.attnum === column.attnum)) return;
      const j = down.columns.findIndex((c) => c.name === column.name);
      if (j >= 0) pairs.push([i, j]);
    });
    const upKeys = keysIn(rows, up);
    const changed = new Map<string, number>();
    let example: string | null = null;
    let lostRows = 0;
    if (rows.key.length > 0 && down.key.length > 0) {
      if (!upKeys) continue;
      const afterRows = new Map(down.rows.map((row) => [rowKey(down, row), row]));
      for (const row of rows.rows) {
        const key = rowKey(rows, row);
        if (!upKeys.has(key)) continue;
        const later = afterRows.get(key);
        if (!later) {
          if (down.capped) continue;
          lostRows++;
          for (const [i] of pairs)
            changed.set(rows.columns[i]!.name, (changed.get(rows.columns[i]!.name) ?? 0) + 1);
          example ??= `row ${key} present before up, absent after down`;
          continue;
        }
        let differs = false;
        for (const [i, j] of pairs) {
          if (row[i] === later[j]) continue;
          differs = true;
          const name = rows.columns[i]!.name;
          changed.set(name, (changed.get(name) ?? 0) + 1);
          example ??= `${rows.table.name}.${name}: ${show(row[i])} before up, ${show(later[j])} after down`;
        }
        if (differs) lostRows++;
      }
    } else {
      // Rows without a key compare as multisets, column by column.
      if (down.capped || up.rows.length < rows.rows.length) continue;
      for (const [i, j] of pairs) {
        const left = new Map<string | null, number>();
        for (const row of down.rows) left.set(row[j] ?? null, (left.get(row[j] ?? null) ?? 0) + 1);
        let missing = 0;
        for (const row of rows.rows) {
          const n = left.get(row[i] ?? null) ?? 0;
          if (n > 0) left.set(row[i] ?? null, n - 1);
          else {
            missing++;
            example ??= `${rows.table.name}.${rows.columns[i]!.name}: ${show(row[i])} before up, not found after down`;
          }
        }
        if (missing > 0) changed.set(rows.columns[i]!.name, missing);
      }
      lostRows = Math.max(0, ...changed.values());
    }
    if (changed.size > 0) {
      losses.push({ table: rows.table.name, columns: [...changed.keys()], rows: lostRows, example });
    }
  }
  return losses;
}

/** `public.orders.note (3 rows)` / `public.orders: 2 rows deleted`, for messages. */
export function describeUpLoss(loss: UpLoss): string {
  if (loss.what === 'column dropped')
    return `column ${loss.table}.${loss.column} dropped with ${loss.rows} value(s)`;
  if (loss.what === 'table dropped') return `table ${loss.table} dropped with ${loss.rows} row(s)`;
  return `${loss.rows} row(s) deleted from ${loss.table}`;
}

export function describeDownLoss(loss: DownLoss): string {
  const columns = loss.columns.map((c) => `${loss.table}.${c}`).join(', ');
  return `${columns}: ${loss.rows} row(s) lost or changed${loss.example ? ` (e.g. ${loss.example})` : ''}`;
}
