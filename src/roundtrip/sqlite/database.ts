import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { registerCleanup } from '../cleanup.js';

/** A scratch SQLite database: one file in the run's temporary folder. */
export interface SqliteScratch {
  /** Absolute path of the file. */
  readonly file: string;
  /** The SQLAlchemy URL of the file (`sqlite:////tmp/…/scratch-1.db`), for Alembic's `DATABASE_URL`. */
  readonly url: string;
  /** A new connection to the file; the caller closes it. */
  open(): DatabaseSync;
  /** Removes the file (idempotent). */
  drop(): Promise<void>;
}

/** The SQLite version Node ships, e.g. `3.50.2`. */
export function sqliteVersion(): string {
  const db = new DatabaseSync(':memory:');
  try {
    return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

/**
 * Where the scratch SQLite files of one run live: a temporary folder, removed with everything in it by
 * `close` (and by the run's signal cleanup when the process is stopped).
 */
export class SqliteFolder {
  private dir: string | null = null;
  private count = 0;
  private release: (() => void) | null = null;

  async createScratch(): Promise<SqliteScratch> {
    if (!this.dir) {
      this.dir = await mkdtemp(path.join(tmpdir(), 'migration-gate-sqlite-'));
      const dir = this.dir;
      this.release = registerCleanup(() => rm(dir, { recursive: true, force: true }));
    }
    const file = path.join(this.dir, `scratch-${++this.count}.db`);
    // Created empty, so that every tool opening it finds a database file.
    new DatabaseSync(file).close();
    return {
      file,
      url: `sqlite:///${file}`,
      open: () => {
        const db = new DatabaseSync(file);
        db.exec('PRAGMA foreign_keys = ON');
        return db;
      },
      drop: async () => {
        await rm(file, { force: true });
        await rm(`${file}-journal`, { force: true });
        await rm(`${file}-wal`, { force: true });
        await rm(`${file}-shm`, { force: true });
      },
    };
  }

  /** Removes the folder and every file in it. */
  async close(): Promise<void> {
    const dir = this.dir;
    this.dir = null;
    if (dir) await rm(dir, { recursive: true, force: true });
    this.release?.();
    this.release = null;
  }
}
