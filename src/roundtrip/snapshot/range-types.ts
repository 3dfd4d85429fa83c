import type { Inspector } from './model.js';
import { aclText, commentOf, notExtensionMember, qualify, sortedArray, text, userSchema } from './sql.js';

/** Range types: subtype, collation, operator class, canonical and subtype-difference functions, owner, privileges, comment. */
export const rangeTypes: Inspector = {
  what: 'range types',
  sql: `
SELECT n.nspname AS schema, t.typname AS name,
       pg_catalog.format_type(r.rngsubtype, NULL) AS subtype,
       CASE WHEN r.rngcollation <> 0
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END AS collation,
       opn.nspname || '.' || opc.opcname AS opclass,
       NULLIF(r.rngcanonical::pg_catalog.text, '-') AS canonical,
       NULLIF(r.rngsubdiff::pg_catalog.text, '-') AS subdiff,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       ${aclText('t.typacl', 'T', 't.typowner')} AS acl,
       ${commentOf('pg_type', 't.oid')} AS comment
FROM pg_catalog.pg_range r
JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace
LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_type', 't.oid')}`,
  toObject: (row) => ({
    kind: 'range type',
    name: qualify(row.schema, row.name),
    schema: row.schema,
    table: null,
    props: {
      subtype: text(row.subtype),
      collation: text(row.collation),
      'operator class': text(row.opclass),
      canonical: text(row.canonical),
      'subtype diff': text(row.subdiff),
      owner: text(row.owner),
      privileges: sortedArray(row.acl),
      comment: text(row.comment),
    },
  }),
};
