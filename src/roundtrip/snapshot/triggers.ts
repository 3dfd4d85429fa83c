import type { Inspector } from './model.js';
import { commentOf, notExtensionMember, qualify, text, userSchema } from './sql.js';

/** User triggers (internal foreign-key triggers excluded), keyed by table and name: definition, firing state, comment. */
export const triggers: Inspector = {
  what: 'triggers',
  sql: `
SELECT n.nspname AS schema, c.relname AS table_name, t.tgname AS name,
       pg_catalog.pg_get_triggerdef(t.oid) AS definition,
       CASE t.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' ELSE 'origin' END AS enabled,
       ${commentOf('pg_trigger', 't.oid')} AS comment
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND ${userSchema('n')} AND ${notExtensionMember('pg_class', 'c.oid')}`,
  toObject: (row) => ({
    kind: 'trigger',
    name: qualify(row.schema, row.table_name, row.name),
    schema: row.schema,
    table: qualify(row.schema, row.table_name),
    props: { definition: text(row.definition), enabled: text(row.enabled), comment: text(row.comment) },
  }),
};
