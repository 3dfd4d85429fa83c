import type { Inspector } from './model.js';
import { bool, commentOf, notExtensionMember, qualify, sortedArray, text, userSchema } from './sql.js';

/** Row-level security policies, keyed by table and name: command, permissive, roles, USING, WITH CHECK, comment. */
export const policies: Inspector = {
  what: 'policies',
  sql: `
SELECT n.nspname AS schema, c.relname AS table_name, p.polname AS name,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
       p.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r.oid) END
             FROM pg_catalog.unnest(p.polroles) AS r(oid))::pg_catalog.text[] AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr,
       ${commentOf('pg_policy', 'p.oid')} AS comment
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`,
  toObject: (row) => ({
    kind: 'policy',
    name: qualify(row.schema, row.table_name, row.name),
    schema: row.schema,
    table: qualify(row.schema, row.table_name),
    props: {
      command: text(row.command),
      permissive: bool(row.permissive),
      roles: sortedArray(row.roles),
      using: text(row.using_expr),
      'with check': text(row.check_expr),
      comment: text(row.comment),
    },
  }),
};
