import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  errorLine,
  runStatements,
  sqlExecutor,
  transactionControl,
  transactionControlMessage,
} from '../src/roundtrip/executors/sql.js';
import { UrlProvider } from '../src/roundtrip/providers/url.js';
import { StepError } from '../src/roundtrip/types.js';
import type { ScratchDatabase, StepContext } from '../src/roundtrip/types.js';
import { splitStatements } from '../src/discover/sql-split.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';
import { migration, testConfig } from './helpers/migration.js';
import { databasesLeft } from './roundtrip-support.js';

describe('transaction control', () => {
  it('recognises statements that end, start or abort the wrapping transaction', () => {
    expect(transactionControl('BEGIN')).toBe('BEGIN');
    expect(transactionControl('begin transaction isolation level serializable')).toBe('BEGIN');
    expect(transactionControl('START TRANSACTION')).toBe('START TRANSACTION');
    expect(transactionControl('COMMIT AND CHAIN')).toBe('COMMIT');
    expect(transactionControl('END')).toBe('END');
    expect(transactionControl('ROLLBACK')).toBe('ROLLBACK');
    expect(transactionControl('abort')).toBe('ABORT');
    expect(transactionControl("PREPARE TRANSACTION 'x'")).toBe('PREPARE TRANSACTION');
    expect(transactionControl('ROLLBACK TO SAVEPOINT a')).toBeNull();
    expect(transactionControl('rollback work to a')).toBeNull();
    expect(transactionControl('SAVEPOINT a')).toBeNull();
    expect(transactionControl('CREATE TABLE begin_log (id int)')).toBeNull();
    expect(transactionControl('BEGINNING')).toBeNull();
    expect(transactionControl('DO $$ BEGIN PERFORM 1; END $$')).toBeNull();
  });

  it("names the migration's own way out of the transaction, and none where its format has none", () => {
    const tail = (dialect: Parameters<typeof transactionControlMessage>[1]) =>
      transactionControlMessage('COMMIT', dialect).split('wraps every migration in. ')[1];
    expect(tail({ dialect: 'dbmate' })).toBe(
      "Remove it, or opt out of the transaction with '-- migrate:up transaction:false'",
    );
    expect(tail({ dialect: 'goose' })).toBe(
      "Remove it, or opt out of the transaction with '-- +goose NO TRANSACTION'",
    );
    expect(tail({ dialect: 'sql-migrate' })).toBe(
      "Remove it, or opt out of the transaction with '-- +migrate Up notransaction'",
    );
    expect(tail({ dialect: 'pair' })).toBe(
      "Remove it, or opt out of the transaction with '-- no-transaction' as the file's first line",
    );
    expect(tail({ dialect: 'folder' })).toBe(
      "Remove it, or opt out of the transaction with 'run_in_transaction = false' in the folder's metadata.toml",
    );
    expect(tail({ dialect: null })).toBe('Remove it: this migration format always runs in a transaction');
  });
});

describe('error lines', () => {
  it("maps PostgreSQL's 1-based character position to the file line", () => {
    const [statement] = splitStatements('\n\nSELECT 1,\n  2,\n  é + nope', 10);
    expect(statement!.line).toBe(12);
    expect(errorLine(statement!, { position: '1' })).toBe(12);
    expect(errorLine(statement!, { position: String(statement!.text.indexOf('nope') + 1) })).toBe(14);
    expect(errorLine(statement!, {})).toBe(12);
  });
});

describe('sql executor on PostgreSQL', () => {
  const provider = new UrlProvider(TEST_DATABASE_URL);
  let scratch: ScratchDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    await assertServerReachable();
    scratch = await provider.createScratch();
    client = await scratch.connect();
  });

  afterAll(async () => {
    await client.end();
    await provider.close();
    expect(await databasesLeft([scratch.name])).toEqual([]);
  });

  function ctx(): StepContext {
    return {
      client,
      db: scratch,
      config: testConfig(),
      timeoutMs: 5_000,
      signal: new AbortController().signal,
    };
  }

  it('runs a part statement by statement in one transaction, rolled back on error with the file line', async () => {
    const m = migration('202601010000_accounts', {
      up: {
        path: 'migrations/202601010000_accounts.up.sql',
        text: "CREATE TABLE accounts (id int);\nINSERT INTO accounts VALUES (1);\n\nINSERT INTO accounts\n  VALUES ('x');\n",
        startLine: 3,
        empty: false,
      },
    });
    const error = await sqlExecutor.run(m, 'up', ctx()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StepError);
    expect(error).toMatchObject({ path: 'migrations/202601010000_accounts.up.sql', line: 7 });
    expect((error as Error).message).toBe('invalid input syntax for type integer: "x"');
    const table = await client.query("SELECT to_regclass('public.accounts') AS t");
    expect(table.rows[0].t).toBeNull();
  });

  it('runs statements outside a transaction when the migration opts out', async () => {
    await runStatements(
      client,
      splitStatements('CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY t_a ON t (a);'),
      'x.sql',
      false,
    );
    const index = await client.query("SELECT to_regclass('public.t_a') AS i");
    expect(index.rows[0].i).toBe('t_a');
  });

  it('runs nothing of a part that controls the transaction itself', async () => {
    const error = await runStatements(
      client,
      splitStatements('CREATE TABLE u (a int);\nCOMMIT;', 1),
      'u.sql',
      true,
      { dialect: 'pair' },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ line: 2, path: 'u.sql' });
    expect((error as Error).message).toMatch(
      /Remove it, or opt out of the transaction with '-- no-transaction' as the file's first line$/,
    );
    expect((await client.query("SELECT to_regclass('public.u') AS t")).rows[0].t).toBeNull();
  });
});
