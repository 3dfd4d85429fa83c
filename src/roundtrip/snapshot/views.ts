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

/** Views and materialized views: definition, options, owner, privileges, comment (and whether a materialized view holds data). */
export const views: Inspector = {
  what: 'views',
  sql: `
SELECT n.nspname AS schema, c.relname AS name, c.relkind::pg_catalog.text AS relkind,
       pg_catalog.pg_get_viewdef(c.oid) AS definition,
       c.relispopulated AS populated,
       c.reloptions::pg_catalog.text[] AS options,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       ${aclText('c.relacl', 'r', 'c.relowner')} AS acl,
       ${commentOf('pg_class', 'c.oid')} AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`,
  toObject: (row) => {
    const materialized = row.relkind === 'm';
    return {
      kind: materialized ? 'materialized view' : 'view',
      name: qualify(row.schema, row.name),
      schema: row.schema,
      table: qualify(row.schema, row.name),
      props: {
        definition: text(row.definition),
        ...(materialized ? { populated: bool(row.populated) } : {}),
        options: sortedArray(row.options),
        owner: text(row.owner),
        privileges: sortedArray(row.acl),
        comment: text(row.comment),
      },
    };
  },
};
