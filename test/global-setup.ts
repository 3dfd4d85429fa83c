import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { TEST_DATABASE_URL } from './helpers/db.js';
import { TEST_POSTGRES_IMAGE } from './helpers/docker.js';

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
  setUpDocker();
  await setUpPostgres();
}

/**
 * The container tests need a Docker engine and the local PostgreSQL image: when either is missing and this is
 * root on a machine with Debian's dockerd, `scripts/start-docker.sh` starts the engine and builds the image.
 * No image registry is reachable here: testcontainers' Ryuk image cannot be pulled (the gate removes its own
 * containers, which the tests check), and inside a container the Docker host publishes ports on loopback.
 */
function setUpDocker(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  if (existsSync('/.dockerenv')) process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  const ready = () => {
    try {
      execFileSync('docker', ['image', 'inspect', TEST_POSTGRES_IMAGE], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };
  if (ready() || process.getuid?.() !== 0) return;
  try {
    execFileSync(
      'bash',
      [join(import.meta.dirname, '..', 'scripts', 'start-docker.sh'), TEST_POSTGRES_IMAGE],
      {
        stdio: 'inherit',
      },
    );
  } catch {
    // The container tests fail with what to do (helpers/docker.ts).
  }
}

async function setUpPostgres(): Promise<void> {
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
