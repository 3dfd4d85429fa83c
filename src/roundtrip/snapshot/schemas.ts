import type { Inspector } from './model.js';
import { aclText, commentOf, notExtensionMember, sortedArray, text, userSchema } from './sql.js';

/** Schemas: owner, privileges, comment. */
export const schemas: Inspector = {
  what: 'schemas',
  sql: `
SELECT n.nspname AS name,
       pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
       ${aclText('n.nspacl', 'n', 'n.nspowner')} AS acl,
       ${commentOf('pg_namespace', 'n.oid')} AS comment
FROM pg_catalog.pg_namespace n
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_namespace', 'n.oid')}`,
  toObject: (row) => ({
    kind: 'schema',
    name: row.name,
    schema: row.name,
    table: null,
    props: { owner: text(row.owner), privileges: sortedArray(row.acl), comment: text(row.comment) },
  }),
};
