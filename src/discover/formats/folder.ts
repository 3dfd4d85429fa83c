import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { GateConfig } from '../../config/types.js';
import type { Migration } from '../../types.js';
import { listFiles, loadFile, mapLimit, READ_CONCURRENCY, type LoadedFile } from '../detect.js';
import { sqlxNoTransaction } from '../no-transaction.js';
import { parsePairMigration, unreadableMigration, type SourceFile } from './sql.js';

/** One `<name>/` folder of a folder-per-migration directory (diesel's layout), its files read. */
export interface FolderEntry {
  /** The folder's name: the migration's name. */
  name: string;
  up: LoadedFile | null;
  down: LoadedFile | null;
  /** `metadata.toml` (diesel: `run_in_transaction = false`), when present. */
  metadata: LoadedFile | null;
}

export const FOLDER_UP = 'up.sql';
export const FOLDER_DOWN = 'down.sql';
const METADATA = 'metadata.toml';

/**
 * Reads the folders of `absDir` that hold an `up.sql` or a `down.sql`; other folders are not migrations and
 * are left out. Only ever reads.
 */
export async function readFolders(
  absDir: string,
  subdirs: string[],
  root: string | null,
): Promise<FolderEntry[]> {
  const entries = await mapLimit(subdirs, READ_CONCURRENCY, async (name): Promise<FolderEntry | null> => {
    const abs = path.join(absDir, name);
    const files = await listFiles(abs).catch(() => [] as string[]);
    if (!files.includes(FOLDER_UP) && !files.includes(FOLDER_DOWN)) return null;
    const load = (file: string) =>
      files.includes(file) ? loadFile(path.join(abs, file), `${name}/${file}`, root) : Promise.resolve(null);
    const [up, down, metadata] = await Promise.all([load(FOLDER_UP), load(FOLDER_DOWN), load(METADATA)]);
    return { name, up, down, metadata };
  });
  return entries.filter((e) => e !== null);
}

/**
 * Parses one migration folder: `up.sql` and `down.sql` as the two parts (a missing `down.sql` means no
 * downgrade), `metadata.toml`'s `run_in_transaction = false` (or sqlx's first line `-- no-transaction`) runs it
 * without a transaction.
 */
export function parseFolderMigration(entry: FolderEntry, dir: string, config: GateConfig): Migration {
  const rel = (file: LoadedFile) => (dir === '.' ? file.name : `${dir}/${file.name}`);
  const source = (file: LoadedFile | null): SourceFile | null =>
    file && file.text !== null ? { absPath: file.absPath, relPath: rel(file), dir, text: file.text } : null;
  const extra = [entry.metadata].filter((f) => f !== null);
  if (entry.up?.problem) {
    const migration = unreadableMigration(
      { name: entry.name, dir, relPath: rel(entry.up), format: 'sql', dialect: 'folder' },
      entry.up.problem,
      config,
    );
    migration.files.push(...[entry.down, ...extra].filter((f) => f !== null).map(rel));
    return migration;
  }
  const migration = parsePairMigration(
    {
      name: entry.name,
      dir,
      up: source(entry.up),
      down: source(entry.down),
      dialect: 'folder',
      upFile: `${entry.name}/${FOLDER_UP}`,
    },
    config,
  );
  if (entry.down?.problem) {
    migration.files.push(rel(entry.down));
    migration.parseProblems.push({ path: rel(entry.down), ...entry.down.problem });
  }
  for (const file of extra) {
    migration.files.push(rel(file));
    if (file.problem) migration.parseProblems.push({ path: rel(file), ...file.problem });
    else if (file.text !== null && !readRunInTransaction(file.text, rel(file), migration)) {
      migration.transaction = false;
    }
  }
  if ([migration.up, migration.down].some((part) => part && sqlxNoTransaction(part.text))) {
    migration.transaction = false;
  }
  return migration;
}

/** `run_in_transaction` of a `metadata.toml` (true when absent); a problem with its line when unreadable. */
function readRunInTransaction(text: string, relPath: string, migration: Migration): boolean {
  let data: Record<string, unknown>;
  try {
    data = parseToml(text);
  } catch (error) {
    const line = error instanceof TomlError ? error.line : null;
    const reason = ((error as Error).message.split('\n')[0] ?? '').trim();
    migration.parseProblems.push({ path: relPath, line, message: `invalid TOML: ${reason}` });
    return true;
  }
  const value = data.run_in_transaction;
  if (value === undefined) return true;
  if (typeof value !== 'boolean') {
    const line = text.split('\n').findIndex((l) => /^\s*run_in_transaction\s*=/.test(l)) + 1;
    migration.parseProblems.push({
      path: relPath,
      line: line || null,
      message: `run_in_transaction must be true or false; got ${JSON.stringify(value)}`,
    });
    return true;
  }
  return value;
}
