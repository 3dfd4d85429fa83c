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

/**
 * Sequences (standalone, serial and identity): type, start, increment, bounds, cycle, cache, the column
 * that owns them, persistence, owner, privileges, comment. Never the current value.
 */
export const sequences: Inspector = {
  what: 'sequences',
  sql: `
SELECT n.nspname AS schema, c.relname AS name,
       pg_catalog.format_type(s.seqtypid, NULL) AS type,
       s.seqstart::pg_catalog.text AS start, s.seqincrement::pg_catalog.text AS increment,
       s.seqmin::pg_catalog.text AS min, s.seqmax::pg_catalog.text AS max,
       s.seqcycle AS cycle, s.seqcache::pg_catalog.text AS cache,
       own.schema AS owner_schema, own.table_name AS owner_table, own.column_name AS owner_column,
       CASE c.relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary' ELSE 'permanent' END AS persistence,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       ${aclText('c.relacl', 's', 'c.relowner')} AS acl,
       ${commentOf('pg_class', 'c.oid')} AS comment
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
  SELECT tn.nspname AS schema, t.relname AS table_name, a.attname AS column_name
  FROM pg_catalog.pg_depend dep
  JOIN pg_catalog.pg_class t ON t.oid = dep.refobjid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
  WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.objid = c.oid
    AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.refobjsubid > 0
    AND dep.deptype IN ('a', 'i')
  LIMIT 1
) own ON true
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`,
  toObject: (row) => {
    const ownedBy = row.owner_column ? qualify(row.owner_schema, row.owner_table, row.owner_column) : null;
    return {
      kind: 'sequence',
      name: qualify(row.schema, row.name),
      schema: row.schema,
      table: row.owner_column ? qualify(row.owner_schema, row.owner_table) : null,
      props: {
        type: text(row.type),
        start: text(row.start),
        increment: text(row.increment),
        min: text(row.min),
        max: text(row.max),
        cycle: bool(row.cycle),
        cache: text(row.cache),
        'owned by': ownedBy,
        persistence: text(row.persistence),
        owner: text(row.owner),
        privileges: sortedArray(row.acl),
        comment: text(row.comment),
      },
    };
  },
};
