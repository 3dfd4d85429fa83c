import type { Inspector } from './model.js';
import {
  aclText,
  bool,
  commentOf,
  notExtensionMember,
  qualify,
  sortedArray,
  text,
  textArray,
  userSchema,
} from './sql.js';

/**
 * Tables, partitioned tables, partitions and foreign tables: partitioning, inheritance, persistence,
 * row-level security, storage options, replica identity, owner, privileges, comment.
 */
export const tables: Inspector = {
  what: 'tables',
  sql: `
SELECT n.nspname AS schema, c.relname AS name,
       CASE c.relkind WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table' ELSE 'table' END AS type,
       CASE c.relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary' ELSE 'permanent' END AS persistence,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       ARRAY(SELECT pn.nspname || '.' || pc.relname
             FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
             JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE i.inhrelid = c.oid
             ORDER BY i.inhseqno) AS parents,
       c.relispartition AS is_partition,
       c.relrowsecurity AS row_security,
       c.relforcerowsecurity AS force_row_security,
       c.reloptions::pg_catalog.text[] AS options,
       CASE c.relreplident WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full' WHEN 'i' THEN 'index' ELSE 'default' END AS replica_identity,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       ${aclText('c.relacl', 'r', 'c.relowner')} AS acl,
       ${commentOf('pg_class', 'c.oid')} AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f') AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`,
  toObject: (row) => {
    const parents = textArray(row.parents);
    const partition = bool(row.is_partition);
    return {
      kind: 'table',
      name: qualify(row.schema, row.name),
      schema: row.schema,
      table: qualify(row.schema, row.name),
      props: {
        type: text(row.type),
        persistence: text(row.persistence),
        'partition key': text(row.partition_key),
        'partition of': partition ? (parents[0] ?? null) : null,
        'partition bound': text(row.partition_bound),
        inherits: partition ? [] : parents,
        'row security': bool(row.row_security),
        'force row security': bool(row.force_row_security),
        options: sortedArray(row.options),
        'replica identity': text(row.replica_identity),
        owner: text(row.owner),
        privileges: sortedArray(row.acl),
        comment: text(row.comment),
      },
    };
  },
};
