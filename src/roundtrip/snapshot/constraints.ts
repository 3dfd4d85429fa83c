import type { Inspector } from './model.js';
import { bool, commentOf, notExtensionMember, qualify, text, userSchema } from './sql.js';

const TYPES: Record<string, string> = {
  p: 'PRIMARY KEY',
  u: 'UNIQUE',
  f: 'FOREIGN KEY',
  c: 'CHECK',
  x: 'EXCLUDE',
};

/**
 * Table constraints (primary key, unique, foreign key, check, exclusion), keyed by table and name:
 * definition, deferrability, validation, comment. Not-null constraints are the columns' `not null`.
 * A foreign key to a partitioned table is one constraint: the copies PostgreSQL adds on the same table
 * for each referenced partition (numbered names) are left out.
 */
export const constraints: Inspector = {
  what: 'constraints',
  sql: `
SELECT n.nspname AS schema, c.relname AS table_name, con.conname AS name, con.contype::pg_catalog.text AS type,
       pg_catalog.pg_get_constraintdef(con.oid) AS definition,
       con.condeferrable AS deferrable, con.condeferred AS deferred, con.convalidated AS validated,
       ${commentOf('pg_constraint', 'con.oid')} AS comment
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_constraint parent ON parent.oid = con.conparentid
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND parent.conrelid IS DISTINCT FROM con.conrelid
  AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`,
  toObject: (row) => {
    const type = TYPES[row.type as string] ?? String(row.type);
    return {
      kind: 'constraint',
      name: qualify(row.schema, row.table_name, row.name),
      schema: row.schema,
      table: qualify(row.schema, row.table_name),
      label: type,
      props: {
        type,
        definition: text(row.definition),
        deferrable: bool(row.deferrable),
        deferred: bool(row.deferred),
        validated: bool(row.validated),
        comment: text(row.comment),
      },
    };
  },
};
