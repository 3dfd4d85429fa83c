/**
 * Sample rows: before a changed migration's up, every table with fewer than `SAMPLE_ROWS` rows gets generated
 * rows that fit its types, NOT NULL, defaults, identities, keys and foreign keys (parents first). Values depend
 * only on the schema and the row's number, so the same schema always gets the same rows. A row a CHECK
 * constraint or a trigger refuses is dropped; a table that gets no row at all is named in a note.
 */
import type { Queryable } from '../snapshot/model.js';
import type { ColumnInfo, ForeignKey, TableInfo } from './catalog.js';
import { quoteIdent, quoteLiteral } from '../sql-text.js';
import { scalarChunks } from './rows.js';

/** How many rows a table should hold before up. */
export const SAMPLE_ROWS = 3;

/** The setting the fill block writes the tables it could not fill into (`table: message` lines). */
const FAILURES = 'migration_gate.sample_failures';

/** Text for a value of a string column, with a hint from the column's name where a format is usual. */
function sampleText(column: ColumnInfo, k: number): string {
  const name = column.name.toLowerCase();
  if (name.includes('email')) return `sample${k}@example.com`;
  if (/(^|_)(url|link|website)($|_)/.test(name)) return `https://example.com/${k}`;
  if (/phone/.test(name)) return `+1555000000${k}`;
  return `sample ${k}`;
}

/** Maximum length of a `varchar(n)` / `char(n)` column, or null. */
function maxLength(column: ColumnInfo): number | null {
  return (column.base === 'varchar' || column.base === 'bpchar') && column.typmod > 4
    ? column.typmod - 4
    : null;
}

/** The text of a value of base type `base` for row `k` (1-based), or null when the gate has none for it. */
function scalarText(column: ColumnInfo, base: string, category: string, k: number): string | null {
  switch (base) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
      return String(column.key ? 30000 + k : k);
    case 'numeric': {
      const precision = column.typmod > 4 ? ((column.typmod - 4) >> 16) & 0xffff : null;
      const scale = column.typmod > 4 ? (column.typmod - 4) & 0xffff : 0;
      if (precision !== null && precision - scale < 1) return `0.${k}`;
      if (precision !== null && precision - scale < 5) return String(k);
      return String(column.key ? 30000 + k : k);
    }
    case 'float4':
    case 'float8':
      return `${k}.5`;
    case 'money':
      return `${k}.00`;
    case 'bool':
      return k % 2 === 1 ? 'true' : 'false';
    case 'date':
      return `2024-01-0${k}`;
    case 'timestamp':
      return `2024-01-0${k} 10:00:00`;
    case 'timestamptz':
      return `2024-01-0${k} 10:00:00+00`;
    case 'time':
      return `10:00:0${k}`;
    case 'timetz':
      return `10:00:0${k}+00`;
    case 'interval':
      return `${k} days`;
    case 'uuid':
      return `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
    case 'json':
    case 'jsonb':
      return `{"sample": ${k}}`;
    case 'bytea':
      return `\\x0${k}`;
    case 'inet':
      return `10.0.0.${k}`;
    case 'cidr':
      return `10.0.${k}.0/24`;
    case 'macaddr':
      return `08:00:2b:01:02:0${k}`;
    case 'xml':
      return `<sample>${k}</sample>`;
    case 'tsvector':
      return `sample${k}`;
    case 'point':
      return `(${k},${k})`;
    case 'int4range':
    case 'int8range':
    case 'numrange':
      return `[${k},${k + 10})`;
    case 'daterange':
      return `[2024-01-0${k},2024-02-0${k})`;
    case 'hstore':
      return `"sample"=>"${k}"`;
    case 'ltree':
      return `sample.n${k}`;
  }
  if (category === 'S') {
    const text = sampleText(column, k);
    const max = maxLength(column);
    return max !== null && text.length > max ? String(k).slice(0, max) : text;
  }
  if (category === 'N') return String(k);
  return null;
}

/** A SQL expression for the column's value in row `k`, or null when the gate cannot make one. */
export function valueSql(column: ColumnInfo, k: number): string | null {
  if (column.allowed.length > 0) {
    return `${quoteLiteral(column.allowed[(k - 1) % column.allowed.length]!)}::${column.type}`;
  }
  if (column.enumLabels.length > 0) {
    return `${quoteLiteral(column.enumLabels[(k - 1) % column.enumLabels.length]!)}::${column.type}`;
  }
  if (column.category === 'A') {
    if (column.element === null) return null;
    const element = scalarText(column, column.element, column.element === 'text' ? 'S' : '', k);
    return element === null ? null : `ARRAY[${quoteLiteral(element)}]::${column.type}`;
  }
  const text = scalarText(column, column.base, column.category, k);
  return text === null ? null : `${quoteLiteral(text)}::${column.type}`;
}

/** Tables ordered parents first (a cycle is broken in name order). */
export function parentsFirst(tables: TableInfo[]): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const ordered: TableInfo[] = [];
  const visiting = new Set<string>();
  const visit = (table: TableInfo) => {
    if (done.has(table.name) || visiting.has(table.name)) return;
    visiting.add(table.name);
    for (const fk of table.foreignKeys) {
      const parent = byName.get(fk.parent);
      if (parent && parent !== table) visit(parent);
    }
    visiting.delete(table.name);
    done.add(table.name);
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return ordered;
}

/**
 * One INSERT of row `k`: generated values, foreign keys from the parent's rows (the `k`-th, or the first in the
 * fallback), and the defaults of the columns that have one when `useDefaults` is set. Null when a NOT NULL
 * column without a default gets no value.
 */
function insertSql(
  table: TableInfo,
  byName: Map<string, TableInfo>,
  k: number,
  fallback: boolean,
): string | null {
  const names: string[] = [];
  const values: string[] = [];
  const joins: string[] = [];
  const fkOf = new Map<string, { fk: ForeignKey; index: number; alias: string }>();
  table.foreignKeys.forEach((fk, i) => {
    fk.columns.forEach((column, index) => {
      if (!fkOf.has(column)) fkOf.set(column, { fk, index, alias: `p${i}` });
    });
  });
  const joined = new Set<string>();
  for (const column of table.columns) {
    if (column.generated || column.numbered) continue;
    const ref = fkOf.get(column.name);
    if (ref) {
      const parent = byName.get(ref.fk.parent);
      if (!parent) {
        if (column.notNull) return null;
        continue;
      }
      if (!joined.has(ref.alias)) {
        joined.add(ref.alias);
        const cols = ref.fk.parentColumns.map(quoteIdent).join(', ');
        const offset = fallback || parent === table ? 0 : k - 1;
        joins.push(
          `LEFT JOIN LATERAL (SELECT ${cols} FROM ${parent.sql} ORDER BY ${cols} LIMIT 1 OFFSET ${offset}) ${ref.alias} ON true`,
        );
      }
      names.push(quoteIdent(column.name));
      values.push(`${ref.alias}.${quoteIdent(ref.fk.parentColumns[ref.index]!)}`);
      continue;
    }
    if (fallback && column.hasDefault) continue;
    const value = valueSql(column, k);
    if (value === null) {
      if (column.notNull && !column.hasDefault) return null;
      continue;
    }
    names.push(quoteIdent(column.name));
    values.push(value);
  }
  if (names.length === 0) return `INSERT INTO ${table.sql} DEFAULT VALUES`;
  return (
    `INSERT INTO ${table.sql} (${names.join(', ')}) SELECT ${values.join(', ')} ` +
    `FROM (SELECT) AS g ${joins.join(' ')}`
  );
}

/** What the fill did. */
export interface FillResult {
  /** Rows inserted, by table name. */
  inserted: Map<string, number>;
  /** One line per table it could not fill. */
  notes: string[];
}

/**
 * Fills the tables with fewer than `SAMPLE_ROWS` rows (`counts`: rows each table holds) in one PL/pgSQL block:
 * each row tries the generated values, then the columns' defaults; a row refused both ways is skipped.
 */
export async function fillSampleRows(
  db: Queryable,
  tables: TableInfo[],
  counts: Map<string, number>,
): Promise<FillResult> {
  const result: FillResult = { inserted: new Map(), notes: [] };
  const byName = new Map(tables.map((t) => [t.name, t]));
  const blocks: string[] = [];
  const wanted = new Map<string, number>();
  for (const table of parentsFirst(tables)) {
    const have = counts.get(table.name) ?? 0;
    if (have >= SAMPLE_ROWS) continue;
    wanted.set(table.name, have);
    for (let k = have + 1; k <= SAMPLE_ROWS; k++) {
      const first = insertSql(table, byName, k, false);
      const second = insertSql(table, byName, k, true);
      const tries = [first, second].filter((s): s is string => s !== null && s !== undefined);
      if (tries.length === 0) continue;
      const note = quoteLiteral(`${table.name}: `);
      const fail = `PERFORM pg_catalog.set_config('${FAILURES}', pg_catalog.current_setting('${FAILURES}', true) || ${note} || SQLERRM || E'\\n', false);`;
      const inner =
        tries[1] && tries[1] !== tries[0]
          ? `BEGIN ${tries[1]}; EXCEPTION WHEN others THEN ${fail} END;`
          : fail;
      blocks.push(`BEGIN ${tries[0]}; EXCEPTION WHEN others THEN ${inner} END;`);
    }
  }
  if (wanted.size === 0) return result;
  const tag = '$migration_gate_sample$';
  const body = blocks.filter((b) => !b.includes(tag)).join('\n');
  await db.query(`SELECT pg_catalog.set_config('${FAILURES}', '', false)`);
  await db.query(`DO ${tag} BEGIN\n${body}\nEND ${tag}`);
  const failures = String(
    (await db.query(`SELECT pg_catalog.current_setting('${FAILURES}', true) AS f`)).rows[0]?.f ?? '',
  );
  const after = await countRows(
    db,
    [...wanted.keys()].map((name) => byName.get(name)!),
  );
  const lastError = new Map<string, string>();
  for (const line of failures.split('\n')) {
    const at = line.indexOf(': ');
    if (at > 0) lastError.set(line.slice(0, at), line.slice(at + 2));
  }
  for (const [name, before] of wanted) {
    const added = (after.get(name) ?? before) - before;
    result.inserted.set(name, added);
    if (added === 0) {
      const why = lastError.get(name);
      result.notes.push(`sample rows: ${name} could not be filled${why ? ` (${why})` : ''}`);
    }
  }
  return result;
}

/** Rows of each table, counted up to 1,001 (enough to tell "a few" from "many"). */
export async function countRows(db: Queryable, tables: TableInfo[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await scalarChunks(
    db,
    tables.map((t) => `(SELECT pg_catalog.count(*) FROM (SELECT FROM ${t.sql} LIMIT 1001) x)`),
    (i, n) => counts.set(tables[i]!.name, Number(n)),
  );
  return counts;
}
