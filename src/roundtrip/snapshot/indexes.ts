import type { Inspector } from './model.js';
import { bool, commentOf, notExtensionMember, qualify, text, textArray, userSchema } from './sql.js';

/**
 * Indexes on tables, partitioned tables and materialized views, keyed by schema and name: definition,
 * uniqueness, predicate, INCLUDE columns, validity (an index left invalid by a failed
 * `CREATE INDEX CONCURRENTLY` shows), clustering, comment.
 */
export const indexes: Inspector = {
  what: 'indexes',
  sql: `
SELECT n.nspname AS schema, i.relname AS name, tn.nspname AS table_schema, t.relname AS table_name,
       pg_catalog.pg_get_indexdef(i.oid) AS definition,
       x.indisunique AS is_unique,
       pg_catalog.pg_get_expr(x.indpred, x.indrelid) AS predicate,
       ARRAY(SELECT ta.attname
             FROM pg_catalog.generate_series(x.indnkeyatts, x.indnatts - 1) AS k
             JOIN pg_catalog.pg_attribute ta ON ta.attrelid = x.indrelid AND ta.attnum = x.indkey[k]
             ORDER BY k)::pg_catalog.text[] AS include,
       x.indisvalid AS valid,
       x.indisclustered AS clustered,
       ${commentOf('pg_class', 'i.oid')} AS comment
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = i.relnamespace
JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_class', 't.oid')}`,
  toObject: (row) => ({
    kind: 'index',
    name: qualify(row.schema, row.name),
    schema: row.schema,
    table: qualify(row.table_schema, row.table_name),
    props: {
      table: qualify(row.table_schema, row.table_name),
      definition: text(row.definition),
      unique: bool(row.is_unique),
      predicate: text(row.predicate),
      include: textArray(row.include),
      valid: bool(row.valid),
      clustered: bool(row.clustered),
      comment: text(row.comment),
    },
  }),
};
