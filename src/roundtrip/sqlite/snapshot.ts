import type { DatabaseSync } from 'node:sqlite';
import { objectKey, type SchemaObject, type Snapshot } from '../snapshot/model.js';
import { quoteIdent } from '../sql-text.js';

/**
 * A SQLite database's schema as a snapshot of the same model as PostgreSQL's: tables, columns (type, NOT NULL,
 * default, primary key position, generated), indexes (unique, origin, partial, key columns and expressions),
 * foreign keys, views and triggers, read from `sqlite_schema` and the table and index pragmas. Objects are
 * named in the `main` schema (`main.orders`, `main.orders.created_at`, `index main.orders_created_idx`).
 */

interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/** Tables every SQLite database may hold for itself (`sqlite_sequence`, `sqlite_stat1`, …). */
const INTERNAL = /^sqlite_/i;

/** SQL text compared without its layout: whitespace collapsed, identifier quotes dropped, case folded outside literals. */
export function normalizeSql(sql: string | null): string | null {
  if (sql === null) return null;
  return sql
    .replace(/'(?:[^']|'')*'|"([^"]*)"|`([^`]*)`|\[([^\]]*)\]|([^'"`[]+)/g, (m, dq, bq, br, plain) => {
      if (plain !== undefined) return (plain as string).toLowerCase().replace(/\s+/g, ' ');
      if (dq !== undefined) return (dq as string).toLowerCase();
      if (bq !== undefined) return (bq as string).toLowerCase();
      if (br !== undefined) return (br as string).toLowerCase();
      return m;
    })
    .replace(/\s*([(),;])\s*/g, '$1')
    .trim();
}

/** Options: tables left out with everything attached (bare names, or `main.`/`public.` qualified). */
export interface SqliteSnapshotOptions {
  excludeTables?: string[];
}

/** Reads the snapshot of `db`'s `main` schema. */
export function sqliteSnapshot(db: DatabaseSync, options: SqliteSnapshotOptions = {}): Snapshot {
  const excluded = new Set((options.excludeTables ?? []).map((t) => t.replace(/^(main|public)\./, '')));
  const objects = new Map<string, SchemaObject>();
  const add = (o: SchemaObject) => objects.set(objectKey(o.kind, o.name), o);
  const rows = db
    .prepare(`SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY type, name`)
    .all() as unknown as SchemaRow[];
  const skip = (table: string) => INTERNAL.test(table) || excluded.has(table);

  for (const row of rows) {
    if (skip(row.tbl_name)) continue;
    const table = `main.${row.tbl_name}`;
    if (row.type === 'table') {
      const list = db.prepare(`PRAGMA main.table_list(${quoteIdent(row.name)})`).get() as
        { wr: number; strict: number } | undefined;
      add({
        kind: 'table',
        name: table,
        schema: 'main',
        table: null,
        props: { without_rowid: list?.wr === 1, strict: list?.strict === 1 },
      });
      const columns = db.prepare(`PRAGMA main.table_xinfo(${quoteIdent(row.name)})`).all() as {
        cid: number;
        name: string;
        type: string;
        notnull: number;
        dflt_value: string | null;
        pk: number;
        hidden: number;
      }[];
      for (const c of columns) {
        if (c.hidden === 1) continue; // a virtual table's hidden column
        add({
          kind: 'column',
          name: `${table}.${c.name}`,
          schema: 'main',
          table,
          props: {
            type: c.type.toUpperCase(),
            not_null: c.notnull === 1,
            default: c.dflt_value,
            primary_key_position: c.pk === 0 ? null : String(c.pk),
            generated: c.hidden === 2 ? 'virtual' : c.hidden === 3 ? 'stored' : null,
          },
          position: c.cid + 1,
        });
      }
      const fks = db.prepare(`PRAGMA main.foreign_key_list(${quoteIdent(row.name)})`).all() as {
        id: number;
        seq: number;
        table: string;
        from: string;
        to: string | null;
        on_update: string;
        on_delete: string;
        match: string;
      }[];
      const byId = new Map<number, typeof fks>();
      for (const fk of fks) byId.set(fk.id, [...(byId.get(fk.id) ?? []), fk]);
      for (const parts of byId.values()) {
        parts.sort((a, b) => a.seq - b.seq);
        const first = parts[0]!;
        const from = parts.map((p) => p.from).join(', ');
        const to = parts.map((p) => p.to ?? '').join(', ');
        add({
          kind: 'constraint',
          name: `${table}.(${from}) -> ${first.table}(${to})`,
          schema: 'main',
          table,
          label: 'FOREIGN KEY',
          props: {
            references: `${first.table}(${to})`,
            on_update: first.on_update,
            on_delete: first.on_delete,
            match: first.match,
          },
        });
      }
    } else if (row.type === 'index') {
      const list = db.prepare(`PRAGMA main.index_list(${quoteIdent(row.tbl_name)})`).all() as {
        name: string;
        unique: number;
        origin: string;
        partial: number;
      }[];
      const info = list.find((i) => i.name === row.name);
      const keys = (
        db.prepare(`PRAGMA main.index_xinfo(${quoteIdent(row.name)})`).all() as {
          seqno: number;
          cid: number;
          name: string | null;
          desc: number;
          coll: string;
          key: number;
        }[]
      )
        .filter((k) => k.key === 1)
        .sort((a, b) => a.seqno - b.seqno)
        .map((k) => `${k.name ?? (k.cid === -2 ? '<expression>' : 'rowid')}${k.desc ? ' DESC' : ''}`);
      add({
        kind: 'index',
        name: `main.${row.name}`,
        schema: 'main',
        table,
        props: {
          unique: info?.unique === 1,
          origin: info?.origin ?? null,
          partial: info?.partial === 1,
          columns: keys.join(', '),
          // The definition itself (expressions, WHERE), for indexes created by CREATE INDEX.
          definition: normalizeSql(row.sql),
        },
      });
    } else if (row.type === 'view' || row.type === 'trigger') {
      add({
        kind: row.type,
        name: row.type === 'trigger' ? `${table}.${row.name}` : `main.${row.name}`,
        schema: 'main',
        table: row.type === 'trigger' ? table : null,
        props: { definition: normalizeSql(row.sql) },
      });
    }
  }
  return { objects };
}
