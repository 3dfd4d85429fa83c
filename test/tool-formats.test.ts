import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NAMING_PRESETS } from '../src/config/defaults.js';
import type { GateConfig } from '../src/config/types.js';
import { discover } from '../src/discover/index.js';
import { lint } from '../src/lint/index.js';
import { UrlProvider } from '../src/roundtrip/providers/url.js';
import { runRoundTrips } from '../src/roundtrip/runner.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';
import { TOOLS, installToolFixtures, toolFixture, type Tool } from './helpers/tool-fixtures.js';
import { writeHistory } from './helpers/tool-histories.js';
import { TrackingProvider, databasesLeft, roundTripConfig } from './roundtrip-support.js';

const PRESET: Record<Tool, string> = {
  sequelize: 'sequelize',
  knex: 'knex',
  'node-pg-migrate': 'node-pg-migrate',
};

/** A configuration rooted at the tool's fixture project, with the tool's naming preset. */
export function toolConfig(tool: Tool, overrides: Partial<GateConfig> = {}): GateConfig {
  return roundTripConfig({
    cwd: toolFixture(tool),
    namingPattern: new RegExp(NAMING_PRESETS[PRESET[tool]]!),
    namingPatternSource: PRESET[tool],
    ...overrides,
  });
}

const LOSSY: Record<Tool, { name: string; index: string }> = {
  sequelize: { name: '20240103120000-index-users-created', index: 'public.users_created_at_idx' },
  knex: { name: '20240103120000_index_account_created', index: 'public.accounts_created_at_idx' },
  'node-pg-migrate': { name: '1704283200000_index-order-total', index: 'public.orders_total_idx' },
};

/** The table the lossy migration changes: its lock is seen where the tool runs the migration in a transaction. */
const LOCKED: Record<Tool, string | null> = {
  sequelize: null, // sequelize-cli wraps no transaction around a migration
  knex: 'public.accounts',
  'node-pg-migrate': 'public.orders',
};

const HISTORY_TABLES: Record<Tool, string[]> = {
  sequelize: ['public.SequelizeMeta'],
  knex: ['public.knex_migrations', 'public.knex_migrations_lock', 'public.knex_history'],
  'node-pg-migrate': ['public.pgmigrations', 'public.pg_history'],
};

let provider: TrackingProvider | null = null;
const made: string[] = [];

beforeAll(async () => {
  installToolFixtures();
  for (const tool of TOOLS) mkdirSync(path.join(toolFixture(tool), '.tmp'), { recursive: true });
  await assertServerReachable();
}, 600_000);

afterEach(async () => {
  const names = provider?.created.map((s) => s.name) ?? [];
  provider = null;
  expect(await databasesLeft(names)).toEqual([]);
});

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe.each(TOOLS)('%s migrations', (tool) => {
  it('are found where the tool is configured to keep them, and detected as the tool', async () => {
    const [set] = await discover(toolConfig(tool));
    expect(set!.dir).toBe('db/migrations');
    expect(set!.format).toBe(tool);
    expect(set!.historyTables).toEqual(HISTORY_TABLES[tool]);
    expect(set!.migrations.map((m) => m.format)).toEqual([tool, tool, tool]);
    expect(lint([set!], toolConfig(tool)).filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('run through Umzug with the tool: a forgotten index removal is a down-mismatch naming the index', async () => {
    const config = toolConfig(tool);
    const sets = await discover(config);
    provider = new TrackingProvider(new UrlProvider(TEST_DATABASE_URL));
    const outcome = await runRoundTrips(sets, config, { provider });
    // The index left behind also makes the second up fail where it creates the index again.
    expect(outcome.findings.map((f) => [f.rule, f.migration])).toEqual([
      ['down-mismatch', LOSSY[tool].name],
      ['reup-failed', LOSSY[tool].name],
    ]);
    expect(outcome.findings[0]!.message).toContain(`index ${LOSSY[tool].index}`);
    expect(outcome.findings[1]!.message).toContain('already exists');
    // The impact names the lock the up held before its tool committed, or says it could not be seen.
    const lossy = sets[0]!.migrations.find((m) => m.name === LOSSY[tool].name)!;
    const impact = outcome.results.get(lossy.path)!.impact!;
    if (LOCKED[tool] === null) {
      expect(impact.locks ?? []).toEqual([]);
      expect(impact.notes?.join(' ')).toMatch(/^locks not observed/);
    } else {
      expect(impact.locks?.map((l) => l.relation)).toContain(LOCKED[tool]);
      expect(impact.notes ?? []).toEqual([]);
    }
    for (const m of sets[0]!.migrations.filter((m) => m.name !== LOSSY[tool].name)) {
      expect(outcome.results.get(m.path)!.roundtrip).toMatchObject({
        up: { status: 'pass' },
        down: { status: 'pass' },
        reup: { status: 'pass' },
      });
    }
  });

  it('pass a correct history of 30 migrations with zero findings', async () => {
    const dir = writeHistory(tool, path.join(toolFixture(tool), '.tmp'), 30);
    made.push(dir);
    const config = toolConfig(tool, { dirs: [dir] });
    const sets = await discover(config);
    expect(sets[0]!.format).toBe(tool);
    expect(sets[0]!.migrations).toHaveLength(30);
    provider = new TrackingProvider(new UrlProvider(TEST_DATABASE_URL));
    const outcome = await runRoundTrips(sets, config, { provider });
    expect([...lint(sets, config), ...outcome.findings]).toEqual([]);
    expect([...outcome.results.values()].every((r) => r.roundtrip?.reup.status === 'pass')).toBe(true);
  });
});

describe('a failing tool migration', () => {
  it('is blamed on its file and line: where the stack reaches the module, else its function', async () => {
    const write = (tool: Tool, name: string, text: string) => {
      const dir = mkdtempSync(path.join(toolFixture(tool), '.tmp', 'failing-'));
      made.push(dir);
      writeFileSync(path.join(dir, name), text);
      return dir;
    };
    const sequelizeDir = write(
      'sequelize',
      '20240101120000-add-column.js',
      `'use strict';\n// requirements: APP-1\nmodule.exports = {\n  async up(queryInterface, Sequelize) {\n    await queryInterface.createTable('ok', { id: Sequelize.INTEGER });\n    await queryInterface.addColumn('missing_table', 'x', Sequelize.TEXT);\n  },\n  async down(queryInterface) {\n    await queryInterface.dropTable('ok');\n  },\n};\n`,
    );
    const pgmDir = write(
      'node-pg-migrate',
      '1704110400000_add-column.js',
      `// requirements: APP-1\n\nexports.up = (pgm) => {\n  pgm.addColumn('missing_table', { x: 'text' });\n};\n`,
    );
    const run = async (tool: Tool, dir: string) => {
      const config = toolConfig(tool, { dirs: [dir] });
      provider = new TrackingProvider(new UrlProvider(TEST_DATABASE_URL));
      const outcome = await runRoundTrips(await discover(config), config, { provider });
      const names = provider.created.map((s) => s.name);
      expect(await databasesLeft(names)).toEqual([]);
      return outcome.findings.map((f) => [f.rule, f.path, f.line, f.message]);
    };
    const rel = (tool: Tool, dir: string, file: string) =>
      path.relative(toolFixture(tool), path.join(dir, file));
    expect(await run('sequelize', sequelizeDir)).toEqual([
      [
        'up-failed',
        rel('sequelize', sequelizeDir, '20240101120000-add-column.js'),
        6,
        'up failed: relation "public.missing_table" does not exist',
      ],
    ]);
    expect(await run('node-pg-migrate', pgmDir)).toEqual([
      [
        'up-failed',
        rel('node-pg-migrate', pgmDir, '1704110400000_add-column.js'),
        3,
        'up failed: relation "missing_table" does not exist in: ALTER TABLE "missing_table" ADD "x" text;',
      ],
    ]);
  });
});
