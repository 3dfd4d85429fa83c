import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import {
  detectSqlDialect,
  parseMarkerMigration,
  parsePairMigration,
  sqlFileRole,
  type MarkerDialect,
  type SourceFile,
} from '../src/discover/formats/sql.js';

const root = path.resolve(import.meta.dirname, '..');
const config = defaultConfig(root);

function fixture(dir: string, file: string): SourceFile {
  const relPath = `${dir}/${file}`;
  const absPath = path.join(root, relPath);
  return { absPath, relPath, dir, text: readFileSync(absPath, 'utf8') };
}

function inline(name: string, text: string): SourceFile {
  return { absPath: `/virtual/m/${name}`, relPath: `m/${name}`, dir: 'm', text };
}

const marker = (dialect: MarkerDialect, name: string, text: string) =>
  parseMarkerMigration(inline(name, text), dialect, config);

describe('sqlFileRole', () => {
  it('tells pair halves from single files and strips the suffixes', () => {
    expect(sqlFileRole('202601011000_a.up.sql')).toEqual({ name: '202601011000_a', role: 'up' });
    expect(sqlFileRole('202601011000_a.DOWN.SQL')).toEqual({ name: '202601011000_a', role: 'down' });
    expect(sqlFileRole('202601011000_a.sql')).toEqual({ name: '202601011000_a', role: 'single' });
    expect(sqlFileRole('README.md')).toBeNull();
  });
});

describe('detectSqlDialect', () => {
  it('recognises each marker dialect by its first up or down marker', () => {
    expect(detectSqlDialect('-- migrate:up\nSELECT 1;')).toBe('dbmate');
    expect(detectSqlDialect('--migrate:down')).toBe('dbmate');
    expect(detectSqlDialect('-- +goose Up\n')).toBe('goose');
    expect(detectSqlDialect('-- +migrate Down\n')).toBe('sql-migrate');
    expect(detectSqlDialect('-- migrate:upgrade is not a marker\nSELECT 1;')).toBeNull();
    expect(detectSqlDialect('CREATE TABLE t (id int);')).toBeNull();
  });
});

describe('parsePairMigration', () => {
  it('parses a fixture pair with every Migration field', () => {
    const dir = 'fixtures/formats/sql-pair';
    const migration = parsePairMigration(
      {
        name: '202601051015_create_orders',
        dir,
        up: fixture(dir, '202601051015_create_orders.up.sql'),
        down: fixture(dir, '202601051015_create_orders.down.sql'),
      },
      config,
    );
    expect({ ...migration, up: null, down: null }).toEqual({
      name: '202601051015_create_orders',
      version: '202601051015',
      slug: 'create_orders',
      dir,
      path: `${dir}/202601051015_create_orders.up.sql`,
      files: [`${dir}/202601051015_create_orders.up.sql`, `${dir}/202601051015_create_orders.down.sql`],
      format: 'sql',
      dialect: 'pair',
      up: null,
      down: null,
      transaction: true,
      waiver: null,
      requirements: ['RL-102', 'RL-103'],
      requirementsLine: 1,
      change: 'added',
      previousPath: null,
      alembic: null,
      parseProblems: [],
    });
    expect(migration.up).toMatchObject({
      path: `${dir}/202601051015_create_orders.up.sql`,
      startLine: 1,
      empty: false,
    });
    expect(migration.up!.text).toContain('CREATE INDEX orders_customer_id_idx');
    expect(migration.down).toMatchObject({ startLine: 1, empty: false });
    expect(migration.down!.text).toContain('DROP TABLE orders;');
  });

  it('has no downgrade without a down file, and reads the waiver', () => {
    const dir = 'fixtures/formats/sql-pair';
    const up = fixture(dir, '202601051045_lowercase_customer_emails.up.sql');
    const migration = parsePairMigration(
      { name: '202601051045_lowercase_customer_emails', dir, up, down: null },
      config,
    );
    expect(migration.down).toBeNull();
    expect(migration.files).toEqual([up.relPath]);
    expect(migration.waiver).toEqual({
      owner: '@crm-team',
      rationale: 'lowercasing loses the original spelling; cannot be undone',
      fields: {
        owner: '@crm-team',
        rationale: 'lowercasing loses the original spelling; cannot be undone',
        ticket: 'CRM-42',
      },
      path: up.relPath,
      line: 2,
    });
  });

  it('marks a down file holding only comments as empty', () => {
    const migration = parsePairMigration(
      {
        name: '202601011000_a',
        dir: 'm',
        up: inline('202601011000_a.up.sql', 'CREATE TABLE a (id int);'),
        down: inline('202601011000_a.down.sql', '-- irreversible\n/* DROP TABLE a; */\n'),
      },
      config,
    );
    expect(migration.down).toMatchObject({ empty: true, startLine: 1 });
    expect(migration.up!.empty).toBe(false);
  });

  it('reads annotations from both files and reports a second waiver', () => {
    const migration = parsePairMigration(
      {
        name: '202601011000_a',
        dir: 'm',
        up: inline(
          '202601011000_a.up.sql',
          '-- requirements: RL-1\n-- downgrade-waiver: owner=@a; rationale=x\nSELECT 1;',
        ),
        down: inline(
          '202601011000_a.down.sql',
          '-- requirements: RL-2, RL-1\n-- downgrade-waiver: owner=@b; rationale=y\n',
        ),
      },
      config,
    );
    expect(migration.requirements).toEqual(['RL-1', 'RL-2']);
    expect(migration.waiver?.owner).toBe('@a');
    expect(migration.parseProblems).toEqual([
      {
        path: 'm/202601011000_a.down.sql',
        line: 2,
        message: 'a second downgrade-waiver line (the first is in m/202601011000_a.up.sql on line 2)',
      },
    ]);
  });

  it('reports a down file without an up file', () => {
    const migration = parsePairMigration(
      {
        name: '202601011000_a',
        dir: 'm',
        up: null,
        down: inline('202601011000_a.down.sql', 'DROP TABLE a;'),
      },
      config,
    );
    expect(migration.up).toBeNull();
    expect(migration.path).toBe('m/202601011000_a.down.sql');
    expect(migration.parseProblems).toMatchInlineSnapshot(`
      [
        {
          "line": null,
          "message": "'202601011000_a.down.sql' has no matching '202601011000_a.up.sql': a pair needs an up file",
          "path": "m/202601011000_a.down.sql",
        },
      ]
    `);
  });
});

describe('parseMarkerMigration', () => {
  it('splits a dbmate fixture and maps part lines to file lines', () => {
    const dir = 'fixtures/formats/dbmate';
    const file = fixture(dir, '202601061000_create_products.sql');
    const migration = parseMarkerMigration(file, 'dbmate', config);
    expect(migration).toMatchObject({
      name: '202601061000_create_products',
      version: '202601061000',
      slug: 'create_products',
      format: 'sql',
      dialect: 'dbmate',
      transaction: true,
      requirements: ['RL-201'],
      requirementsLine: 1,
      parseProblems: [],
    });
    const fileLines = file.text.split('\n');
    expect(migration.up!.startLine).toBe(3);
    expect(migration.up!.text.split('\n')[0]).toBe(fileLines[2]);
    expect(migration.up!.text).not.toContain('migrate:down');
    expect(migration.down!.startLine).toBe(11);
    expect(migration.down!.text.trim()).toBe('DROP TABLE products;');
    expect(fileLines[migration.down!.startLine - 1]).toBe('DROP TABLE products;');
  });

  it("reads dbmate's transaction:false on the marker line", () => {
    const migration = parseMarkerMigration(
      fixture('fixtures/formats/dbmate', '202601061010_index_product_names.sql'),
      'dbmate',
      config,
    );
    expect(migration.transaction).toBe(false);
    expect(migration.up!.text).toContain('CREATE INDEX CONCURRENTLY');
  });

  it('treats an empty dbmate down section as an empty downgrade', () => {
    const migration = parseMarkerMigration(
      fixture('fixtures/formats/dbmate', '202601061030_seed_gift_card.sql'),
      'dbmate',
      config,
    );
    expect(migration.down).toMatchObject({ empty: true });
    expect(migration.waiver?.fields).toEqual({
      owner: '@catalog-team',
      rationale: 'seeded rows are edited by merchants after release',
      expires: '2027-01-31',
    });
  });

  it('reads goose NO TRANSACTION and keeps StatementBegin/End in the part text', () => {
    const noTx = parseMarkerMigration(
      fixture('fixtures/formats/goose', '202601071020_index_account_emails.sql'),
      'goose',
      config,
    );
    expect(noTx.transaction).toBe(false);
    const fn = parseMarkerMigration(
      fixture('fixtures/formats/goose', '202601071010_touch_accounts_updated_at.sql'),
      'goose',
      config,
    );
    expect(fn.transaction).toBe(true);
    expect(fn.up!.text).toContain('-- +goose StatementBegin');
    expect(fn.up!.startLine).toBe(3);
    const down = parseMarkerMigration(
      fixture('fixtures/formats/goose', '202601071030_fill_account_names.sql'),
      'goose',
      config,
    ).down;
    expect(down).toMatchObject({ empty: true });
  });

  it("reads sql-migrate's notransaction option", () => {
    const dir = 'fixtures/formats/sql-migrate';
    expect(
      parseMarkerMigration(fixture(dir, '202601081010_index_invoice_numbers.sql'), 'sql-migrate', config),
    ).toMatchObject({
      transaction: false,
      dialect: 'sql-migrate',
    });
    expect(
      parseMarkerMigration(fixture(dir, '202601081000_create_invoices.sql'), 'sql-migrate', config)
        .transaction,
    ).toBe(true);
  });

  it('has no downgrade without a down marker', () => {
    const migration = marker('goose', '202601011000_a.sql', '-- +goose Up\nCREATE TABLE a (id int);\n');
    expect(migration.up).toMatchObject({ startLine: 2, empty: false });
    expect(migration.down).toBeNull();
    expect(migration.parseProblems).toEqual([]);
  });

  it('reports a marker present twice, with the line', () => {
    const migration = marker(
      'goose',
      '202601011000_a.sql',
      '-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n-- +goose Down\nSELECT 3;\n',
    );
    expect(migration.parseProblems).toEqual([
      { path: 'm/202601011000_a.sql', line: 5, message: "'-- +goose Down' appears again (first on line 3)" },
    ]);
    expect(migration.down!.text.trim()).toBe('SELECT 2;');
  });

  it('reports a down marker before the up marker', () => {
    const migration = marker(
      'sql-migrate',
      '202601011000_a.sql',
      '-- +migrate Down\nSELECT 2;\n-- +migrate Up\nSELECT 1;\n',
    );
    expect(migration.parseProblems).toEqual([
      {
        path: 'm/202601011000_a.sql',
        line: 1,
        message: "'-- +migrate Down' comes before '-- +migrate Up' (line 3)",
      },
    ]);
    expect(migration.up).toMatchObject({ startLine: 4, text: 'SELECT 1;\n' });
    expect(migration.down).toMatchObject({ startLine: 2, text: 'SELECT 2;' });
  });

  it('reports a missing up marker and SQL before the first marker', () => {
    const migration = marker(
      'dbmate',
      '202601011000_a.sql',
      '-- note\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n',
    );
    expect(migration.up).toBeNull();
    expect(migration.parseProblems).toMatchInlineSnapshot(`
      [
        {
          "line": 3,
          "message": "no '-- migrate:up' marker: nothing in this file runs as the upgrade",
          "path": "m/202601011000_a.sql",
        },
        {
          "line": 2,
          "message": "SQL before the first marker belongs to neither up nor down",
          "path": "m/202601011000_a.sql",
        },
      ]
    `);
  });

  it('reports a file without any marker at line 1', () => {
    const migration = marker('dbmate', '202601011000_a.sql', 'CREATE TABLE a (id int);\n');
    expect(migration.parseProblems).toEqual([
      {
        path: 'm/202601011000_a.sql',
        line: 1,
        message: "no '-- migrate:up' marker: nothing in this file runs as the upgrade",
      },
    ]);
  });

  it('keeps names with spaces, unicode and markup, and leaves version null when the pattern does not match', () => {
    const migration = marker('dbmate', '2026 <b>ñ<b> [x](y) @team.sql', '-- migrate:up\nSELECT 1;\n');
    expect(migration).toMatchObject({ name: '2026 <b>ñ<b> [x](y) @team', version: null, slug: null });
  });

  it('handles CRLF files', () => {
    const migration = marker(
      'dbmate',
      '202601011000_a.sql',
      '-- migrate:up transaction:false\r\nSELECT 1;\r\n-- migrate:down\r\nSELECT 2;\r\n',
    );
    expect(migration.transaction).toBe(false);
    expect(migration.up).toMatchObject({ startLine: 2, empty: false });
    expect(migration.down).toMatchObject({ startLine: 4, empty: false });
  });
});
