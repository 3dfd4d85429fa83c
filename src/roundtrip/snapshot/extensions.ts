import type { Inspector } from './model.js';
import { text } from './sql.js';

/** Extensions: the schema they live in and their version (their members are not listed one by one). */
export const extensions: Inspector = {
  what: 'extensions',
  sql: `
SELECT e.extname AS name, n.nspname AS schema, e.extversion AS version
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace`,
  toObject: (row) => ({
    kind: 'extension',
    name: row.name,
    schema: null,
    table: null,
    props: { schema: text(row.schema), version: text(row.version) },
  }),
};
