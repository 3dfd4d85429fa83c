import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { GateConfig } from '../config/types.js';
import { splitStatements } from '../discover/sql-split.js';
import { GateError, type Finding, type MigrationSet, errorText } from '../types.js';
import { diffSnapshots } from './diff.js';
import { ALEMBIC_EXCLUDED_TABLES } from './executors/alembic.js';
import { errorLine, pgErrorMessage } from './executors/sql.js';
import { endClient } from './providers/url.js';
import { takeSnapshot, type Snapshot } from './snapshot/index.js';
import type { DatabaseProvider, ScratchDatabase } from './types.js';
import { applyFromEmpty, cannotCompare, driftFinding } from './from-empty.js';

/**
 * Bookkeeping tables of migration tools, left out on both sides: a dump of a production database holds
 * them, a database the gate migrated does not (or holds its own).
 */
export const BOOKKEEPING_TABLES = [
  ...ALEMBIC_EXCLUDED_TABLES,
  'public.schema_migrations',
  'public.goose_db_version',
  'public.gorp_migrations',
  'public.SequelizeMeta',
  'public.knex_migrations',
  'public.knex_migrations_lock',
  'public.pgmigrations',
  'public.flyway_schema_history',
];

const LABELS = { before: 'in the baseline', after: 'after all migrations' };

/** What `checkBaseline` needs from the runner. */
export interface BaselineOptions {
  provider: DatabaseProvider;
  sets: MigrationSet[];
  config: GateConfig;
  /** Applies every migration of `set`, from empty, to `db` (the runner's own way of running them). */
  applyAll: (db: ScratchDatabase, set: MigrationSet) => Promise<void>;
  /** Receives what the output should mention (skipped statements, ignored data). */
  notes?: string[];
}

/** The baseline file's SQL with psql meta-commands and `COPY … FROM stdin` data blanked out (lines kept). */
export function prepareBaselineSql(text: string): { sql: string; notes: string[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let meta = 0;
  let copies = 0;
  let inCopy = false;
  const out = lines.map((line) => {
    if (inCopy) {
      if (line === '\\.') inCopy = false;
      return '';
    }
    if (/^\s*COPY\s.*\bFROM\s+stdin\b.*;\s*$/i.test(line)) {
      inCopy = true;
      copies++;
      return '';
    }
    if (/^\\/.test(line)) {
      meta++;
      return '';
    }
    return line;
  });
  const notes: string[] = [];
  if (meta > 0) notes.push(`${meta} psql meta-command line(s) (\\restrict, \\connect, …) were skipped`);
  if (copies > 0)
    notes.push(`the data of ${copies} COPY block(s) was ignored: the baseline check compares schemas only`);
  return { sql: out.join('\n'), notes };
}

/** Statements that only set owners or privileges: skipped when they name a role this server lacks. */
const ROLE_STATEMENT = /^(?:GRANT|REVOKE|ALTER\s+DEFAULT\s+PRIVILEGES)\b|\bOWNER\s+TO\b/i;

/**
 * Loads the baseline file into `client` like psql would: statement by statement, in autocommit, on one
 * session (so `SET` and `set_config('search_path', …)` carry over). Ownership and privilege statements for
 * roles that do not exist are skipped with a note; any other error is a `GateError` naming file and line.
 */
export async function loadBaseline(
  client: pg.Client,
  text: string,
  file: string,
  notes: string[],
): Promise<void> {
  const prepared = prepareBaselineSql(text);
  const skippedRoles = new Set<string>();
  let skipped = 0;
  for (const statement of splitStatements(prepared.sql)) {
    try {
      await client.query(statement.text);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code === '42704' || code === '42501') && ROLE_STATEMENT.test(statement.text)) {
        const role = /role "([^"]+)"/.exec((error as Error).message)?.[1];
        if (role) skippedRoles.add(role);
        skipped++;
        continue;
      }
      throw new GateError(
        `cannot load baseline-schema ${file}:${errorLine(statement, error)}: ${pgErrorMessage(error)}`,
        {
          cause: error,
        },
      );
    }
  }
  notes.push(...prepared.notes.map((n) => `baseline ${file}: ${n}`));
  if (skipped > 0) {
    const roles = skippedRoles.size > 0 ? ` (${[...skippedRoles].sort().join(', ')})` : '';
    notes.push(
      `baseline ${file}: ${skipped} ownership/privilege statement(s) for roles the scratch database lacks${roles} were skipped`,
    );
  }
}

async function snapshotOf(
  db: ScratchDatabase,
  options: Parameters<typeof takeSnapshot>[1],
): Promise<Snapshot> {
  const client = await db.connect();
  try {
    return await takeSnapshot(client, options);
  } finally {
    await endClient(client);
  }
}

/**
 * The `baseline-drift` check: loads `config.baselineSchema` (relative to the working directory) into one
 * scratch database, applies every migration of every set from empty into another (`applyAll`), and compares
 * their catalog snapshots, bookkeeping tables left out. Returns one finding on the baseline file listing each
 * difference, or none. A missing or unloadable baseline file is a `GateError`.
 */
export async function checkBaseline(opts: BaselineOptions): Promise<Finding[]> {
  const { provider, sets, config } = opts;
  if (!config.baselineSchema) return [];
  const absFile = path.resolve(config.cwd, config.baselineSchema);
  const relative = path.relative(config.cwd, absFile);
  const file =
    relative.startsWith('..') || path.isAbsolute(relative)
      ? config.baselineSchema
      : relative.split(path.sep).join('/');

  let text: string;
  try {
    text = await readFile(absFile, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new GateError(
      `baseline-schema ${file}: ${code === 'ENOENT' ? 'no such file' : errorText(error)} (paths are relative to ${config.cwd})`,
      { cause: error },
    );
  }

  const notes = opts.notes ?? [];
  const snapshotOptions = { excludeTables: BOOKKEEPING_TABLES };

  let expected: Snapshot;
  const baselineDb = await provider.createScratch();
  try {
    const client = await baselineDb.connect();
    try {
      await loadBaseline(client, text, file, notes);
      expected = await takeSnapshot(client, snapshotOptions);
    } finally {
      await endClient(client);
    }
  } finally {
    await baselineDb.drop();
  }

  let actual: Snapshot;
  const migratedDb = await provider.createScratch();
  try {
    const failed = await applyFromEmpty(sets, migratedDb, opts.applyAll);
    if (failed) return cannotCompare(file, 'the baseline', failed);
    actual = await snapshotOf(migratedDb, snapshotOptions);
  } finally {
    await migratedDb.drop();
  }

  return driftFinding(file, `the baseline ${file}`, diffSnapshots(expected, actual), LABELS);
}
