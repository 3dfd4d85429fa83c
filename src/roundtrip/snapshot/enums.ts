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

/** Enum types: labels in their declared order, owner, privileges, comment. */
export const enums: Inspector = {
  what: 'enum types',
  sql: `
SELECT n.nspname AS schema, t.typname AS name,
       ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)::pg_catalog.text[] AS labels,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       ${aclText('t.typacl', 'T', 't.typowner')} AS acl,
       ${commentOf('pg_type', 't.oid')} AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND ${userSchema('n')} AND ${notExtensionMember('pg_type', 't.oid')}`,
  toObject: (row) => ({
    kind: 'enum',
    name: qualify(row.schema, row.name),
    schema: row.schema,
    table: null,
    props: {
      labels: textArray(row.labels),
      owner: text(row.owner),
      privileges: sortedArray(row.acl),
      comment: text(row.comment),
    },
  }),
};
