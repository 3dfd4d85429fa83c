import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEffectivelyEmpty, splitStatements } from '../src/discover/sql-split.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';

const texts = (sql: string) => splitStatements(sql, 1).map((s) => s.text);

describe('splitStatements', () => {
  it('splits on semicolons and reports the file line of each statement', () => {
    const sql = [
      '-- header',
      '',
      'CREATE TABLE a (id int);',
      '  ',
      '  INSERT INTO a VALUES (1); SELECT 1;',
      '',
    ].join('\n');
    expect(splitStatements(sql, 10)).toEqual([
      { text: 'CREATE TABLE a (id int)', line: 12 },
      { text: 'INSERT INTO a VALUES (1)', line: 14 },
      { text: 'SELECT 1', line: 14 },
    ]);
  });

  it('keeps semicolons inside single-quoted, E-, and double-quoted strings', () => {
    expect(texts(`SELECT 'a;b', 'it''s;'; SELECT E'x\\';y'; SELECT "we;ird"""; SELECT 1`)).toEqual([
      `SELECT 'a;b', 'it''s;'`,
      `SELECT E'x\\';y'`,
      `SELECT "we;ird"""`,
      'SELECT 1',
    ]);
  });

  it('does not read a backslash as an escape in a standard string', () => {
    expect(texts(`SELECT 'C:\\'; SELECT 2`)).toEqual([`SELECT 'C:\\'`, 'SELECT 2']);
  });

  it('keeps dollar-quoted bodies whole, with and without tags, and leaves $1 parameters alone', () => {
    const sql = [
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$',
      'BEGIN',
      '  RETURN 1; -- inner;',
      'END;',
      '$$;',
      'CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT $$;$$ $body$;',
      'PREPARE p AS SELECT $1::int; SELECT a$b$c FROM t;',
    ].join('\n');
    const result = splitStatements(sql, 1);
    expect(result.map((s) => s.line)).toEqual([1, 6, 7, 7]);
    expect(result[0]!.text.endsWith('$$')).toBe(true);
    expect(result[1]!.text).toBe(
      'CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT $$;$$ $body$',
    );
    expect(result[2]!.text).toBe('PREPARE p AS SELECT $1::int');
    expect(result[3]!.text).toBe('SELECT a$b$c FROM t');
  });

  it('skips line comments and nested block comments, and drops empty statements', () => {
    const sql =
      '/* outer /* inner; */ still; */ SELECT 1; ;; -- a; b\n/* only a comment; */;\nSELECT 2 -- tail;\n';
    expect(splitStatements(sql, 1)).toEqual([
      { text: 'SELECT 1', line: 1 },
      { text: 'SELECT 2', line: 3 },
    ]);
  });

  it('keeps CREATE FUNCTION … BEGIN ATOMIC … END together, like psql', () => {
    const sql = [
      'CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql',
      'BEGIN ATOMIC',
      '  SELECT CASE WHEN a > 0 THEN a ELSE 0 END + b;',
      'END;',
      'BEGIN;',
      'COMMIT;',
    ].join('\n');
    expect(splitStatements(sql, 1).map((s) => [s.line, s.text.split('\n').length])).toEqual([
      [1, 4],
      [5, 1],
      [6, 1],
    ]);
  });

  it('does not split inside parentheses (CREATE RULE … DO (a; b))', () => {
    expect(texts('CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2); SELECT 3')).toEqual([
      'CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2)',
      'SELECT 3',
    ]);
  });

  it('treats goose and sql-migrate StatementBegin/StatementEnd blocks as one statement', () => {
    const sql = [
      'SELECT 0;',
      '-- +goose StatementBegin',
      'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;',
      'SELECT 2;',
      '-- +goose StatementEnd',
      '-- +migrate StatementBegin',
      'DO $$ BEGIN PERFORM 1; END $$;',
      '-- +migrate StatementEnd',
      'SELECT 3;',
    ].join('\n');
    expect(splitStatements(sql, 20)).toEqual([
      { text: 'SELECT 0', line: 20 },
      { text: 'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\nSELECT 2;', line: 22 },
      { text: 'DO $$ BEGIN PERFORM 1; END $$;', line: 26 },
      { text: 'SELECT 3', line: 28 },
    ]);
  });

  it('returns an unterminated last statement and survives unterminated quotes', () => {
    expect(texts('SELECT 1; SELECT 2')).toEqual(['SELECT 1', 'SELECT 2']);
    expect(texts("SELECT 'open; SELECT 2")).toEqual(["SELECT 'open; SELECT 2"]);
    expect(texts('SELECT $x$ never closed; ')).toEqual(['SELECT $x$ never closed;']);
    expect(texts('SELECT 1 /* never closed; ')).toEqual(['SELECT 1 /* never closed;']);
  });

  it('handles CRLF line endings and unicode', () => {
    expect(splitStatements('SELECT \'é;\';\r\n\r\nSELECT "ñ";\r\n', 1)).toEqual([
      { text: "SELECT 'é;'", line: 1 },
      { text: 'SELECT "ñ"', line: 3 },
    ]);
  });
});

describe('isEffectivelyEmpty', () => {
  it('is true for comments, whitespace and bare semicolons only', () => {
    expect(isEffectivelyEmpty('')).toBe(true);
    expect(isEffectivelyEmpty('  -- nothing\n/* still /* nothing */ */\n;\n')).toBe(true);
    expect(isEffectivelyEmpty('-- +goose StatementBegin\n-- +goose StatementEnd\n')).toBe(true);
    expect(isEffectivelyEmpty('-- x\nDROP TABLE t')).toBe(false);
    expect(isEffectivelyEmpty("'--'")).toBe(false);
  });
});

describe('splitStatements against PostgreSQL', () => {
  let client: pg.Client;
  beforeAll(async () => {
    await assertServerReachable();
    client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
  });

  it('yields statements PostgreSQL runs one by one, and the line of a failing one', async () => {
    const sql = [
      'CREATE TEMP TABLE split_probe (v text);',
      "INSERT INTO split_probe VALUES ('a;b'), (E'c\\';d'), ($$e;f$$), ($t$g;$$h$t$);",
      'CREATE FUNCTION pg_temp.split_fn() RETURNS int LANGUAGE plpgsql AS $$',
      'BEGIN RETURN 1; END;',
      '$$;',
      'SELECT pg_temp.split_fn(); /* trailing; comment */',
      'SELECT no_such_column FROM split_probe;',
    ].join('\n');
    const statements = splitStatements(sql, 5);
    expect(statements).toHaveLength(5);
    let failedAt: number | null = null;
    for (const statement of statements) {
      try {
        await client.query(statement.text);
      } catch {
        failedAt = statement.line;
        break;
      }
    }
    expect(failedAt).toBe(11);
    const { rows } = await client.query('SELECT v FROM split_probe ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual(['a;b', "c';d", 'e;f', 'g;$$h']);
  });
});
