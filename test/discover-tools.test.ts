import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import { detectFormat } from '../src/discover/detect.js';
import { stringProperty, toolConventions } from '../src/discover/formats/conventions.js';
import { moduleTool } from '../src/discover/formats/tools.js';
import { AUTOMATIC_DOWN, findModuleExports, parseUmzugModule } from '../src/discover/formats/umzug.js';
import { lintDowngrade } from '../src/lint/downgrade.js';
import { projectPackage } from '../src/roundtrip/executors/project-package.js';
import type { Format } from '../src/types.js';
import { GateError } from '../src/types.js';

const config = defaultConfig('/repo');
const toolOf = (source: string) => moduleTool(findModuleExports(source));

const SEQUELIZE = `module.exports = {\n  async up(queryInterface, Sequelize) { await queryInterface.createTable('a', {}); },\n  async down(queryInterface) { await queryInterface.dropTable('a'); },\n};\n`;
const KNEX = `exports.up = function (knex) { return knex.schema.createTable('a', (t) => t.increments()); };\nexports.down = (knex) => knex.schema.dropTable('a');\n`;
const PGM = `exports.shorthands = undefined;\nexports.up = (pgm) => { pgm.createTable('a', { id: 'id' }); };\n`;
const UMZUG = `export async function up({ context }) { await context.sql('create table a ()'); }\nexport async function down({ context }) { await context.sql('drop table a'); }\n`;
const BARE = `module.exports = { async up(db) { await db.run(); }, async down(db) { await db.undo(); } };\n`;

function parse(text: string, format: Format, name = '20240101120000-a.js') {
  return parseUmzugModule(
    { absPath: `/repo/db/${name}`, relPath: `db/${name}`, dir: 'db', text },
    config,
    format,
  );
}

describe('the tool of a migration module', () => {
  it('is read from how up takes its argument, its TypeScript type, or what its body uses', () => {
    expect(toolOf(SEQUELIZE)).toEqual({ format: 'sequelize', certain: true });
    expect(toolOf(KNEX)).toEqual({ format: 'knex', certain: true });
    expect(toolOf(PGM)).toEqual({ format: 'node-pg-migrate', certain: true });
    expect(toolOf(UMZUG)).toEqual({ format: 'umzug', certain: true });
    expect(
      toolOf(`export async function up(db: Knex): Promise<void> { await db.schema.dropTable('a'); }`),
    ).toEqual({
      format: 'knex',
      certain: true,
    });
    expect(toolOf(`export async function up(b: MigrationBuilder) { b.sql('select 1'); }`).format).toBe(
      'node-pg-migrate',
    );
    // Umzug's own example for Sequelize: the query interface arrives as the context.
    expect(
      toolOf(`export const up = async ({ context: queryInterface }) => queryInterface.createTable('a', {});`),
    ).toEqual({ format: 'umzug', certain: true });
    expect(toolOf(BARE)).toEqual({ format: 'umzug', certain: false });
  });

  it('decides the directory: a module showing no tool takes the one the others show; the format setting forces one', () => {
    const files = [
      { name: '20240101120000-a.js', text: SEQUELIZE },
      { name: '20240102120000-b.js', text: BARE },
    ];
    expect(detectFormat(files, 'db')?.format).toBe('sequelize');
    expect(detectFormat([{ name: '20240102120000-b.js', text: BARE }], 'db')?.format).toBe('umzug');
    expect(detectFormat([{ name: '20240102120000-b.js', text: BARE }], 'db', 'knex')?.format).toBe('knex');
    expect(detectFormat([{ name: '1_a.js', text: UMZUG }], 'db', 'node-pg-migrate')?.format).toBe(
      'node-pg-migrate',
    );
    expect(() =>
      detectFormat(
        [
          { name: '1_a.js', text: SEQUELIZE },
          { name: '2_b.js', text: KNEX },
        ],
        'db',
      ),
    ).toThrow(/mixes formats: '1_a.js' \(sequelize-cli module\) and '2_b.js' \(knex module\)/);
  });
});

describe('the downgrade of a tool module', () => {
  it('node-pg-migrate: no down export is the automatic reversal of up; down = false is no downgrade', () => {
    const automatic = parse(PGM, 'node-pg-migrate', '1704110400000_a.js');
    expect(automatic.down).toEqual({
      path: 'db/1704110400000_a.js',
      text: AUTOMATIC_DOWN,
      startLine: 2,
      empty: false,
    });
    const disabled = parse(`${PGM}exports.down = false;\n`, 'node-pg-migrate', '1704110400000_a.js');
    expect(disabled.down).toMatchObject({ empty: true, startLine: 3 });
    const set = {
      dir: 'db',
      format: 'node-pg-migrate' as const,
      migrations: [automatic, disabled],
      deleted: [],
      baseNames: null,
    };
    expect(lintDowngrade(set).map((f) => [f.rule, f.line, f.message])).toEqual([
      ['down-missing', 3, expect.stringContaining('an empty downgrade')],
    ]);
    const waived = parse(
      `// downgrade-waiver: owner=@data; rationale=the backfill cannot be undone\n${PGM}exports.down = false;\n`,
      'node-pg-migrate',
    );
    expect(lintDowngrade({ ...set, migrations: [waived] })).toEqual([]);
  });

  it('knex: config = { transaction: false } runs outside a transaction; sequelize-cli never wraps one', () => {
    expect(parse(KNEX, 'knex').transaction).toBe(true);
    expect(parse(`exports.config = { transaction: false };\n${KNEX}`, 'knex').transaction).toBe(false);
    expect(
      parse(`const config = { transaction: false };\nexport { config };\n${KNEX}`, 'knex').transaction,
    ).toBe(false);
    expect(parse(SEQUELIZE, 'sequelize').transaction).toBe(false);
    expect(parse(SEQUELIZE, 'sequelize').down).toMatchObject({ startLine: 3, empty: false });
  });
});

describe("the tools' own settings", () => {
  it('reads paths written as literals or path.resolve / path.join of literals and __dirname', () => {
    const rc = `const path = require('path');\nmodule.exports = { 'migrations-path': path.resolve(__dirname, 'db', 'migrate') };`;
    expect(stringProperty(rc, 'migrations-path', '/repo')).toBe('/repo/db/migrate');
    expect(
      stringProperty(
        `export default { migrations: { directory: path.join('src', 'migrations') } }`,
        'directory',
        '/r',
      ),
    ).toBe('src/migrations');
    expect(stringProperty(`module.exports = { directory: process.env.DIR }`, 'directory', '/r')).toBeNull();
  });

  it('finds the fixtures: .sequelizerc, the knexfile and package.json scripts of node-pg-migrate', async () => {
    const root = path.resolve(import.meta.dirname, '..', 'fixtures', 'tools');
    expect(await toolConventions(path.join(root, 'sequelize'))).toEqual([
      { tool: 'sequelize', dir: 'db/migrations', table: null, source: '.sequelizerc' },
    ]);
    expect(await toolConventions(path.join(root, 'knex'))).toEqual([
      { tool: 'knex', dir: 'db/migrations', table: 'public.knex_history', source: 'knexfile.js' },
    ]);
    expect(await toolConventions(path.join(root, 'node-pg-migrate'))).toEqual([
      { tool: 'node-pg-migrate', dir: 'db/migrations', table: 'public.pg_history', source: 'package.json' },
    ]);
  });
});

describe("the tool's package", () => {
  it('missing from the project: one line naming it and npm ci', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gate-no-packages-'));
    try {
      const error = await projectPackage('sequelize', [dir], 'db/1-a.js (a sequelize-cli migration)').catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(GateError);
      expect(error.message).toBe(
        `db/1-a.js (a sequelize-cli migration) needs the package 'sequelize', which is not installed for the ` +
          `project (looked from ${dir}): run npm ci (or npm install sequelize) before migration-gate`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
