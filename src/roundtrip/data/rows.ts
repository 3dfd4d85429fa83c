/**
 * Reads the rows of tables as text (every type has a text form), keyed by primary key when the table has one,
 * for the comparisons of `compare.ts`. At most `ROW_LIMIT` rows of a table are read.
 */
import type { Queryable } from '../snapshot/model.js';
import type { TableShape } from './catalog.js';
import { quoteIdent } from '../sql-text.js';

/** Rows read per table; a table with more is `capped`. */
export const ROW_LIMIT = 1000;

/**
 * Scalar subqueries per statement, each a column of one row. PostgreSQL plans a `UNION ALL` of many in time that
 * grows faster than their number (250 per statement: ~190 ms for 500 small tables); as columns of one SELECT they
 * take ~22 ms.
 */
const PER_STATEMENT = 50;

/** Runs scalar subqueries `values` a few per statement; `each` gets each one's index and value. */
export async function scalarChunks(
  db: Queryable,
  values: string[],
  each: (index: number, value: unknown) => void,
): Promise<void> {
  for (let i = 0; i < values.length; i += PER_STATEMENT) {
    const chunk = values.slice(i, i + PER_STATEMENT);
    const row = (await db.query(`SELECT ${chunk.map((v, j) => `${v} AS v${j}`).join(', ')}`)).rows[0];
    chunk.forEach((_, j) => each(i + j, row?.[`v${j}`]));
  }
}

/** The rows of one table, each value as text (null for NULL), columns in `columns` order. */
export interface TableRows {
  table: TableShape;
  columns: { name: string; attnum: number }[];
  /** Indexes in `columns` of the primary key columns; empty: rows compare whole. */
  key: number[];
  rows: (string | null)[][];
  capped: boolean;
}

/** The rows of each table (chunked into a few queries), by table name. */
export async function readRows(
  db: Queryable,
  tables: { table: TableShape; columns?: string[] }[],
): Promise<Map<string, TableRows>> {
  const out = new Map<string, TableRows>();
  const plans = tables.map(({ table, columns }) => {
    const cols = table.columns.filter((c) => !columns || columns.includes(c.name));
    const key = table.primaryKey.every((k) => cols.some((c) => c.name === k))
      ? table.primaryKey.map((k) => cols.findIndex((c) => c.name === k))
      : [];
    const values = cols.map((c) => `(${quoteIdent(c.name)})::pg_catalog.text`);
    const array = values.length > 0 ? `ARRAY[${values.join(', ')}]` : 'ARRAY[]::pg_catalog.text[]';
    const order =
      key.length > 0 ? table.primaryKey.map(quoteIdent).join(', ') : values.length > 0 ? '1' : 'true';
    const sql =
      `(SELECT COALESCE(pg_catalog.json_agg(r.v), '[]') FROM ` +
      `(SELECT ${array} AS v FROM ${table.sql} ORDER BY ${order} LIMIT ${ROW_LIMIT + 1}) r)`;
    return { table, cols, key, sql };
  });
  await scalarChunks(
    db,
    plans.map((p) => `${p.sql}::pg_catalog.text`),
    (i, value) => {
      const plan = plans[i]!;
      const rows = JSON.parse(String(value)) as (string | null)[][];
      out.set(plan.table.name, {
        table: plan.table,
        columns: plan.cols.map((c) => ({ name: c.name, attnum: c.attnum })),
        key: plan.key,
        rows: rows.slice(0, ROW_LIMIT),
        capped: rows.length > ROW_LIMIT,
      });
    },
  );
  return out;
}

/** The key of a row: its primary key values, or the whole row. */
export function rowKey(rows: TableRows, row: (string | null)[]): string {
  return JSON.stringify(rows.key.length > 0 ? rows.key.map((i) => row[i]) : row);
}
