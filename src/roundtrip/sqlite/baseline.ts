import { access } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import type { GateConfig } from '../../config/types.js';
import { GateError, type Finding, type MigrationSet, errorText } from '../../types.js';
import { BOOKKEEPING_TABLES } from '../baseline.js';
import { liveDatabase, liveDriftFindings, liveName } from '../baseline-live.js';
import type { SqliteFolder, SqliteScratch } from './database.js';
import { sqliteSnapshot } from './snapshot.js';
import { applyFromEmpty, cannotCompare } from '../from-empty.js';

/** What `checkSqliteBaseline` needs from the SQLite runner. */
export interface SqliteBaselineOptions {
  folder: SqliteFolder;
  sets: MigrationSet[];
  config: GateConfig;
  applyAll: (db: SqliteScratch, set: MigrationSet) => Promise<void>;
  notes: string[];
}

/**
 * Reads a live SQLite file's schema, opened read-only (no journal, no lock beyond a shared one while it reads):
 * the file's bytes are the same after the run.
 */
export async function readLiveSqlite(file: string, name: string): Promise<ReturnType<typeof sqliteSnapshot>> {
  try {
    await access(file);
  } catch {
    throw new GateError(`baseline-database ${name}: no such file`);
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { readOnly: true });
  } catch (error) {
    throw new GateError(`cannot open baseline-database ${name} read-only: ${errorText(error)}`, {
      cause: error,
    });
  }
  try {
    return sqliteSnapshot(db, { excludeTables: BOOKKEEPING_TABLES });
  } catch (error) {
    throw new GateError(`cannot read the schema of baseline-database ${name}: ${errorText(error)}`, {
      cause: error,
    });
  } finally {
    db.close();
  }
}

/**
 * `baseline-drift` against a live SQLite database: every migration of every directory applied from empty to a
 * scratch file must give the live file's schema (bookkeeping tables left out on both sides).
 */
export async function checkSqliteBaseline(opts: SqliteBaselineOptions): Promise<Finding[]> {
  const live = liveDatabase(opts.config);
  if (!live) return [];
  const name = liveName(opts.config, live);
  if (live.engine !== 'sqlite') {
    throw new GateError(
      `baseline-database ${name} is a PostgreSQL database, but the migrations run on SQLite (database sqlite): give a SQLite file`,
    );
  }
  const expected = await readLiveSqlite(live.file, name);
  const scratch = await opts.folder.createScratch();
  try {
    const failed = await applyFromEmpty(opts.sets, scratch, opts.applyAll);
    if (failed) return cannotCompare(name, 'the baseline database', failed);
    const db = scratch.open();
    let actual;
    try {
      actual = sqliteSnapshot(db, { excludeTables: BOOKKEEPING_TABLES });
    } finally {
      db.close();
    }
    return liveDriftFindings(name, expected, actual);
  } finally {
    await scratch.drop();
  }
}
