import type { Inspector } from './model.js';
import { sortedArray, userSchema } from './sql.js';

const OBJECTS: Record<string, string> = {
  r: 'tables',
  S: 'sequences',
  f: 'functions',
  T: 'types',
  n: 'schemas',
  L: 'large objects',
};

/**
 * `ALTER DEFAULT PRIVILEGES` entries, named `<role> on <objects>[ in <schema>]`
 * (e.g. `app on tables in public`): the privileges new objects receive.
 */
export const defaultPrivileges: Inspector = {
  what: 'default privileges',
  sql: `
SELECT pg_catalog.pg_get_userbyid(a.defaclrole) AS role, n.nspname AS schema,
       a.defaclobjtype::pg_catalog.text AS objtype, a.defaclacl::pg_catalog.text[] AS acl
FROM pg_catalog.pg_default_acl a
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = a.defaclnamespace
WHERE a.defaclnamespace = 0 OR (${userSchema('n')})`,
  toObject: (row) => {
    const objects = OBJECTS[row.objtype as string] ?? String(row.objtype);
    const schema = (row.schema as string | null) ?? null;
    return {
      kind: 'default privileges',
      name: `${row.role} on ${objects}${schema === null ? '' : ` in ${schema}`}`,
      schema,
      table: null,
      props: { privileges: sortedArray(row.acl) },
    };
  },
};
