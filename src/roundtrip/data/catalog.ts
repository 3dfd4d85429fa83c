/**
 * What the sample rows need to know about the tables of a scratch database: their columns (type, NOT NULL,
 * default, identity, generated), primary key, foreign keys and the literals their CHECK constraints allow, and
 * the storage identity (`relfilenode`) that tells a rewritten table.
 */
import type { Queryable } from '../snapshot/model.js';
import { notExtensionMember, userSchema } from '../snapshot/sql.js';
import { quoteIdent, quoteLiteral } from '../sql-text.js';

export interface ColumnInfo {
  attnum: number;
  name: string;
  /** `format_type` of the column (domain, typmod and array included), for casts. */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  /** The default uses a sequence (serial) or the column is an identity: the database numbers it. */
  numbered: boolean;
  generated: boolean;
  /** The base type (domains resolved): name, category, typmod, enum labels, array element name. */
  base: string;
  category: string;
  typmod: number;
  enumLabels: string[];
  element: string | null;
  /** Literals a CHECK constraint on this column alone names (`status IN ('new', 'paid')`). */
  allowed: string[];
  /** Part of the primary key or of a unique constraint. */
  key: boolean;
}

export interface ForeignKey {
  columns: string[];
  parent: string;
  parentColumns: string[];
}

/** What reading a table's rows needs: its names, columns and primary key. */
export interface TableShape {
  oid: number;
  /** `schema.name`, unquoted, for messages. */
  name: string;
  /** Quoted `"schema"."name"` for SQL. */
  sql: string;
  columns: { name: string; attnum: number }[];
  /** Primary key column names, in key order; empty without one. */
  primaryKey: string[];
}

export interface TableInfo extends TableShape {
  relfilenode: number;
  columns: ColumnInfo[];
  foreignKeys: ForeignKey[];
}

const TABLES_SQL = `
SELECT c.oid::pg_catalog.int8 AS oid, n.nspname AS schema, c.relname AS name,
       c.relfilenode::pg_catalog.int8 AS relfilenode,
       ARRAY(SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_index i
             JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true
             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.pos) AS primary_key
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't'
  AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}
ORDER BY n.nspname, c.relname`;

const COLUMNS_SQL = `
SELECT a.attrelid::pg_catalog.int8 AS oid, a.attnum, a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
       a.atthasdef AS has_default, a.attidentity <> '' AS identity, a.attgenerated <> '' AS generated,
       COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid) ~ 'nextval\\(', false) AS serial,
       b.typname AS base, b.typcategory AS category,
       CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod,
       ARRAY(SELECT e.enumlabel::pg_catalog.text FROM pg_catalog.pg_enum e WHERE e.enumtypid = b.oid ORDER BY e.enumsortorder) AS enum_labels,
       el.typname AS element,
       EXISTS (SELECT FROM pg_catalog.pg_constraint k
               WHERE k.conrelid = a.attrelid AND k.contype IN ('p', 'u') AND a.attnum = ANY (k.conkey)) AS key,
       ARRAY(SELECT pg_catalog.pg_get_constraintdef(k.oid) FROM pg_catalog.pg_constraint k
             WHERE k.conrelid = a.attrelid AND k.contype = 'c' AND k.conkey = ARRAY[a.attnum]) AS checks
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_catalog.pg_type el ON el.oid = b.typelem AND b.typcategory = 'A'
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY ($1::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;

const FOREIGN_KEYS_SQL = `
SELECT k.conrelid::pg_catalog.int8 AS oid, k.confrelid::pg_catalog.int8 AS parent_oid,
       ARRAY(SELECT a.attname::pg_catalog.text FROM pg_catalog.unnest(k.conkey) WITH ORDINALITY AS u(attnum, pos)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.pos) AS columns,
       ARRAY(SELECT a.attname::pg_catalog.text FROM pg_catalog.unnest(k.confkey) WITH ORDINALITY AS u(attnum, pos)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.pos) AS parent_columns
FROM pg_catalog.pg_constraint k
WHERE k.contype = 'f' AND k.conrelid = ANY ($1::pg_catalog.oid[])
ORDER BY k.conrelid, k.conname`;

/** The quoted literals of a CHECK definition (`CHECK ((status = ANY (ARRAY['new'::text, 'paid'::text])))`). */
function checkLiterals(definitions: string[]): string[] {
  const literals: string[] = [];
  for (const definition of definitions) {
    if (!/=\s*ANY|\bIN\b|=\s*'/i.test(definition)) continue;
    for (const match of definition.matchAll(/'((?:[^']|'')*)'/g))
      literals.push(match[1]!.replace(/''/g, "'"));
  }
  return literals;
}

/** Array columns come back as arrays from a server, and as `{a,b}` text from some drivers. */
function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string' || value === '{}') return [];
  return value
    .slice(1, -1)
    .split(',')
    .map((item) => item.replace(/^"(.*)"$/, '$1'));
}

/**
 * The user tables of the database (partitioned tables once, not their partitions), in name order, leaving out
 * those named in `exclude` (`schema.table`, or a table name in any schema).
 */
export async function readTables(db: Queryable, exclude: readonly string[] = []): Promise<TableInfo[]> {
  const excluded = (schema: string, name: string) =>
    exclude.includes(`${schema}.${name}`) || exclude.includes(name);
  const tables = (await db.query(TABLES_SQL)).rows
    .filter((row) => !excluded(String(row.schema), String(row.name)))
    .map((row): TableInfo => ({
      oid: Number(row.oid),
      name: `${row.schema}.${row.name}`,
      sql: `${quoteIdent(String(row.schema))}.${quoteIdent(String(row.name))}`,
      relfilenode: Number(row.relfilenode),
      columns: [],
      primaryKey: list(row.primary_key),
      foreignKeys: [],
    }));
  if (tables.length === 0) return tables;
  const byOid = new Map(tables.map((t) => [t.oid, t]));
  const oids = `{${tables.map((t) => t.oid).join(',')}}`;
  const [columns, foreignKeys] = await Promise.all([
    db.query(COLUMNS_SQL, [oids]),
    db.query(FOREIGN_KEYS_SQL, [oids]),
  ]);
  for (const row of columns.rows) {
    byOid.get(Number(row.oid))?.columns.push({
      attnum: Number(row.attnum),
      name: String(row.name),
      type: String(row.type),
      notNull: row.not_null === true || row.not_null === 't',
      hasDefault: row.has_default === true || row.has_default === 't',
      numbered: [row.identity, row.serial].some((v) => v === true || v === 't'),
      generated: row.generated === true || row.generated === 't',
      base: String(row.base),
      category: String(row.category),
      typmod: Number(row.typmod),
      enumLabels: list(row.enum_labels),
      element: row.element === null || row.element === undefined ? null : String(row.element),
      allowed: checkLiterals(list(row.checks)),
      key: row.key === true || row.key === 't',
    });
  }
  for (const row of foreignKeys.rows) {
    const parent = byOid.get(Number(row.parent_oid));
    byOid.get(Number(row.oid))?.foreignKeys.push({
      columns: list(row.columns),
      parent: parent?.name ?? '',
      parentColumns: list(row.parent_columns),
    });
  }
  return tables;
}

/**
 * The shapes of the tables named like `tables` (by quoted name) as they are now, by name; a name that is no longer
 * a table is left out. One light query, for reading rows again after down.
 */
export async function readShapes(
  db: Queryable,
  tables: readonly TableShape[],
): Promise<Map<string, TableShape>> {
  const out = new Map<string, TableShape>();
  if (tables.length === 0) return out;
  const names = tables.map((t) => quoteLiteral(t.sql)).join(', ');
  const sql = `
SELECT c.oid::pg_catalog.int8 AS oid, n.nspname AS schema, c.relname AS name,
       (SELECT pg_catalog.json_agg(a.attname ORDER BY k.pos) FROM pg_catalog.pg_index i
        JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE i.indrelid = c.oid AND i.indisprimary)::pg_catalog.text AS primary_key,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(a.attname, a.attnum) ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)::pg_catalog.text AS columns
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid IN (SELECT pg_catalog.to_regclass(t) FROM pg_catalog.unnest(ARRAY[${names}]::pg_catalog.text[]) AS t)
  AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't'
  AND ${notExtensionMember('pg_class', 'c.oid')}`;
  for (const row of (await db.query(sql)).rows) {
    const columns = JSON.parse(String(row.columns ?? 'null')) as [string, number][] | null;
    const shape: TableShape = {
      oid: Number(row.oid),
      name: `${row.schema}.${row.name}`,
      sql: `${quoteIdent(String(row.schema))}.${quoteIdent(String(row.name))}`,
      columns: (columns ?? []).map(([name, attnum]) => ({ name, attnum: Number(attnum) })),
      primaryKey: (JSON.parse(String(row.primary_key ?? 'null')) as string[] | null) ?? [],
    };
    out.set(shape.name, shape);
  }
  return out;
}
