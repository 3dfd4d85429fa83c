import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NAMING_PRESETS } from '../src/config/defaults.js';
import type { GateConfig } from '../src/config/types.js';
import { discover } from '../src/discover/index.js';
import { lint } from '../src/lint/index.js';
import { createMigration } from '../src/new.js';
import { GateError } from '../src/types.js';
import { testConfig } from './helpers/migration.js';

let cwd: string;
const config = (overrides: Partial<GateConfig> = {}) => testConfig({ cwd, ...overrides });
const preset = (name: string): Partial<GateConfig> => ({
  namingPattern: new RegExp(NAMING_PRESETS[name]!),
  namingPatternSource: name,
});
const put = async (rel: string, text: string) => {
  await mkdir(join(cwd, rel, '..'), { recursive: true });
  await writeFile(join(cwd, rel), text);
};
const read = (rel: string) => readFile(join(cwd, rel), 'utf8');
const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GateError);
  return (error as GateError).message;
};

beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'migration-gate-new-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('createMigration', () => {
  it('creates a missing directory and writes paired SQL files named with the UTC minute', async () => {
    const { files } = await createMigration({
      config: config(),
      dir: 'db/migrations',
      slug: 'add_invoice_index',
    });
    expect(files).toEqual([
      'db/migrations/202611211430_add_invoice_index.up.sql',
      'db/migrations/202611211430_add_invoice_index.down.sql',
    ]);
    expect(await read(files[0]!)).toMatch(/^-- requirements: \n/);
    expect(await read(files[1]!)).toContain('--');
  });

  it('names the directory it cannot create in a GateError', async () => {
    // A dangling symbolic link: the directory does not exist, and mkdir cannot create it (even as root).
    await symlink(join(cwd, 'nowhere', 'gone'), join(cwd, 'db'));
    const message = await failure(
      createMigration({ config: config(), dir: 'db/migrations', slug: 'add_invoice_index' }),
    );
    expect(message).toMatch(/^cannot create the migration directory db\/migrations: E[A-Z]+: /);
    expect(message).not.toContain('\n');
  });

  it('uses 14 digits under utc-second and the next zero-padded number under sequential', async () => {
    const second = await createMigration({
      config: config({ ...preset('utc-second'), now: () => new Date('2026-11-21T14:30:07Z') }),
      dir: 'a',
      slug: 'x',
    });
    expect(second.files[0]).toBe('a/20261121143007_x.up.sql');

    await put('seq/0007_old.up.sql', 'select 1;');
    await put('seq/0007_old.down.sql', 'select 1;');
    await put('seq/0012_newest.up.sql', 'select 1;');
    await put('seq/0012_newest.down.sql', 'select 1;');
    const seq = await createMigration({ config: config(preset('sequential')), dir: 'seq', slug: 'next_one' });
    expect(seq.files[0]).toBe('seq/0013_next_one.up.sql');
    const fresh = await createMigration({
      config: config(preset('sequential')),
      dir: 'fresh',
      slug: 'first',
    });
    expect(fresh.files[0]).toBe('fresh/0001_first.up.sql');
  });

  it('rejects a slug the naming pattern refuses before writing anything', async () => {
    const message = await failure(createMigration({ config: config(), dir: 'm', slug: 'Add-Index' }));
    expect(message).toMatchInlineSnapshot(
      `"slug 'Add-Index' does not fit the naming pattern utc-minute (<YYYYMMDDHHMM>_<slug>, slug [a-z0-9_]): '202611211430_Add-Index' would not match it"`,
    );
    expect(await failure(createMigration({ config: config(), dir: 'm', slug: '../escape' }))).toContain(
      'cannot be part of a file name',
    );
    expect(await readdir(cwd)).toEqual([]);
  });

  it('refuses a name that would sort at or before the newest migration (clock skew)', async () => {
    await put('m/202611211500_from_the_future.up.sql', 'select 1;');
    const message = await failure(createMigration({ config: config(), dir: 'm', slug: 'add_x' }));
    expect(message).toMatchInlineSnapshot(
      `"the new migration '202611211430_add_x' would sort at or before '202611211500_from_the_future', the newest migration in m; check the clock (now 2026-11-21T14:30:00.000Z) or wait until after that migration's time"`,
    );
    expect(await readdir(join(cwd, 'm'))).toEqual(['202611211500_from_the_future.up.sql']);
  });

  it('never overwrites an existing migration', async () => {
    await put('m/202611211430_add_x.down.sql', 'keep me');
    const message = await failure(createMigration({ config: config(), dir: 'm', slug: 'add_x' }));
    expect(message).toBe("m already has a migration named '202611211430_add_x'; not overwriting it");
    expect(await read('m/202611211430_add_x.down.sql')).toBe('keep me');
    expect(await readdir(join(cwd, 'm'))).toEqual(['202611211430_add_x.down.sql']);
  });

  it.each([
    ['dbmate', '-- migrate:up', '-- migrate:down'],
    ['goose', '-- +goose Up', '-- +goose Down'],
    ['sql-migrate', '-- +migrate Up', '-- +migrate Down'],
  ])('writes one %s file with its markers in a %s directory', async (dialect, up, down) => {
    await put(`m/202611010000_first.sql`, `${up}\nCREATE TABLE t (id int);\n${down}\nDROP TABLE t;\n`);
    const { files } = await createMigration({ config: config(), dir: 'm', slug: 'second' });
    expect(files).toEqual(['m/202611211430_second.sql']);
    const text = await read(files[0]!);
    expect(text.indexOf(up)).toBe(0);
    expect(text.indexOf('-- requirements: ')).toBeGreaterThan(text.indexOf(up));
    expect(text.indexOf(down)).toBeGreaterThan(text.indexOf('-- requirements: '));
    const [set] = await discover(config({ dirs: ['m'] }));
    expect(set!.migrations.map((m) => [m.name, m.dialect, m.parseProblems.length])).toEqual([
      ['202611010000_first', dialect, 0],
      ['202611211430_second', dialect, 0],
    ]);
  });

  describe("follows the directory's naming when the configured pattern reads none of its names", () => {
    const dbmate = (name: string) =>
      `-- migrate:up\nCREATE TABLE ${name} (id int);\n-- migrate:down\nDROP TABLE ${name};\n`;

    it('a 14-digit dbmate marker file in a folder of 14-digit dbmate names, with a note naming the setting', async () => {
      await put('db/migrations/20261101090000_create_users.sql', dbmate('users'));
      await put('db/migrations/20261102090000_create_orders.sql', dbmate('orders'));
      const now = () => new Date('2026-11-21T14:30:07Z');
      const { files, notes } = await createMigration({
        config: config({ now }),
        dir: 'db/migrations',
        slug: 'add_x',
      });
      expect(files).toEqual(['db/migrations/20261121143007_add_x.sql']);
      expect(await read(files[0]!)).toMatch(/^-- migrate:up\n/);
      expect(notes).toEqual([
        'db/migrations names its migrations as the preset utc-second reads them (2 of 2), and naming-pattern ' +
          'utc-minute reads none: named like them; set naming-pattern: utc-second in .migration-gate.yml so that lint reads them too',
      ]);
      // With that setting, lint reads every name.
      const sets = await discover(config({ dirs: ['db/migrations'], ...preset('utc-second') }));
      expect(lint(sets, config(preset('utc-second'))).filter((f) => f.rule.startsWith('name-'))).toEqual([]);
    });

    it('the next number, as padded, in a folder of sequential pairs', async () => {
      await put('m/0007_init.up.sql', 'CREATE TABLE t (id int);');
      await put('m/0007_init.down.sql', 'DROP TABLE t;');
      const { files, notes } = await createMigration({ config: config(), dir: 'm', slug: 'next' });
      expect(files).toEqual(['m/0008_next.up.sql', 'm/0008_next.down.sql']);
      expect(notes[0]).toContain('the preset sequential reads them (1 of 1)');
    });

    it("diesel's dashed name and a folder in a folder-per-migration directory", async () => {
      await put('m/2026-11-01-090000_create_users/up.sql', 'CREATE TABLE users (id int);');
      await put('m/2026-11-01-090000_create_users/down.sql', 'DROP TABLE users;');
      const { files } = await createMigration({ config: config(), dir: 'm', slug: 'add_x' });
      expect(files).toEqual(['m/2026-11-21-143000_add_x/up.sql', 'm/2026-11-21-143000_add_x/down.sql']);
    });

    it('keeps the configured pattern as soon as it reads one name (a history that changed conventions)', async () => {
      await put('m/0001_init.up.sql', 'CREATE TABLE t (id int);');
      await put('m/0002_users.up.sql', 'CREATE TABLE u (id int);');
      await put('m/202611010000_orders.up.sql', 'CREATE TABLE o (id int);');
      const { files, notes } = await createMigration({ config: config(), dir: 'm', slug: 'add_x' });
      expect(files[0]).toBe('m/202611211430_add_x.up.sql');
      expect(notes).toEqual([]);
    });
  });

  it('does not invent the default directory: one line saying so', async () => {
    const message = await failure(
      createMigration({ config: config(), dir: 'migrations', slug: 'add_x', defaultDir: true }),
    );
    expect(message).toBe(
      'no migration directory given, and the default migrations does not exist: name it with --dir <path> (or migrations: in .migration-gate.yml)',
    );
    expect(await readdir(cwd)).toEqual([]);
    // An existing default directory is used.
    await mkdir(join(cwd, 'migrations'));
    const { files } = await createMigration({
      config: config(),
      dir: 'migrations',
      slug: 'add_x',
      defaultDir: true,
    });
    expect(files[0]).toBe('migrations/202611211430_add_x.up.sql');
  });

  it("writes an umzug module with the directory's extension", async () => {
    const module =
      'export async function up({ context }) { await context.sql("select 1"); }\n' +
      'export async function down({ context }) { await context.sql("select 1"); }\n';
    await put('ts/202611010000_first.ts', module);
    await put('cjs/202611010000_first.cjs', 'exports.up = async () => {};\nexports.down = async () => {};\n');
    const ts = await createMigration({ config: config(), dir: 'ts', slug: 'second' });
    expect(ts.files).toEqual(['ts/202611211430_second.ts']);
    const text = await read(ts.files[0]!);
    expect(text).toMatch(/^\/\/ requirements: \n/);
    expect(text).toContain(
      'export async function up({ context }: { context: MigrationContext }): Promise<void> {',
    );
    expect(text).toContain(
      'export async function down({ context }: { context: MigrationContext }): Promise<void> {',
    );
    const cjs = await createMigration({ config: config(), dir: 'cjs', slug: 'second' });
    expect(cjs.files).toEqual(['cjs/202611211430_second.cjs']);
    expect(await read(cjs.files[0]!)).toContain('module.exports = { up, down };');

    const sets = await discover(config({ dirs: ['ts', 'cjs'] }));
    const created = sets.map((s) => s.migrations.find((m) => m.name === '202611211430_second')!);
    expect(created.map((m) => [m.format, m.up !== null, m.down?.empty, m.requirementsLine])).toEqual([
      ['umzug', true, true, 1],
      ['umzug', true, true, 1],
    ]);
  });

  it('sends alembic users to alembic revision with a matching file_template', async () => {
    await put(
      'versions/202611010000_first.py',
      'revision = "a1"\ndown_revision = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n',
    );
    const message = await failure(createMigration({ config: config(), dir: 'versions', slug: 'add_x' }));
    expect(message).toMatchInlineSnapshot(
      `"versions holds alembic revisions: create one with 'alembic revision -m add_x', with 'file_template = %%(year)d%%(month).2d%%(day).2d%%(hour).2d%%(minute).2d_%%(slug)s' and 'timezone = UTC' in alembic.ini"`,
    );
    expect(await readdir(join(cwd, 'versions'))).toEqual(['202611010000_first.py']);
  });

  it('writes a template that discovery reads and the gate holds back until the down is written', async () => {
    await createMigration({ config: config(), dir: 'm', slug: 'add_x' });
    const cfg = config({ dirs: ['m'] });
    const [set] = await discover(cfg);
    const m = set!.migrations[0]!;
    expect([m.name, m.requirementsLine, m.down?.empty, m.parseProblems]).toEqual([
      '202611211430_add_x',
      1,
      true,
      [],
    ]);
    // Up and down both empty: a no-op, nothing to undo yet.
    expect(lint([set!], cfg).map((f) => `${f.rule} ${f.severity}`)).toEqual(['requirement-missing warning']);
    // Once the up part does something, the empty down is missing.
    await writeFile(join(cwd, m.path), 'CREATE TABLE x (id int);\n');
    const [written] = await discover(cfg);
    expect(lint([written!], cfg).map((f) => `${f.rule} ${f.severity}`)).toEqual([
      'down-missing error',
      'requirement-missing warning',
    ]);
  });
});

describe('createMigration in a directory of a JavaScript migration tool', () => {
  const root = join(import.meta.dirname, '..');
  it.each([
    [
      'sequelize',
      /^db\/migrations\/20261121143007-add-things\.js$/,
      /module\.exports = \{\n {2}async up\(queryInterface, Sequelize\) \{/,
    ],
    ['knex', /^db\/migrations\/20261121143007_add_things\.js$/, /exports\.up = async function \(knex\) \{/],
    ['node-pg-migrate', /^db\/migrations\/\d{13}_add-things\.js$/, /exports\.up = async function \(pgm\) \{/],
  ] as const)(
    '%s: writes its module, named like the others, read back as the tool with down-missing',
    async (tool, name, shape) => {
      await cp(join(root, 'fixtures', 'tools', tool, 'db', 'migrations'), join(cwd, 'db', 'migrations'), {
        recursive: true,
      });
      const now = () => new Date('2026-11-21T14:30:07Z');
      const slug = tool === 'knex' ? 'add_things' : 'add-things';
      const { files } = await createMigration({ config: config({ now }), dir: 'db/migrations', slug });
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(name);
      const text = await read(files[0]!);
      expect(text).toMatch(/^\/\/ requirements: \n/);
      expect(text).toMatch(shape);

      const written = files[0]!.slice('db/migrations/'.length).replace(/\.js$/, '');
      const [set] = await discover(config({ dirs: ['db/migrations'], now }));
      expect(set!.format).toBe(tool);
      const mine = set!.migrations.find((m) => m.name === written)!;
      expect(mine.format).toBe(tool);
      const rules = lint([set!], config({ dirs: ['db/migrations'], now }))
        .filter((f) => f.migration === written)
        .map((f) => f.rule)
        .sort();
      expect(rules).toContain('down-missing');
    },
  );
});
