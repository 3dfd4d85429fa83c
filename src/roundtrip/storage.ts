import pg from 'pg';
import type { UmzugStorage } from 'umzug';

/** The schema of the scratch database where the Umzug storage keeps its log (left out of snapshots). */
export const STORAGE_SCHEMA = 'migration_gate';

/** SQL that creates the storage schema and its table when they are missing. */
export const STORAGE_SQL = `CREATE SCHEMA IF NOT EXISTS ${STORAGE_SCHEMA};
         CREATE TABLE IF NOT EXISTS ${STORAGE_SCHEMA}.executed (
           name text PRIMARY KEY,
           seq bigint GENERATED ALWAYS AS IDENTITY
         )`;

/** SQL that records migrations as applied in the gate's storage (what Umzug's `logMigration` does, in bulk). */
export function logSql(names: string[]): string {
  return `INSERT INTO ${STORAGE_SCHEMA}.executed (name) VALUES ${names.map((n) => `(${pg.escapeLiteral(n)})`).join(', ')}`;
}

/** Umzug's storage contract, kept in the scratch database itself. */
export function scratchStorage(client: pg.Client): UmzugStorage<object> {
  return {
    async logMigration({ name }) {
      await client.query(
        `INSERT INTO ${STORAGE_SCHEMA}.executed (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
        [name],
      );
    },
    async unlogMigration({ name }) {
      await client.query(`DELETE FROM ${STORAGE_SCHEMA}.executed WHERE name = $1`, [name]);
    },
    async executed() {
      const result = await client.query<{ name: string }>(
        `SELECT name FROM ${STORAGE_SCHEMA}.executed ORDER BY seq`,
      );
      return result.rows.map((r) => r.name);
    },
  };
}

/** The gate's storage as a step may have left it: its objects and the names it lists, or null when it is gone. */
export interface StorageState {
  /** Relations of the schema, the table's columns, triggers and rules, RLS and owner, as one text. */
  structure: string;
  /** Applied migrations, in order. */
  names: string[];
}

/** Reads the storage's state (one query); null when the schema or its table no longer exists. */
export async function readStorage(client: pg.Client): Promise<StorageState | null> {
  const result = await client
    .query<{ structure: string | null; names: string[] | null }>(
      `SELECT pg_catalog.concat_ws('|',
              (SELECT pg_catalog.string_agg(
                        pg_catalog.concat_ws(':', c.relname, c.relkind, c.relowner, c.relrowsecurity, c.relacl),
                        ',' ORDER BY c.relname)
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = '${STORAGE_SCHEMA}'),
              (SELECT pg_catalog.string_agg(pg_catalog.concat_ws(':', a.attname, a.atttypid), ',' ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped),
              (SELECT count(*) FROM pg_catalog.pg_trigger g WHERE g.tgrelid = t.oid),
              (SELECT count(*) FROM pg_catalog.pg_rewrite r WHERE r.ev_class = t.oid),
              (SELECT count(*) FROM pg_catalog.pg_policy p WHERE p.polrelid = t.oid)) AS structure,
            (SELECT pg_catalog.array_agg(e.name ORDER BY e.seq) FROM ${STORAGE_SCHEMA}.executed e) AS names
       FROM pg_catalog.pg_class t
      WHERE t.oid = pg_catalog.to_regclass('${STORAGE_SCHEMA}.executed')`,
    )
    .catch((error: unknown) => {
      // The table's name resolves, but its schema or the table went away meanwhile, or it is no table any more.
      if (['42P01', '3F000', '42809'].includes((error as { code?: string }).code ?? '')) return { rows: [] };
      throw error;
    });
  const row = result.rows[0];
  if (!row) return null;
  return { structure: row.structure ?? '', names: row.names ?? [] };
}

/**
 * What a step did to the storage, from its state before and after (null when it is untouched): `dropped …`,
 * or `wrote into …`.
 */
export function storageTampering(before: StorageState | null, after: StorageState | null): string | null {
  if (before === null) return null;
  if (after === null) return `dropped the gate's storage (${STORAGE_SCHEMA}.executed)`;
  if (after.structure !== before.structure) return `changed the gate's storage schema ${STORAGE_SCHEMA}`;
  if (after.names.join('\n') !== before.names.join('\n')) {
    return `wrote into the gate's storage table ${STORAGE_SCHEMA}.executed`;
  }
  return null;
}
