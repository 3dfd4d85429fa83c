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
