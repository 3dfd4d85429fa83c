import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { SCRATCH_PREFIX, scratchName } from './pg-connect.js';
import { quoteIdent } from '../sql-text.js';
import { errorText } from '../../types.js';

/**
 * What the gate keeps track of on a server besides its scratch databases: the run's own role, the comments
 * that date every database and role it creates (so that a later run finds what a killed one left), the
 * cluster-wide objects migrations create, and the lock that keeps privileged runs on one server apart.
 */

const COMMENT_PREFIX = 'migration-gate scratch created ';
const COMMENT = /^migration-gate scratch created (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)$/;

/** The comment on every scratch database and run role: `migration-gate scratch created 2026-12-02T15:00:00Z`. */
export function creationComment(now: Date): string {
  return COMMENT_PREFIX + now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The creation time a gate comment states, or null when the text is not one. */
export function createdAt(comment: string | null | undefined): Date | null {
  const match = COMMENT.exec(comment ?? '');
  if (!match) return null;
  const time = new Date(match[1]!);
  return Number.isNaN(time.getTime()) ? null : time;
}

/** A SCRAM-SHA-256 verifier of `password`: the server stores it as is and never sees the password itself. */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** The run's own login role. */
export interface RunRole {
  name: string;
  password: string;
}

/**
 * Creates the run's login role (`migration_gate_<random>`, random password, no SUPERUSER, CREATEDB, CREATEROLE,
 * REPLICATION or BYPASSRLS), dated by its comment, and makes the current role a member of it so that it may
 * create databases owned by it and drop them again.
 */
export async function createRunRole(client: pg.Client, now: Date): Promise<RunRole> {
  const name = scratchName();
  const password = randomBytes(24).toString('base64url');
  await client.query(
    `CREATE ROLE ${quoteIdent(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ` +
      `INHERIT PASSWORD ${pg.escapeLiteral(scramVerifier(password))}`,
  );
  await client.query(
    `COMMENT ON ROLE ${quoteIdent(name)} IS ${pg.escapeLiteral(creationComment(now))};
     GRANT ${quoteIdent(name)} TO CURRENT_USER`,
  );
  return { name, password };
}

/** Ends every session of `role`, drops what it owns in the current database, then the role. */
export async function dropRole(client: pg.Client, role: string): Promise<void> {
  const exists = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role]);
  if (exists.rowCount === 0) return;
  await client.query(
    'SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = $1',
    [role],
  );
  await client.query(`DROP OWNED BY ${quoteIdent(role)}`);
  await client.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
}

/** Drops a database, ending its sessions first. */
export async function dropDatabase(client: pg.Client, name: string, versionNum: number): Promise<void> {
  if (versionNum >= 130000) {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    return;
  }
  await client.query(
    'SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()',
    [name],
  );
  await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
}

/** What `dropStale` did. */
export interface StaleCleanup {
  dropped: string[];
  /** `name: reason` of each leftover that could not be dropped. */
  failed: string[];
}

/**
 * Drops the scratch databases and run roles of earlier runs (gate prefix AND a gate comment) created more than
 * `hours` ago: what a run killed with SIGKILL, or on a machine that went away, left behind.
 */
export async function dropStale(
  client: pg.Client,
  hours: number,
  now: Date,
  versionNum: number,
): Promise<StaleCleanup> {
  const pattern = `${SCRATCH_PREFIX.replace(/_/g, '\\_')}%`;
  const rows = await client.query<{ kind: 'database' | 'role'; name: string; comment: string | null }>(
    `SELECT 'database' AS kind, datname AS name, pg_catalog.shobj_description(oid, 'pg_database') AS comment
       FROM pg_catalog.pg_database WHERE datname LIKE $1
     UNION ALL
     SELECT 'role', rolname, pg_catalog.shobj_description(oid, 'pg_authid')
       FROM pg_catalog.pg_roles WHERE rolname LIKE $1`,
    [pattern],
  );
  const limit = now.getTime() - hours * 3_600_000;
  const stale = rows.rows.filter((r) => {
    const created = createdAt(r.comment);
    return created !== null && created.getTime() < limit;
  });
  const result: StaleCleanup = { dropped: [], failed: [] };
  // Databases first: a role that still owns one cannot be dropped.
  for (const kind of ['database', 'role'] as const) {
    for (const { name } of stale.filter((r) => r.kind === kind)) {
      try {
        if (kind === 'database') await dropDatabase(client, name, versionNum);
        else await dropRole(client, name);
        result.dropped.push(name);
      } catch (error) {
        result.failed.push(`${name}: ${errorText(error)}`);
      }
    }
  }
  return result;
}

/** Key of the advisory lock that keeps privileged runs on one server apart from every other run. */
const SERVER_LOCK_KEY = 7_236_284_517_420_151n;
const LOCK_POLL_MS = 500;

/**
 * Takes the server lock on `client`'s session: shared for runs whose migrations cannot change anything outside
 * their scratch database, exclusive for privileged ones (their roles, tablespaces and server settings would
 * otherwise show up in the other runs' snapshots, and two of them would create the same role). Returns the
 * milliseconds spent waiting.
 */
export async function lockServer(client: pg.Client, exclusive: boolean): Promise<number> {
  const started = Date.now();
  const fn = exclusive ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
  for (;;) {
    const result = await client.query<{ ok: boolean }>(`SELECT pg_catalog.${fn}($1::bigint) AS ok`, [
      SERVER_LOCK_KEY.toString(),
    ]);
    if (result.rows[0]?.ok) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** Roles, tablespaces and `ALTER SYSTEM` settings of the server at one moment. */
interface ClusterState {
  roles: Set<string>;
  tablespaces: Set<string>;
  /** Settings in `postgresql.auto.conf` by name, or null when this role may not read them. */
  system: Map<string, string> | null;
}

/**
 * The cluster-wide objects migrations create when they run with the rights to (privileged): recorded around every
 * step, and removed or restored at the end of the run. Only what appeared while a step ran counts, so objects
 * that others create on the same server meanwhile are left alone.
 */
export class ClusterTracker {
  private readonly roles = new Set<string>();
  private readonly tablespaces = new Set<string>();
  /** Value of each `ALTER SYSTEM` setting a step changed, before the first change (null: not set). */
  private readonly system = new Map<string, string | null>();
  private canReadSystem: boolean | null = null;

  constructor(
    private readonly client: () => Promise<pg.Client>,
    private readonly notes: string[],
  ) {}

  /** Runs `step`, noting what it created. */
  async watch<T>(label: string, step: () => Promise<T>): Promise<T> {
    const before = await this.read();
    try {
      return await step();
    } finally {
      const after = await this.read().catch(() => null);
      if (after) this.record(label, before, after);
    }
  }

  private record(label: string, before: ClusterState, after: ClusterState): void {
    for (const role of after.roles) if (!before.roles.has(role)) this.roles.add(role);
    for (const space of after.tablespaces) if (!before.tablespaces.has(space)) this.tablespaces.add(space);
    if (!before.system || !after.system) return;
    const names = new Set([...before.system.keys(), ...after.system.keys()]);
    for (const name of names) {
      const old = before.system.get(name) ?? null;
      if (old === (after.system.get(name) ?? null) || this.system.has(name)) continue;
      this.system.set(name, old);
      this.notes.push(
        `${label} changed the server setting ${name} with ALTER SYSTEM; migration-gate restored it at the end of the run`,
      );
    }
  }

  private async read(): Promise<ClusterState> {
    const client = await this.client();
    if (this.canReadSystem === null) {
      const result = await client.query<{ ok: boolean }>(
        "SELECT pg_catalog.has_table_privilege('pg_catalog.pg_file_settings', 'SELECT') AS ok",
      );
      this.canReadSystem = result.rows[0]?.ok === true;
    }
    const result = await client.query<{ kind: string; name: string; value: string | null }>(
      `SELECT 'role' AS kind, rolname AS name, NULL AS value FROM pg_catalog.pg_roles
       UNION ALL SELECT 'tablespace', spcname, NULL FROM pg_catalog.pg_tablespace` +
        (this.canReadSystem
          ? ` UNION ALL SELECT 'system', name, setting FROM pg_catalog.pg_file_settings
               WHERE sourcefile LIKE '%postgresql.auto.conf'`
          : ''),
    );
    const state: ClusterState = {
      roles: new Set(),
      tablespaces: new Set(),
      system: this.canReadSystem ? new Map() : null,
    };
    for (const row of result.rows) {
      if (row.kind === 'role') state.roles.add(row.name);
      else if (row.kind === 'tablespace') state.tablespaces.add(row.name);
      else state.system?.set(row.name, row.value ?? '');
    }
    return state;
  }

  /**
   * Removes what the steps created (tablespaces, then roles) and restores the `ALTER SYSTEM` settings they
   * changed. Returns one line per object that could not be removed; notes what it removed.
   */
  async undo(): Promise<string[]> {
    const client = await this.client();
    const problems: string[] = [];
    const removed: string[] = [];
    for (const space of this.tablespaces) {
      try {
        const exists = await client.query('SELECT 1 FROM pg_catalog.pg_tablespace WHERE spcname = $1', [
          space,
        ]);
        if (exists.rowCount === 0) continue;
        await client.query(`DROP TABLESPACE ${quoteIdent(space)}`);
        removed.push(`tablespace ${space}`);
      } catch (error) {
        problems.push(`tablespace ${space}: ${errorText(error)}`);
      }
    }
    for (const role of this.roles) {
      try {
        const exists = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role]);
        if (exists.rowCount === 0) continue;
        await dropRole(client, role);
        removed.push(`role ${role}`);
      } catch (error) {
        problems.push(`role ${role}: ${errorText(error)}`);
      }
    }
    if (this.system.size > 0) {
      try {
        for (const [name, value] of this.system) {
          await client.query(
            value === null
              ? `ALTER SYSTEM RESET ${quoteIdent(name)}`
              : `ALTER SYSTEM SET ${quoteIdent(name)} = ${pg.escapeLiteral(value)}`,
          );
        }
        await client.query('SELECT pg_catalog.pg_reload_conf()');
      } catch (error) {
        problems.push(`server settings ${[...this.system.keys()].join(', ')}: ${errorText(error)}`);
      }
    }
    this.tablespaces.clear();
    this.roles.clear();
    this.system.clear();
    if (removed.length > 0) {
      this.notes.push(
        `migration-gate removed what the migrations created on the server: ${removed.join(', ')}`,
      );
    }
    return problems;
  }
}
