import type { Inspector } from './model.js';
import {
  aclText,
  commentOf,
  notExtensionMember,
  qualify,
  sortedArray,
  text,
  textArray,
  userSchema,
} from './sql.js';

/**
 * Composite types (`CREATE TYPE … AS (…)`): attributes as `name type [COLLATE c]` in declared order
 * (the order is part of the type), owner, privileges, comment.
 */
export const compositeTypes: Inspector = {
  what: 'composite types',
  sql: `
SELECT n.nspname AS schema, t.typname AS name,
       ARRAY(SELECT a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                    || CASE WHEN a.attcollation <> at.typcollation
                            THEN ' COLLATE ' || pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                            ELSE '' END
             FROM pg_catalog.pg_attribute a
             JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
             LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS attributes,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       ${aclText('t.typacl', 'T', 't.typowner')} AS acl,
       ${commentOf('pg_type', 't.oid')} AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
WHERE t.typtype = 'c' AND c.relkind = 'c' AND ${userSchema('n')} AND ${notExtensionMember('pg_type', 't.oid')}`,
  toObject: (row) => ({
    kind: 'composite type',
    name: qualify(row.schema, row.name),
    schema: row.schema,
    table: null,
    props: {
      attributes: textArray(row.attributes),
      owner: text(row.owner),
      privileges: sortedArray(row.acl),
      comment: text(row.comment),
    },
  }),
};
