import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileNamingPattern, resolveConfig } from '../src/config/load.js';
import { defaultConfig } from '../src/config/defaults.js';
import type { GateConfig } from '../src/config/types.js';
import { discover } from '../src/discover/index.js';
import { parseName } from '../src/discover/naming.js';
import { lint } from '../src/lint/index.js';
import { GateError, type MigrationSet } from '../src/types.js';
import { NOW } from './helpers/migration.js';

const root = path.resolve(import.meta.dirname, '..');

function config(dirs: string[], extra: Partial<GateConfig> = {}, cwd = root): GateConfig {
  return { ...defaultConfig(cwd), dirs, now: () => NOW, ...extra };
}

async function one(dir: string, extra: Partial<GateConfig> = {}): Promise<MigrationSet> {
  const [set] = await discover(config([dir], extra));
  return set!;
}

async function gateError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GateError);
  expect((error as Error).message).not.toContain('\n');
  return (error as Error).message;
}

const diesel = { namingPattern: compileNamingPattern('diesel'), namingPatternSource: 'diesel' };
const flyway = { namingPattern: compileNamingPattern('flyway'), namingPatternSource: 'flyway' };

describe('a folder per migration', () => {
  it('reads <name>/up.sql and <name>/down.sql, in version order, with no setting at all', async () => {
    const set = await one('fixtures/layouts/folder');
    expect(set.format).toBe('sql');
    expect(set.migrations.map((m) => [m.name, m.dialect, m.path, m.files, m.transaction])).toEqual([
      [
        '00000000000000_initial_setup',
        'folder',
        'fixtures/layouts/folder/00000000000000_initial_setup/up.sql',
        [
          'fixtures/layouts/folder/00000000000000_initial_setup/up.sql',
          'fixtures/layouts/folder/00000000000000_initial_setup/down.sql',
        ],
        true,
      ],
      [
        '2026-01-01-090000_create_orders',
        'folder',
        'fixtures/layouts/folder/2026-01-01-090000_create_orders/up.sql',
        [
          'fixtures/layouts/folder/2026-01-01-090000_create_orders/up.sql',
          'fixtures/layouts/folder/2026-01-01-090000_create_orders/down.sql',
        ],
        true,
      ],
      [
        '2026-01-01-100000_add_order_notes',
        'folder',
        'fixtures/layouts/folder/2026-01-01-100000_add_order_notes/up.sql',
        [
          'fixtures/layouts/folder/2026-01-01-100000_add_order_notes/up.sql',
          'fixtures/layouts/folder/2026-01-01-100000_add_order_notes/down.sql',
        ],
        true,
      ],
    ]);
    expect(set.migrations[1]!.up!.text).toContain('CREATE TABLE orders');
    expect(set.migrations[1]!.down!.text).toBe('DROP TABLE orders;\n');
    expect(set.migrations.map((m) => m.requirements)).toEqual([['RL-1'], ['RL-1'], ['RL-2']]);
    // Without the diesel preset the names are read, and named as not matching the default pattern.
    const rules = lint([set], config(['fixtures/layouts/folder']));
    expect(rules.map((f) => f.rule)).toEqual(['name-format', 'name-format', 'name-format']);
    // The preset that reads most of the directory's names is the one suggested, the setup migration's too.
    expect(rules[0]!.message).toMatch(
      /; 'diesel' reads it \(and 3 of the 3 names in fixtures\/layouts\/folder\): /,
    );
    expect(rules[1]!.message).toBe(
      "name '2026-01-01-090000_create_orders' does not match the naming pattern utc-minute (<YYYYMMDDHHMM>_<slug>, slug [a-z0-9_]); 'diesel' reads it (and 3 of the 3 names in fixtures/layouts/folder): set naming-pattern: diesel in .migration-gate.yml, or pass --naming-pattern diesel",
    );
  });

  it('passes the lint under the diesel preset, its 00000000000000 setup migration included', async () => {
    const cfg = config(['fixtures/layouts/folder'], diesel);
    const [set] = await discover(cfg);
    expect(set!.migrations.map((m) => m.version)).toEqual([
      '00000000000000',
      '20260101090000',
      '20260101100000',
    ]);
    expect(lint([set!], cfg)).toEqual([]);
  });

  it('honours metadata.toml run_in_transaction = false, and reports invalid TOML with its line', async () => {
    const set = await one('fixtures/layouts/folder-concurrently', diesel);
    expect(set.migrations.map((m) => [m.name, m.transaction])).toEqual([
      ['2026-01-01-090000_create_orders', true],
      ['2026-01-01-100000_index_orders_customer', false],
    ]);
    expect(set.migrations[1]!.files.at(-1)).toBe(
      'fixtures/layouts/folder-concurrently/2026-01-01-100000_index_orders_customer/metadata.toml',
    );

    const tmp = await mkdtemp(path.join(tmpdir(), 'mg-folder-'));
    try {
      await cp(path.join(root, 'fixtures/layouts/folder-concurrently'), path.join(tmp, 'm'), {
        recursive: true,
      });
      const meta = path.join(tmp, 'm/2026-01-01-100000_index_orders_customer/metadata.toml');
      await writeFile(meta, '# settings\nrun_in_transaction = nope\n');
      const [bad] = await discover(config(['m'], diesel, tmp));
      const m = bad!.migrations[1]!;
      expect(m.transaction).toBe(true);
      expect(m.parseProblems).toEqual([
        {
          path: 'm/2026-01-01-100000_index_orders_customer/metadata.toml',
          line: 2,
          message: expect.stringMatching(/^invalid TOML: /),
        },
      ]);
      await writeFile(meta, 'run_in_transaction = "no"\n');
      const [typed] = await discover(config(['m'], diesel, tmp));
      expect(typed!.migrations[1]!.parseProblems[0]).toMatchObject({
        line: 1,
        message: 'run_in_transaction must be true or false; got "no"',
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('refuses in one line a directory whose folders hold SQL that no layout reads', async () => {
    expect(await gateError(discover(config(['fixtures/layouts/unread-folders'])))).toBe(
      "migration directory 'fixtures/layouts/unread-folders' holds 1 .sql file one folder down but no migration " +
        "('20260101090000_init/migration.sql'): a folder per migration is read when it holds up.sql (and down.sql); " +
        "'20260101090000_init/migration.sql' is neither",
    );
  });

  it('refuses in one line one folder of a folder-per-migration directory, naming the directory to use', async () => {
    expect(
      await gateError(discover(config(['fixtures/layouts/folder/2026-01-01-090000_create_orders']))),
    ).toBe(
      "migration directory 'fixtures/layouts/folder/2026-01-01-090000_create_orders' holds 2 .sql files but no " +
        "migration ('down.sql' is none): it is one migration of a folder-per-migration directory: point the " +
        "directory setting at 'fixtures/layouts/folder'",
    );
  });

  it('refuses in one line a directory of SQL files that no layout reads, naming the forms that are read', async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'mg-unread-'));
    try {
      await mkdir(path.join(tmp, 'm'));
      await writeFile(path.join(tmp, 'm/create_orders.sql'), 'CREATE TABLE orders (id int);\n');
      const message = await gateError(discover(config(['m'], {}, tmp)));
      expect(message).toMatch(
        /^migration directory 'm' holds 1 \.sql file but no migration \('create_orders\.sql' is none\): SQL migrations are <name>\.up\.sql \+ <name>\.down\.sql, <name>\/up\.sql \+ <name>\/down\.sql, Flyway's V<version>__<desc>\.sql, or <name>\.sql with '-- migrate:up', '-- \+goose Up' or '-- \+migrate Up' markers; a \.sql file whose name matches naming-pattern \(now utc-minute\) counts as one too$/,
      );
      await writeFile(path.join(tmp, 'm/202601010900_x.up.sql'), 'SELECT 1;\n');
      expect(await gateError(discover(config(['m'], { format: 'umzug' }, tmp)))).toBe(
        "migration directory 'm' holds no umzug migration, only files of another format such as '202601010900_x.up.sql': set format auto (detected per directory) or this directory's own format",
      );
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('dialect-suffixed pairs', () => {
  it("runs the configured dialect's files, falls back to dialect-less ones, and notes the others", async () => {
    const set = await one('fixtures/layouts/dialect-pair');
    const dir = 'fixtures/layouts/dialect-pair';
    expect(set.migrations.map((m) => [m.name, m.dialect, m.files, m.transaction])).toEqual([
      [
        '202601010900_create_orders',
        'dialect-pair',
        [
          `${dir}/202601010900_create_orders.postgres.up.sql`,
          `${dir}/202601010900_create_orders.postgres.down.sql`,
        ],
        true,
      ],
      [
        '202601011000_add_order_kind',
        'dialect-pair',
        [`${dir}/202601011000_add_order_kind.up.sql`, `${dir}/202601011000_add_order_kind.down.sql`],
        true,
      ],
      [
        '202601011100_mysql_charset',
        'dialect-pair',
        [
          `${dir}/202601011100_mysql_charset.postgres.up.sql`,
          `${dir}/202601011100_mysql_charset.postgres.down.sql`,
        ],
        true,
      ],
    ]);
    expect(set.notes).toEqual([
      `${dir}: dialect postgres (setting dialect): the files of other dialects were not read (4 mysql, 2 sqlite3)`,
    ]);
    // The empty postgres pair is a deliberate no-op: no down-missing.
    expect(lint([set], config([dir]))).toEqual([]);
  });

  it('picks another dialect by any of its spellings, and knows postgresql and pg as postgres', async () => {
    const dir = 'fixtures/layouts/dialect-pair';
    const mysql = await one(dir, { dialect: resolveConfig(root, { dialect: 'mariadb' }).dialect });
    expect(mysql.migrations[0]!.path).toBe(`${dir}/202601010900_create_orders.mysql.up.sql`);
    expect(mysql.migrations[2]!.up!.empty).toBe(false);
    expect(resolveConfig(root, { dialect: 'postgresql' }).dialect).toBe('postgres');
    expect(resolveConfig(root, { dialect: 'pg' }).dialect).toBe('postgres');
    expect(() => resolveConfig(root, { dialect: 'db2' })).toThrow(
      /^dialect must be one of postgres, cockroach, mysql, sqlite3, .*; got 'db2'$/,
    );

    const tmp = await mkdtemp(path.join(tmpdir(), 'mg-dialect-'));
    try {
      await mkdir(path.join(tmp, 'm'));
      await writeFile(path.join(tmp, 'm/202601010900_a.postgresql.up.sql'), 'CREATE TABLE a (id int);\n');
      await writeFile(path.join(tmp, 'm/202601010900_a.pg.down.sql'), 'DROP TABLE a;\n');
      const [set] = await discover(config(['m'], {}, tmp));
      expect(set!.migrations.map((m) => m.files)).toEqual([
        ['m/202601010900_a.postgresql.up.sql', 'm/202601010900_a.pg.down.sql'],
      ]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it(".autocommit and sqlx's first line -- no-transaction run the file without a transaction", async () => {
    const set = await one('fixtures/layouts/dialect-pair-autocommit');
    expect(set.migrations.map((m) => [m.name, m.transaction])).toEqual([
      ['202601010900_create_orders', true],
      ['202601011000_index_orders_customer', false],
      ['202601011100_index_orders_id_customer', false],
    ]);
    expect(set.notes).toBeUndefined();
  });
});

describe('Flyway', () => {
  it('pairs V<version>__ with the undo file of its version, orders versions as numbers, notes R__ files', async () => {
    const dir = 'fixtures/layouts/flyway';
    const cfg = config([dir], flyway);
    const [set] = await discover(cfg);
    expect(set!.migrations.map((m) => [m.name, m.version, m.dialect, m.files])).toEqual([
      ['V1__create_orders', '1', 'flyway', [`${dir}/V1__create_orders.sql`, `${dir}/U1__create_orders.sql`]],
      [
        'V1.1__add_order_number',
        '1.1',
        'flyway',
        [`${dir}/V1.1__add_order_number.sql`, `${dir}/U1.1__add_order_number.sql`],
      ],
    ]);
    expect(set!.notes).toEqual([
      `${dir}: repeatable Flyway migrations are not round-tripped (they run again whenever they change): ${dir}/R__orders_view.sql`,
    ]);
    expect(lint([set!], cfg)).toEqual([]);
  });

  it('runs a file holding CREATE INDEX CONCURRENTLY outside a transaction, with a note', async () => {
    const dir = 'fixtures/layouts/flyway-concurrently';
    const set = await one(dir, flyway);
    expect(set.migrations.map((m) => [m.name, m.transaction])).toEqual([
      ['V1__create_orders', true],
      ['V2__index_orders_customer', false],
    ]);
    expect(set.notes).toEqual([
      `${dir}/V2__index_orders_customer.sql:2: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, so 'V2__index_orders_customer' runs outside one, statement by statement`,
    ]);
  });
});

describe('statements that cannot run in a transaction, in paired files', () => {
  it('run the pair outside a transaction, with a note', async () => {
    const dir = 'fixtures/roundtrip/concurrently';
    const set = await one(dir);
    expect(set.migrations.map((m) => m.transaction)).toEqual([true, false]);
    expect(set.notes).toEqual([
      `${dir}/202601011000_index_orders_customer.up.sql:2: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, so '202601011000_index_orders_customer' runs outside one, statement by statement`,
    ]);
  });
});

describe('migrations the gate cannot run', () => {
  it('are an unsupported-migration naming the file and why, never skipped silently', async () => {
    const dir = 'fixtures/layouts/goose-go';
    const cfg = config([dir]);
    const [set] = await discover(cfg);
    expect(set!.migrations.map((m) => [m.name, m.path, m.unsupported !== undefined])).toEqual([
      ['202601010900_create_orders', `${dir}/202601010900_create_orders.sql`, false],
      ['202601011000_create_customers', `${dir}/202601011000_create_customers.go`, true],
      ['202601011100_orders_customer_fk', `${dir}/202601011100_orders_customer_fk.sql`, false],
    ]);
    const findings = lint([set!], cfg);
    expect(findings.map((f) => [f.rule, f.severity, f.path])).toEqual([
      ['unsupported-migration', 'error', `${dir}/202601011000_create_customers.go`],
    ]);
    expect(findings[0]!.message).toBe(
      "'202601011000_create_customers' is a goose Go migration: it runs only inside the project's own Go binary, " +
        'which migration-gate cannot build or call; write it as an SQL migration (-- +goose Up / -- +goose Down) ' +
        `to have it checked. The round-trip of ${dir} stops before it (1 changed migration(s) after it not run)`,
    );
  });
});

describe('naming presets', () => {
  it('diesel reads YYYY-MM-DD-HHMMSS as a timestamp and accepts the 00000000000000 setup migration', () => {
    const pattern = compileNamingPattern('diesel');
    expect(parseName('2019-02-26-002946_create_users', pattern)).toEqual({
      matches: true,
      version: '20190226002946',
      isTimestamp: true,
      slug: 'create_users',
    });
    expect(parseName('00000000000000_diesel_initial_setup', pattern)).toMatchObject({
      matches: true,
      isTimestamp: false,
    });
    expect(parseName('2019-02-26_create_users', pattern).matches).toBe(false);
  });
});

describe('a folder per migration against a base', () => {
  let tmp: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: tmp, stdio: 'pipe' });

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'mg-folder-base-'));
    await cp(path.join(root, 'fixtures/layouts/folder'), path.join(tmp, 'm'), { recursive: true });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'base');
    git('checkout', '-qb', 'feature');
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('classifies folders: an edited down.sql is modified, a new folder added, a removed one deleted', async () => {
    await writeFile(
      path.join(tmp, 'm/2026-01-01-090000_create_orders/down.sql'),
      'DROP TABLE orders CASCADE;\n',
    );
    await rm(path.join(tmp, 'm/2026-01-01-100000_add_order_notes'), { recursive: true });
    await mkdir(path.join(tmp, 'm/2026-01-02-090000_add_index'));
    await writeFile(
      path.join(tmp, 'm/2026-01-02-090000_add_index/up.sql'),
      'CREATE INDEX i ON orders (id);\n',
    );
    await writeFile(path.join(tmp, 'm/2026-01-02-090000_add_index/down.sql'), 'DROP INDEX i;\n');
    const cfg = config(['m'], { ...diesel, base: 'main' }, tmp);
    const [set] = await discover(cfg);
    expect(set!.migrations.map((m) => [m.name, m.change])).toEqual([
      ['00000000000000_initial_setup', 'unchanged'],
      ['2026-01-01-090000_create_orders', 'modified'],
      ['2026-01-02-090000_add_index', 'added'],
    ]);
    expect(set!.deleted).toEqual([
      {
        name: '2026-01-01-100000_add_order_notes',
        dir: 'm',
        path: 'm/2026-01-01-100000_add_order_notes/up.sql',
        renamedTo: null,
      },
    ]);
    expect(
      lint([set!], cfg)
        .map((f) => `${f.rule} ${f.migration}`)
        .sort(),
    ).toEqual([
      'history-deleted 2026-01-01-100000_add_order_notes',
      'history-modified 2026-01-01-090000_create_orders',
      'requirement-missing 2026-01-02-090000_add_index',
    ]);
  });
});
