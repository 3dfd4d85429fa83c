import pg from 'pg';
import type { ClusterScope, Inspector, Queryable } from './model.js';

export type { ClusterScope } from './model.js';
import { aclText, bool, sortedArray, text } from './sql.js';

/**
 * Cluster-wide objects in the snapshot: roles, role memberships, tablespaces, per-database and per-role settings
 * and `ALTER SYSTEM` settings. A migration that creates a role in up and leaves it after down is a
 * `down-mismatch` like a table would be.
 */

/** The gate's own scratch databases and run roles, left out (concurrent runs create and drop them). */
const GATE_NAME = "LIKE 'migration\\_gate\\_%'";

/** The scope for snapshots on `client`, given who runs the steps. */
export async function clusterScope(
  client: Queryable,
  access: { role: string; restricted: boolean } | undefined,
): Promise<ClusterScope> {
  const full = !access?.restricted;
  if (!full) return { full, role: access!.role, system: false };
  const result = await client.query(
    "SELECT pg_catalog.has_table_privilege('pg_catalog.pg_file_settings', 'SELECT') AS ok",
  );
  return { full, role: access?.role ?? null, system: bool(result.rows[0]?.ok) };
}

function roleExpr(scope: ClusterScope): string {
  return scope.role === null ? 'CURRENT_USER' : pg.escapeLiteral(scope.role);
}

const ROLE_PROPS: [string, string][] = [
  ['superuser', 'rolsuper'],
  ['inherit', 'rolinherit'],
  ['createrole', 'rolcreaterole'],
  ['createdb', 'rolcreatedb'],
  ['login', 'rolcanlogin'],
  ['replication', 'rolreplication'],
  ['bypassrls', 'rolbypassrls'],
];

const roles: Inspector = {
  what: 'roles',
  sql: `
SELECT r.rolname AS name, ${ROLE_PROPS.map(([, c]) => `r.${c}`).join(', ')},
       r.rolconnlimit::text AS connlimit, r.rolvaliduntil::text AS validuntil,
       pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment
FROM pg_catalog.pg_roles r
WHERE r.rolname !~ '^pg_' AND r.rolname NOT ${GATE_NAME}`,
  toObject: (row) => ({
    kind: 'role',
    name: row.name,
    schema: null,
    table: null,
    props: {
      ...Object.fromEntries(ROLE_PROPS.map(([prop, column]) => [prop, bool(row[column])])),
      'connection limit': text(row.connlimit),
      'valid until': text(row.validuntil),
      comment: text(row.comment),
    },
  }),
};

const memberships: Inspector = {
  what: 'role memberships',
  sql: `
SELECT g.rolname AS role, m.rolname AS member,
       (pg_catalog.to_jsonb(a) - ARRAY['oid', 'roleid', 'member', 'grantor'])::text AS options
FROM pg_catalog.pg_auth_members a
JOIN pg_catalog.pg_roles g ON g.oid = a.roleid
JOIN pg_catalog.pg_roles m ON m.oid = a.member
WHERE g.rolname NOT ${GATE_NAME} AND m.rolname NOT ${GATE_NAME}`,
  toObject: (row) => ({
    kind: 'role membership',
    name: `${row.role} granted to ${row.member}`,
    schema: null,
    table: null,
    props: { options: text(row.options) },
  }),
};

const tablespaces: Inspector = {
  what: 'tablespaces',
  sql: `
SELECT t.spcname AS name, pg_catalog.pg_get_userbyid(t.spcowner) AS owner,
       pg_catalog.pg_tablespace_location(t.oid) AS location, t.spcoptions::text[] AS options,
       ${aclText('t.spcacl', 't', 't.spcowner')} AS acl,
       pg_catalog.shobj_description(t.oid, 'pg_tablespace') AS comment
FROM pg_catalog.pg_tablespace t`,
  toObject: (row) => ({
    kind: 'tablespace',
    name: row.name,
    schema: null,
    table: null,
    props: {
      owner: text(row.owner),
      location: text(row.location),
      options: sortedArray(row.options),
      privileges: sortedArray(row.acl),
      comment: text(row.comment),
    },
  }),
};

/** `ALTER DATABASE … SET` / `ALTER ROLE … SET` settings (`pg_db_role_setting`). */
function settings(scope: ClusterScope): Inspector {
  const role = roleExpr(scope);
  const filter = scope.full
    ? `(s.setdatabase = 0 OR d.datname = pg_catalog.current_database() OR d.datname NOT ${GATE_NAME})
       AND (s.setrole = 0 OR r.rolname = ${role} OR r.rolname NOT ${GATE_NAME})`
    : `(s.setdatabase = 0 OR d.datname = pg_catalog.current_database())
       AND (s.setrole = 0 AND s.setdatabase <> 0 OR r.rolname = ${role})`;
  return {
    what: 'database and role settings',
    sql: `
SELECT CASE WHEN s.setdatabase = 0 THEN NULL
            WHEN d.datname = pg_catalog.current_database() THEN '(the scratch database)'
            ELSE d.datname END AS database,
       CASE WHEN s.setrole = 0 THEN NULL
            WHEN r.rolname = ${role} THEN '(the migration role)'
            ELSE r.rolname END AS role,
       s.setconfig AS config
FROM pg_catalog.pg_db_role_setting s
LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
WHERE ${filter}`,
    toObject: (row) => ({
      kind: 'setting',
      name:
        row.role === null
          ? `database ${row.database}`
          : row.database === null
            ? `role ${row.role}`
            : `role ${row.role} in database ${row.database}`,
      schema: null,
      table: null,
      props: { settings: sortedArray(row.config) },
    }),
  };
}

const systemSettings: Inspector = {
  what: 'server settings (ALTER SYSTEM)',
  sql: `
SELECT f.name, f.setting
FROM pg_catalog.pg_file_settings f
WHERE f.sourcefile LIKE '%postgresql.auto.conf'`,
  toObject: (row) => ({
    kind: 'server setting',
    name: row.name,
    schema: null,
    table: null,
    props: { value: text(row.setting) },
  }),
};

/** The inspectors of the cluster-wide objects in `scope`. */
export function clusterInspectors(scope: ClusterScope): Inspector[] {
  if (!scope.full) return [settings(scope)];
  return [roles, memberships, tablespaces, settings(scope), ...(scope.system ? [systemSettings] : [])];
}
