import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import { orderAlembic } from '../src/discover/formats/alembic.js';
import { parseRevisions } from './helpers/alembic.js';
import { alembicExecutor } from '../src/roundtrip/executors/alembic.js';
import { EmbeddedProvider } from '../src/roundtrip/providers/embedded.js';
import { StepError, type ScratchDatabase, type StepContext } from '../src/roundtrip/types.js';
import type { Migration } from '../src/types.js';

const PROJECT = fileURLToPath(new URL('../fixtures/alembic/project/', import.meta.url));
const config = defaultConfig(PROJECT);

function load(): Migration[] {
  return orderAlembic(parseRevisions(PROJECT, 'migrations/versions', config));
}

describe('alembicExecutor on the embedded database', () => {
  const provider = new EmbeddedProvider();
  let db: ScratchDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    await provider.start();
    db = await provider.createScratch();
    client = await db.connect();
  });
  afterAll(async () => {
    await client?.end().catch(() => undefined);
    await provider.close();
  });

  async function tables(): Promise<string[]> {
    const result = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    return result.rows.map((r) => r.name);
  }

  it('reaches the embedded database over its local socket while the gate holds a session on it', async () => {
    const [create, status, , normalize] = load();
    const ctx: StepContext = { client, db, config, timeoutMs: 30_000, signal: new AbortController().signal };
    await alembicExecutor.run(create!, 'up', ctx);
    await alembicExecutor.run(status!, 'up', ctx);
    expect(await tables()).toEqual(['alembic_version', 'customers']);
    await alembicExecutor.run(status!, 'down', ctx);
    await alembicExecutor.run(create!, 'down', ctx);
    expect(await tables()).toEqual(['alembic_version']);

    // `upgrade <rev>` applies the revisions before it too; the irreversible downgrade fails on its own line.
    await alembicExecutor.run(normalize!, 'up', ctx);
    const down = await alembicExecutor.run(normalize!, 'down', ctx).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(StepError);
    expect(down).toMatchObject({
      path: 'migrations/versions/202611041200_normalize_customer_emails.py',
      line: 24,
    });
  });
});
