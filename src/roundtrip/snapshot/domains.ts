import type { Inspector } from './model.js';
import {
  aclText,
  bool,
  commentOf,
  notExtensionMember,
  qualify,
  sortedArray,
  text,
  userSchema,
} from './sql.js';

/** Domains: base type, default, not null, collation, check constraints (`name definition`), owner, privileges, comment. */
export const domains: Inspector = {
  what: 'domains',
  sql: `
SELECT n.nspname AS schema, t.typname AS name,
       pg_catalog.format_type(t.typbasetype, t.typtypmod) AS base_type,
       pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS default_expr,
       t.typnotnull AS not_null,
       CASE WHEN t.typcollation <> bt.typcollation
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END AS collation,
       ARRAY(SELECT con.conname || ' ' || pg_catalog.pg_get_constraintdef(con.oid)
             FROM pg_catalog.pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c') AS checks,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       ${aclText('t.typacl', 'T', 't.typowner')} AS acl,
       ${commentOf('pg_type', 't.oid')} AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE t.typtype = 'd' AND ${userSchema('n')} AND ${notExtensionMember('pg_type', 't.oid')}`,
  toObject: (row) => ({
    kind: 'domain',
    name: qualify(row.schema, row.name),
    schema: row.schema,
    table: null,
    props: {
      'base type': text(row.base_type),
      default: text(row.default_expr),
      'not null': bool(row.not_null),
      collation: text(row.collation),
      checks: sortedArray(row.checks),
      owner: text(row.owner),
      privileges: sortedArray(row.acl),
      comment: text(row.comment),
    },
  }),
};
