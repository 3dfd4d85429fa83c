import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import { findModuleExports, moduleExtensionOf, parseUmzugModule } from '../src/discover/formats/umzug.js';

const root = path.resolve(import.meta.dirname, '..');
const config = defaultConfig(root);

function fixture(dir: string, file: string) {
  const relPath = `${dir}/${file}`;
  const absPath = path.join(root, relPath);
  return { absPath, relPath, dir, text: readFileSync(absPath, 'utf8') };
}

const summary = (source: string) => {
  const found = findModuleExports(source);
  const brief = (f: typeof found.up) => (f ? { line: f.line, empty: f.empty } : null);
  return { up: brief(found.up), down: brief(found.down) };
};

describe('moduleExtensionOf', () => {
  it('accepts module extensions and refuses declaration files', () => {
    expect(['a.js', 'a.mjs', 'a.cjs', 'a.ts', 'a.MTS', 'a.cts'].map(moduleExtensionOf)).toEqual([
      '.js',
      '.mjs',
      '.cjs',
      '.ts',
      '.mts',
      '.cts',
    ]);
    expect(moduleExtensionOf('types.d.ts')).toBeNull();
    expect(moduleExtensionOf('a.json')).toBeNull();
  });
});

describe('findModuleExports', () => {
  it('finds ESM function declarations with their lines and text', () => {
    const source = [
      '// comment mentioning export function up() {}',
      'export async function up({ context }) {',
      "  await context.sql('CREATE TABLE t (id int)');",
      '}',
      '',
      'export function down({ context }) {',
      "  return context.sql('DROP TABLE t');",
      '}',
    ].join('\n');
    const found = findModuleExports(source);
    expect(found.up).toEqual({
      line: 2,
      empty: false,
      text: "async function up({ context }) {\n  await context.sql('CREATE TABLE t (id int)');\n}",
      params: [{ name: null, keys: ['context'], type: null }],
      isFalse: false,
    });
    expect(found.down).toMatchObject({ line: 6, empty: false });
    expect(found.down!.text.startsWith('function down(')).toBe(true);
  });

  it('finds exported arrow functions, with TypeScript annotations', () => {
    const source = [
      'type Fn = (p: { context: { sql: (t: string) => Promise<unknown> } }) => Promise<void>;',
      'export const up: Fn = async ({ context }) => {',
      "  await context.sql('SELECT 1');",
      '};',
      'export const down: Fn = async ({ context }): Promise<void> => {};',
    ].join('\n');
    expect(summary(source)).toEqual({ up: { line: 2, empty: false }, down: { line: 5, empty: true } });
  });

  it('finds `export { up, down }` through the local declarations', () => {
    const source = [
      'async function migrateUp({ context }) {',
      "  await context.sql('SELECT 1');",
      '}',
      'const down = async () => {',
      '  // nothing',
      '};',
      'export { migrateUp as up, down };',
    ].join('\n');
    expect(summary(source)).toEqual({ up: { line: 1, empty: false }, down: { line: 4, empty: true } });
  });

  it('finds CommonJS module.exports objects: shorthand, methods and properties', () => {
    const shorthand =
      'const up = async () => { await q(); };\nfunction down() {}\nmodule.exports = { up, down };\n';
    expect(summary(shorthand)).toEqual({ up: { line: 1, empty: false }, down: { line: 2, empty: true } });
    const methods = [
      'module.exports = {',
      '  async up({ context }) {',
      "    await context.sql('SELECT 1');",
      '  },',
      "  'down': async function ({ context }) {",
      "    throw new Error('irreversible');",
      '  },',
      '};',
    ].join('\n');
    expect(summary(methods)).toEqual({ up: { line: 2, empty: false }, down: { line: 5, empty: true } });
  });

  it('finds the members of an `export default { … }` object, which the executor runs as well', () => {
    const source = [
      '// requirements: RL-1',
      'export default {',
      "  async up({ context }) { await context.sql('CREATE TABLE d (id int)'); },",
      '  down: async () => {},',
      '};',
    ].join('\n');
    expect(summary(source)).toEqual({ up: { line: 3, empty: false }, down: { line: 4, empty: true } });
  });

  it('finds exports.x = … and module.exports.x = …', () => {
    const source = [
      "exports.up = async ({ context }) => context.sql('SELECT 1')",
      'module.exports.down = async function () { return; }',
    ].join('\n');
    expect(summary(source)).toEqual({ up: { line: 1, empty: false }, down: { line: 2, empty: true } });
  });

  it('reports no down when none is exported, even if a local down exists', () => {
    const source = 'function down() {}\nexport async function up() { await go(); }\n';
    expect(summary(source)).toEqual({ up: { line: 2, empty: false }, down: null });
  });

  it('is not fooled by strings, templates, regexes and comments', () => {
    const source = [
      'const s = "export function down() {}";',
      'const t = `${"}"} export const down = 1; ${`${1}`}`;',
      'const r = /export function down\\(\\) {/g;',
      '/* export function down() {} */',
      'export async function up({ context }) {',
      '  await context.sql(`SELECT \'}\' -- ${"{"}`);',
      '}',
    ].join('\n');
    expect(summary(source)).toEqual({ up: { line: 5, empty: false }, down: null });
  });

  it('treats a down that only throws or returns nothing as empty', () => {
    expect(
      summary(
        "export async function up() { await go(); }\nexport async function down() {\n  // cannot undo\n  throw new Error('no');\n}",
      ).down,
    ).toEqual({ line: 2, empty: true });
    expect(
      summary('export async function up() { await go(); }\nexport const down = async () => undefined;').down,
    ).toEqual({
      line: 2,
      empty: true,
    });
    expect(
      summary(
        'export async function up() { await go(); }\nexport const down = async () => { if (x) throw e; await y(); };',
      ).down,
    ).toEqual({
      line: 2,
      empty: false,
    });
  });

  it('reads TypeScript-only syntax, wrappers and regexes a hand tokenizer misreads', () => {
    const source = [
      "import type { Ctx } from './ctx';",
      'enum Mode { A, B }',
      '@sealed class Helper {}',
      'const re = (x: number) => x; if (re(1)) /}/.test("x");',
      'export const up = (async ({ context }: { context: Ctx }): Promise<void> => {',
      "  await context.sql('SELECT 1');",
      '}) satisfies Fn;',
      'export default {',
      '  down: (async () => {}) as Fn,',
      '} as const;',
    ].join('\n');
    expect(summary(source)).toEqual({ up: { line: 5, empty: false }, down: { line: 9, empty: true } });
  });

  it('says where a module cannot be parsed', () => {
    const found = findModuleExports('export async function up() {\n  await go(;\n}\n');
    expect(found.up).toBeNull();
    expect(found.syntaxError).toEqual({
      line: 2,
      message: expect.stringMatching(/^Unexpected token/) as string,
    });
  });

  it('keeps an exported reference it cannot resolve as non-empty', () => {
    expect(summary("export { up, down } from './shared.js';")).toEqual({
      up: { line: 1, empty: false },
      down: { line: 1, empty: false },
    });
  });
});

describe('parseUmzugModule', () => {
  it('parses a JavaScript fixture into a Migration', () => {
    const dir = 'fixtures/formats/umzug-js';
    const migration = parseUmzugModule(fixture(dir, '202601091000_create_warehouses.js'), config);
    expect({ ...migration, up: null, down: null }).toEqual({
      name: '202601091000_create_warehouses',
      version: '202601091000',
      slug: 'create_warehouses',
      dir,
      path: `${dir}/202601091000_create_warehouses.js`,
      files: [`${dir}/202601091000_create_warehouses.js`],
      format: 'umzug',
      dialect: null,
      up: null,
      down: null,
      transaction: true,
      waiver: null,
      requirements: ['RL-501'],
      requirementsLine: 1,
      change: 'added',
      previousPath: null,
      alembic: null,
      parseProblems: [],
    });
    expect(migration.up).toMatchObject({
      startLine: 2,
      empty: false,
      path: `${dir}/202601091000_create_warehouses.js`,
    });
    expect(migration.up!.text).toContain('CREATE TABLE warehouses');
    expect(migration.down).toMatchObject({ startLine: 11, empty: false });
  });

  it('parses each umzug-js and umzug-ts fixture: downs, waivers and requirements', () => {
    const js = 'fixtures/formats/umzug-js';
    const ts = 'fixtures/formats/umzug-ts';
    const parsed = [
      fixture(js, '202601091010_create_stock_levels.js'),
      fixture(js, '202601091020_check_stock_quantity.js'),
      fixture(js, '202601091030_seed_main_warehouse.js'),
      fixture(ts, '202601101000_create_shipments.ts'),
      fixture(ts, '202601101010_index_shipment_status.ts'),
      fixture(ts, '202601101020_add_shipment_carrier.ts'),
      fixture(ts, '202601101030_purge_test_shipments.ts'),
    ].map((f) => parseUmzugModule(f, config));
    expect(
      parsed.map((m) => [
        m.name,
        m.up?.startLine,
        m.down && { line: m.down.startLine, empty: m.down.empty },
        m.requirements,
        m.waiver?.owner ?? null,
      ]),
    ).toEqual([
      ['202601091010_create_stock_levels', 2, { line: 13, empty: false }, ['RL-502'], null],
      ['202601091020_check_stock_quantity', 2, { line: 6, empty: false }, ['RL-503'], null],
      ['202601091030_seed_main_warehouse', 3, null, ['RL-504'], '@logistics-team'],
      ['202601101000_create_shipments', 6, { line: 16, empty: false }, ['RL-601'], null],
      ['202601101010_index_shipment_status', 4, { line: 8, empty: false }, ['RL-602'], null],
      ['202601101020_add_shipment_carrier', 8, { line: 13, empty: false }, ['RL-603'], null],
      ['202601101030_purge_test_shipments', 7, { line: 11, empty: true }, ['RL-604'], '@fulfilment-team'],
    ]);
  });

  it('reports a module it cannot parse with the line, instead of a missing up', () => {
    const migration = parseUmzugModule(
      {
        absPath: '/v/m/202601011000_a.js',
        relPath: 'm/202601011000_a.js',
        dir: 'm',
        text: 'export const up = {;\n',
      },
      config,
    );
    expect(migration.up).toBeNull();
    expect(migration.parseProblems).toEqual([
      {
        path: 'm/202601011000_a.js',
        line: 1,
        message: expect.stringMatching(/^cannot parse the module: Unexpected token/) as string,
      },
    ]);
  });

  it('reports a module without an up export', () => {
    const migration = parseUmzugModule(
      {
        absPath: '/v/m/202601011000_a.ts',
        relPath: 'm/202601011000_a.ts',
        dir: 'm',
        text: 'export const other = 1;\n',
      },
      config,
    );
    expect(migration.up).toBeNull();
    expect(migration.parseProblems).toMatchInlineSnapshot(`
      [
        {
          "line": null,
          "message": "no exported 'up' function found (write 'export async function up({ context }) { … }')",
          "path": "m/202601011000_a.ts",
        },
      ]
    `);
  });
});
