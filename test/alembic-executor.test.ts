import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import type { GateConfig } from '../src/config/types.js';
import { orderAlembic } from '../src/discover/formats/alembic.js';
import { parseRevisions } from './helpers/alembic.js';
import {
  alembicExecutor,
  alembicTarget,
  alembicWorkingDirectory,
  checkAlembicCommand,
} from '../src/roundtrip/executors/alembic.js';
import { readAlembicFailure, splitCommand } from '../src/roundtrip/executors/alembic-process.js';
import { UrlProvider } from '../src/roundtrip/providers/url.js';
import { StepError, type Direction, type ScratchDatabase } from '../src/roundtrip/types.js';
import { GateError, type Migration } from '../src/types.js';
import { TEST_DATABASE_URL } from './helpers/db.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/alembic/', import.meta.url));
const PASSWORD = new URL(TEST_DATABASE_URL).password;

function load(projectDir: string, config: GateConfig): Migration[] {
  return orderAlembic(parseRevisions(projectDir, 'migrations/versions', config));
}

describe('splitCommand', () => {
  it('splits like a shell word list, without expanding anything', () => {
    expect(splitCommand('alembic')).toEqual(['alembic']);
    expect(splitCommand(`  poetry run  alembic -c "db/my config.ini" -x 'a b' c\\ d $HOME`)).toEqual([
      'poetry',
      'run',
      'alembic',
      '-c',
      'db/my config.ini',
      '-x',
      'a b',
      'c d',
      '$HOME',
    ]);
    expect(splitCommand(`python3 -m alembic --name "" `)).toEqual(['python3', '-m', 'alembic', '--name', '']);
  });

  it('rejects an unterminated quote and an empty command', () => {
    expect(() => splitCommand(`alembic -c "db`)).toThrowError(GateError);
    expect(() => splitCommand('   ')).toThrowError('alembic-command is empty');
  });
});

describe('alembicTarget', () => {
  const m = (downRevisions: string[]) =>
    ({
      name: 'x',
      path: 'x.py',
      alembic: { revision: 'r', downRevisions, branchLabels: [], dependsOn: [] },
    }) as unknown as Migration;

  it('upgrades to the revision, downgrades one step on its branch, and a merge to its first parent', () => {
    expect(alembicTarget(m(['p']), 'up')).toBe('r');
    expect(alembicTarget(m(['p']), 'down')).toBe('r@-1');
    expect(alembicTarget(m([]), 'down')).toBe('r@-1');
    expect(alembicTarget(m(['p', 'q']), 'down')).toBe('p');
  });
});

describe('readAlembicFailure', () => {
  it("takes Alembic's FAILED line when there is no traceback", async () => {
    const output = `INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.
ERROR [alembic.util.messaging] Can't locate revision identified by 'zzz'
  FAILED: Can't locate revision identified by 'zzz'
`;
    expect(await readAlembicFailure(output, '/p', '/p/v/a.py', '/p/v')).toEqual({
      message: "FAILED: Can't locate revision identified by 'zzz'",
      file: null,
      line: null,
    });
  });
});

describe('alembicWorkingDirectory', () => {
  it('runs from the folder of the nearest alembic.ini up to the working directory', async () => {
    const config = { ...defaultConfig(path.join(FIXTURES, '..')), alembicCommand: 'alembic' };
    expect(await alembicWorkingDirectory(config, 'alembic/project/migrations/versions')).toBe(
      path.join(FIXTURES, 'project'),
    );
    expect(await alembicWorkingDirectory(config, 'alembic/broken-chain')).toBe(path.resolve(FIXTURES, '..'));
    const named = { ...config, alembicCommand: 'alembic -c alembic/project/alembic.ini' };
    expect(await alembicWorkingDirectory(named, 'alembic/project/migrations/versions')).toBe(
      path.resolve(FIXTURES, '..'),
    );
  });
});

describe('checkAlembicCommand', () => {
  it('reports the installed Alembic, and a missing command as one configuration error', async () => {
    const config = defaultConfig(path.join(FIXTURES, 'project'));
    expect(await checkAlembicCommand(config)).toMatch(/^alembic \d+\.\d+/);
    await expect(
      checkAlembicCommand({ ...config, alembicCommand: 'no-such-alembic-x9 run' }),
    ).rejects.toThrowError(
      /^cannot run the Alembic command 'no-such-alembic-x9 run' in .*: not found; install Alembic or set alembic-command/,
    );
  });

  it('reports an Alembic that cannot start (a missing config file) as one configuration error', async () => {
    const config = { ...defaultConfig(path.join(FIXTURES, 'project')), dirs: ['migrations/versions'] };
    await expect(
      checkAlembicCommand({ ...config, alembicCommand: 'alembic -c missing.ini' }),
    ).rejects.toThrowError(
      /^'alembic -c missing\.ini current' fails in the working directory before reaching a database: FAILED: No config file 'missing\.ini' found/,
    );
  });
});

describe('alembicExecutor on a real PostgreSQL', () => {
  const provider = new UrlProvider(TEST_DATABASE_URL);
  const scratches: ScratchDatabase[] = [];
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    await provider.start();
  });
  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await provider.close();
  });

  async function scratch(): Promise<{ db: ScratchDatabase; client: pg.Client }> {
    const db = await provider.createScratch();
    scratches.push(db);
    const client = await db.connect();
    clients.push(client);
    return { db, client };
  }

  function runner(
    config: GateConfig,
    db: ScratchDatabase,
    client: pg.Client,
    signal = new AbortController().signal,
  ) {
    return (m: Migration, direction: Direction) =>
      alembicExecutor.run(m, direction, { client, db, config, timeoutMs: 30_000, signal });
  }

  async function tables(client: pg.Client): Promise<string[]> {
    const result = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    return result.rows.map((r) => r.name);
  }

  async function columns(client: pg.Client, table: string): Promise<string[]> {
    const result = await client.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    return result.rows.map((r) => r.name);
  }

  it('upgrades and downgrades the fixture project revision by revision', async () => {
    const projectDir = path.join(FIXTURES, 'project');
    const config = defaultConfig(projectDir);
    const [create, status, region, normalize] = load(projectDir, config);
    const { db, client } = await scratch();
    const run = runner(config, db, client);

    await run(create!, 'up');
    expect(await tables(client)).toEqual(['alembic_version', 'customers']);
    await run(status!, 'up');
    expect(await columns(client, 'customers')).toEqual(['id', 'email', 'created_at', 'status']);
    await run(status!, 'down');
    expect(await columns(client, 'customers')).toEqual(['id', 'email', 'created_at']);
    await run(create!, 'down');
    expect(await tables(client)).toEqual(['alembic_version']);

    // The lossy revision leaves its index behind, so upgrading again fails on the line that creates it.
    await run(create!, 'up');
    await run(status!, 'up');
    await run(region!, 'up');
    await run(region!, 'down');
    const indexes = await client.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'customers' ORDER BY 1`,
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual(['customers_pkey', 'ix_customers_email']);
    const reup = await run(region!, 'up').catch((e: unknown) => e);
    expect(reup).toMatchObject({
      message: expect.stringContaining(
        '(psycopg2.errors.DuplicateTable) relation "ix_customers_email" already exists',
      ),
      path: 'migrations/versions/202611031100_add_customer_region.py',
      line: 21,
    });

    // The irreversible revision fails its downgrade with its own line.
    await client.query('DROP INDEX ix_customers_email');
    await run(region!, 'up');
    await run(normalize!, 'up');
    const error = await run(normalize!, 'down').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect(error).toMatchObject({
      message:
        'alembic downgrade e1a5b3c7d943@-1: NotImplementedError: the original spelling of each email is gone',
      path: 'migrations/versions/202611041200_normalize_customer_emails.py',
      line: 24,
    });
    // Nothing is written next to the revisions.
    expect(existsSync(path.join(projectDir, 'migrations/versions/__pycache__'))).toBe(false);
    expect(existsSync(path.join(projectDir, 'migrations/__pycache__'))).toBe(false);
  });

  it('names the revision file and line of a failing revision, without the password', async () => {
    const projectDir = path.join(FIXTURES, 'failing');
    const config = defaultConfig(projectDir);
    const [create, total] = load(projectDir, config);
    const { db, client } = await scratch();
    const run = runner(config, db, client);
    await run(create!, 'up');
    const error = (await run(total!, 'up').catch((e: unknown) => e)) as StepError;
    expect(error).toBeInstanceOf(StepError);
    expect(error.path).toBe('migrations/versions/202611051100_add_invoice_total.py');
    expect(error.line).toBe(21);
    expect(error.message).toBe(
      'alembic upgrade a0b1c2d3e4f5: sqlalchemy.exc.ProgrammingError: (psycopg2.errors.SyntaxError) syntax error at or near "TABLEX"',
    );
    expect(error.message).not.toContain(PASSWORD);
    // The failed revision ran in its own transaction: the column it added first is gone.
    expect(await columns(client, 'invoices')).toEqual(['id', 'number']);
  });

  it('scrubs the password from a connection failure', async () => {
    const projectDir = path.join(FIXTURES, 'project');
    const config = defaultConfig(projectDir);
    const [create] = load(projectDir, config);
    const { db, client } = await scratch();
    const secret = 'hunter2-secret';
    const wrong = {
      ...db,
      name: db.name,
      url: db.url.replace(`:${PASSWORD}@`, `:${secret}@`).replace(/:\d+\//, ':1/'),
      displayUrl: db.displayUrl,
      connect: () => db.connect(),
      terminateSessions: () => db.terminateSessions(),
      drop: () => db.drop(),
    };
    const error = (await runner(config, wrong, client)(create!, 'up').catch((e: unknown) => e)) as StepError;
    expect(error).toBeInstanceOf(StepError);
    expect(error.message).toMatch(/OperationalError/);
    expect(error.message).not.toContain(secret);
  });

  it('stops Alembic and everything it started when the step is aborted', async () => {
    const projectDir = path.join(FIXTURES, 'project');
    const marker = path.join(mkdtempSync(path.join(tmpdir(), 'mg-alembic-')), 'still-running');
    // A wrapper that starts a child and would write the marker if it outlived the abort.
    const config = {
      ...defaultConfig(projectDir),
      alembicCommand: `sh -c '[ "$1" = current ] && { echo "OperationalError: connection refused" >&2; exit 1; }; sleep 1 && touch "${marker}"' alembic`,
    };
    const [create] = load(projectDir, config);
    const { db, client } = await scratch();
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const error = await runner(config, db, client, controller.signal)(create!, 'up').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(StepError);
    expect((error as Error).message).toMatch(/^Alembic was stopped after \d+ s: the step ran out of time$/);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(existsSync(marker)).toBe(false);
    rmSync(path.dirname(marker), { recursive: true, force: true });
  });

  it('refuses a project whose env.py ignores DATABASE_URL before migrating anything', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'mg-alembic-env-'));
    try {
      cpSync(path.join(FIXTURES, 'project'), work, { recursive: true });
      const envPy = path.join(work, 'migrations/env.py');
      const other = path.join(work, 'configured.sqlite');
      writeFileSync(
        envPy,
        readFileSync(envPy, 'utf8').replace(
          'def database_url() -> str:\n',
          `def database_url() -> str:\n    return "sqlite:///${other}"\n`,
        ),
      );
      const config = { ...defaultConfig(work), dirs: ['migrations/versions'] };
      const message =
        "the Alembic project in . does not connect to DATABASE_URL: 'alembic current' succeeded while DATABASE_URL " +
        'pointed at a closed port, so env.py reaches another database (sqlalchemy.url?). migration-gate only ' +
        'migrates databases it creates: make env.py use os.environ["DATABASE_URL"] when it is set';
      await expect(checkAlembicCommand(config)).rejects.toThrowError(message);
      const [create] = load(work, config);
      const { db, client } = await scratch();
      await expect(runner(config, db, client)(create!, 'up')).rejects.toThrowError(message);
      expect(await tables(client)).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('downgrades a merge revision to its parents and a branch revision without touching the other branch', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'mg-alembic-merge-'));
    try {
      cpSync(path.join(FIXTURES, 'project'), work, { recursive: true });
      const versions = path.join(work, 'migrations/versions');
      for (const f of readdirSync(versions))
        if (!f.startsWith('202611010900')) rmSync(path.join(versions, f));
      const write = (name: string, revision: string, down: string) =>
        writeFileSync(
          path.join(versions, `${name}.py`),
          `from alembic import op\nrevision = "${revision}"\ndown_revision = ${down}\n\n\ndef upgrade():\n    op.execute("CREATE TABLE t_${revision} (id int)")\n\n\ndef downgrade():\n    op.execute("DROP TABLE t_${revision}")\n`,
        );
      write('202611060000_left', 'left', '"3f9c2a1b7d10"');
      write('202611060100_right', 'right', '"3f9c2a1b7d10"');
      write('202611060200_merge', 'merged', '("left", "right")');
      const config = defaultConfig(work);
      const [root, left, right, merge] = load(work, config);
      expect(merge!.name).toBe('202611060200_merge');
      const { db, client } = await scratch();
      const run = runner(config, db, client);
      for (const m of [root!, left!, right!, merge!]) await run(m, 'up');
      await run(merge!, 'down');
      expect(await tables(client)).toEqual(['alembic_version', 'customers', 't_left', 't_right']);
      const heads = await client.query(`SELECT version_num FROM alembic_version ORDER BY 1`);
      expect(heads.rows.map((r) => r.version_num)).toEqual(['left', 'right']);
      await run(right!, 'down');
      expect(await tables(client)).toEqual(['alembic_version', 'customers', 't_left']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
