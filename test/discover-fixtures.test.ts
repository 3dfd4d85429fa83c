import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import { discover } from '../src/discover/index.js';
import { splitStatements } from '../src/discover/sql-split.js';
import type { Migration } from '../src/types.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';

// The format fixtures double as round-trip fixtures: prove on the real PostgreSQL that, parsed by discovery
// and split by splitStatements, each one goes up → down → up with the down restoring the schema exactly.

const root = path.resolve(import.meta.dirname, '..');
const DIRS = ['sql-pair', 'dbmate', 'goose', 'sql-migrate', 'umzug-js', 'umzug-ts'].map(
  (d) => `fixtures/formats/${d}`,
);

const SCHEMA_QUERY = `
  SELECT format('relation %s %s', c.relkind, c.relname) AS item
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('column %s.%s %s notnull=%s default=%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT format('constraint %s %s', conname, pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('enum %s %s', t.typname,
                (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
    FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype = 'e'
  UNION ALL
  SELECT format('function %s', p.oid::regprocedure) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT pg_get_triggerdef(t.oid)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
  UNION ALL
  SELECT format('comment %s %s', c.relname, obj_description(c.oid, 'pg_class'))
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND obj_description(c.oid, 'pg_class') IS NOT NULL
  ORDER BY 1`;

let admin: pg.Client;
let client: pg.Client;
const database = `mg_discover_fixtures_${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  await assertServerReachable();
  admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
});

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin?.end();
});

async function schema(): Promise<string[]> {
  return (await client.query<{ item: string }>(SCHEMA_QUERY)).rows.map((r) => r.item);
}

async function run(migration: Migration, direction: 'up' | 'down'): Promise<void> {
  if (migration.format === 'umzug') {
    const module = (await import(pathToFileURL(path.join(root, migration.path)).href)) as Record<
      string,
      (params: { context: unknown }) => Promise<void>
    >;
    const context = { client, sql: (text: string, params?: unknown[]) => client.query(text, params) };
    await client.query('BEGIN');
    await module[direction]!({ context });
    await client.query('COMMIT');
    return;
  }
  const part = migration[direction]!;
  const statements = splitStatements(part.text, part.startLine);
  expect(statements.length).toBeGreaterThan(0);
  if (migration.transaction) await client.query('BEGIN');
  for (const statement of statements) {
    try {
      await client.query(statement.text);
    } catch (error) {
      if (migration.transaction) await client.query('ROLLBACK');
      throw new Error(`${part.path}:${statement.line}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (migration.transaction) await client.query('COMMIT');
}

describe('format fixtures on PostgreSQL', () => {
  it('go up → down → up with exact downs; waived migrations only go up', async () => {
    const sets = await discover({ ...defaultConfig(root), dirs: DIRS });
    const log: string[] = [];
    for (const set of sets) {
      for (const migration of set.migrations) {
        const s0 = await schema();
        await run(migration, 'up');
        const s1 = await schema();
        if (migration.waiver) {
          expect(migration.down === null || migration.down.empty).toBe(true);
          log.push(`${migration.name}: up (waived)`);
          continue;
        }
        expect(s1, `${migration.name} changes the schema`).not.toEqual(s0);
        await run(migration, 'down');
        expect(await schema(), `${migration.name}: down restores the schema`).toEqual(s0);
        await run(migration, 'up');
        expect(await schema(), `${migration.name}: up again gives the same schema`).toEqual(s1);
        log.push(`${migration.name}: up down up`);
      }
    }
    expect(log).toHaveLength(24);
    expect(log.filter((l) => l.endsWith('(waived)'))).toHaveLength(6);
  });
});
