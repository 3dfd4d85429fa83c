import pg from 'pg';

/**
 * URL of the real PostgreSQL server the database tests use. `.ci/run` starts one and exports it;
 * locally the default matches `.ci/run`'s setup. Tests FAIL (never skip) when it cannot be reached.
 */
export const TEST_DATABASE_URL =
  process.env.MIGRATION_GATE_TEST_DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/postgres';

/** Fails loudly when the test server is unreachable. */
export async function assertServerReachable(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `The test PostgreSQL at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} is unreachable ` +
        `(${(error as Error).message}). Run .ci/run, or start PostgreSQL and set MIGRATION_GATE_TEST_DATABASE_URL.`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `fn` on a new connection to the test server as its administrator role; the connection is closed after. */
export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
