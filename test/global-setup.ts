import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { TEST_DATABASE_URL } from './helpers/db.js';

async function reachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The database tests need a real PostgreSQL. When the default local server is not running but Debian's
 * cluster tools are installed (as on CI), start it and set the test password; otherwise fail with what to do.
 * Never skips: a suite without its database fails.
 */
export default async function setup(): Promise<void> {
  if ((await reachable()) === null) return;
  const usingDefault =
    !process.env.MIGRATION_GATE_TEST_DATABASE_URL?.trim() ||
    process.env.MIGRATION_GATE_TEST_DATABASE_URL.includes('127.0.0.1:5432');
  if (usingDefault && existsSync('/usr/bin/pg_ctlcluster') && process.getuid?.() === 0) {
    try {
      execFileSync('pg_ctlcluster', ['15', 'main', 'start'], { stdio: 'pipe' });
    } catch {
      // Already running, or started by another process meanwhile: the reachability check below decides.
    }
    try {
      execFileSync('su', ['postgres', '-c', `psql -qX -c "ALTER USER postgres PASSWORD 'postgres'"`], {
        stdio: 'pipe',
      });
    } catch {
      // Reported below through the connection error.
    }
  }
  const error = await reachable();
  if (error !== null) {
    throw new Error(
      `The database tests need PostgreSQL at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (${error}). ` +
        `Run 'bash .ci/run' once (it installs and starts PostgreSQL 15), or set MIGRATION_GATE_TEST_DATABASE_URL.`,
    );
  }
}
