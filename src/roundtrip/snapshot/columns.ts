import type { Inspector } from './model.js';
import { bool, commentOf, notExtensionMember, qualify, sortedArray, text, userSchema } from './sql.js';

/**
 * Table columns, keyed by name (never by position, so a column dropped and re-added compares equal):
 * type, nullability, default, identity, generation expression, collation, privileges, comment. The position
 * is kept beside the compared properties, for the `column-order` rule.
 */
export const columns: Inspector = {
  what: 'columns',
  sql: `
SELECT n.nspname AS schema, c.relname AS table_name, a.attname AS name, a.attnum AS position,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS default_expr,
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
       CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
            || CASE a.attgenerated WHEN 's' THEN ' STORED' ELSE ' VIRTUAL' END END AS generated,
       CASE WHEN a.attcollation <> t.typcollation
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END AS collation,
       a.attacl::pg_catalog.text[] AS acl,
       ${commentOf('pg_class', 'c.oid', 'a.attnum')} AS comment
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
  AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`,
  toObject: (row) => ({
    kind: 'column',
    name: qualify(row.schema, row.table_name, row.name),
    schema: row.schema,
    table: qualify(row.schema, row.table_name),
    position: Number(row.position),
    props: {
      type: text(row.type),
      'not null': bool(row.not_null),
      default: text(row.default_expr),
      identity: text(row.identity),
      generated: text(row.generated),
      collation: text(row.collation),
      privileges: sortedArray(row.acl),
      comment: text(row.comment),
    },
  }),
};
