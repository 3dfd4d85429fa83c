import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { GateConfig } from '../config/types.js';
import type { DeletedMigration, Format, Migration, MigrationSet } from '../types.js';
import { GateError, familyOf } from '../types.js';
import { byVersion, classify, type BaseState } from './classify.js';
import {
  candidateKind,
  detectFormat,
  directoryError,
  formatOfKind,
  listFiles,
  listSubdirectories,
  loadFile,
  mapLimit,
  READ_CONCURRENCY,
} from './detect.js';
import { toolConventions, type ToolConvention } from './formats/conventions.js';
import { readFolders } from './formats/folder.js';
import { TOOL_HISTORY_TABLES } from './formats/tools.js';
import { newMigration } from './formats/sql.js';
import { changedFiles, listFilesAtBase, resolveBase, type ChangedFile } from './git.js';
import { containment, relativeDir, repositoryRoot } from '../repository.js';
import { parseName } from './naming.js';
import { noTransactionNote } from './no-transaction.js';
import { nothingFoundError } from './nothing-found.js';
import { joinRel, parseDirectory, problemMigration, stemOf } from './parse-dir.js';
import { findUnsupported } from './unsupported.js';

export { detectDirectoryFormat, type DirectoryFormat } from './detect.js';

/**
 * Finds the migrations of every configured directory, parses them, and classifies each against the merge
 * base of `config.base` and HEAD (without a base every migration is `added`). A missing directory, a
 * directory mixing formats or a git problem is a one-line `GateError`; problems of single files end up in
 * the migrations' `parseProblems`.
 */
export async function discover(config: GateConfig, options: DiscoverOptions = {}): Promise<MigrationSet[]> {
  const conventions = await toolConventions(config.cwd);
  const dirs = (await conventionalDirs(config, conventions)).map((dir) => relativeDir(config.cwd, dir));
  let base: BaseState | null = null;
  if (config.base) {
    const sha = options.baseSha ?? (await resolveBase(config.cwd, config.base));
    const changes = options.changes
      ? options.changes.filter((c) =>
          dirs.some((d) => d === '.' || inDir(c.path, d) || inDir(c.previousPath, d)),
        )
      : await changedFiles(config.cwd, sha, dirs);
    base = {
      sha,
      changes: new Map(changes.map((c) => [c.path, c])),
      renamedFrom: new Map(changes.filter((c) => c.previousPath).map((c) => [c.previousPath!, c])),
    };
  }
  const root = await repositoryRoot(config.cwd);
  const sets: MigrationSet[] = [];
  for (const dir of dirs) sets.push(await discoverDirectory(config, dir, base, root));
  for (const set of sets) {
    if (set.format !== 'sequelize' && set.format !== 'knex' && set.format !== 'node-pg-migrate') continue;
    const named = conventions.flatMap((c) => (c.tool === set.format && c.table ? [c.table] : []));
    set.historyTables = [...new Set([...TOOL_HISTORY_TABLES[set.format], ...named])];
  }
  return sets;
}

/**
 * The configured directories; when that is the default `migrations` and no such folder exists, the directories
 * the project's migration tools name (`.sequelizerc`, knexfile, node-pg-migrate's settings).
 */
async function conventionalDirs(config: GateConfig, conventions: ToolConvention[]): Promise<string[]> {
  const named = [...new Set(conventions.flatMap((c) => (c.dir ? [c.dir] : [])))];
  if (named.length === 0 || config.dirs.length !== 1 || config.dirs[0] !== 'migrations') return config.dirs;
  const exists = await stat(path.join(config.cwd, 'migrations')).then(
    () => true,
    () => false,
  );
  return exists ? config.dirs : named;
}

/** Options of `discover`. */
export interface DiscoverOptions {
  /**
   * The changed files as another source lists them (the pull request files API), paths relative to the working
   * directory; replaces the git diff against the merge base. The base is still read from git.
   */
  changes?: ChangedFile[];
  /** The merge base of `config.base` and HEAD when the caller resolved it already. */
  baseSha?: string;
}

/** True for a path directly inside `dir`, or one folder down (a folder per migration). */
function inDir(path: string | null, dir: string): boolean {
  return (
    path !== null && path.startsWith(`${dir}/`) && (path.slice(dir.length + 1).match(/\//g)?.length ?? 0) <= 1
  );
}

/** `dir` relative to `cwd`, `/`-separated, without trailing slash (`.` for `cwd` itself). */
async function discoverDirectory(
  config: GateConfig,
  dir: string,
  base: BaseState | null,
  root: string,
): Promise<MigrationSet> {
  const absDir = path.resolve(config.cwd, dir);
  const where = await containment(root, absDir);
  if (where.inside === false) {
    // Nothing in it is listed or read; the parse-error fails the gate.
    const format = config.format === 'auto' ? 'sql' : config.format;
    const outside = [{ path: dir, message: `migration directory '${dir}' ${where.message}` }];
    return { dir, format, migrations: [], deleted: [], baseNames: null, outside };
  }
  let names: string[];
  try {
    names = await listFiles(absDir);
  } catch (error) {
    throw directoryError(error, dir, absDir);
  }
  const subdirs = await listSubdirectories(absDir);
  const forced = config.format;
  const migrationLike = (name: string) => /^\d/.test(name) || parseName(name, config.namingPattern).matches;
  const candidates = names.filter((name) => {
    const kind = candidateKind(name);
    return kind !== null && (forced === 'auto' || formatOfKind(kind) === familyOf(forced));
  });
  if (forced !== 'auto' && candidates.length === 0) {
    // Migrations of another format only: gating none of them would pass a gate that looked at nothing.
    const other = names.find((name) => candidateKind(name) !== null && migrationLike(stemOf(name)));
    if (other) {
      throw new GateError(
        `migration directory '${dir}' holds no ${forced} migration, only files of another format such as ` +
          `'${other}': set format auto (detected per directory) or this directory's own format`,
      );
    }
  }
  const [files, folders] = await Promise.all([
    mapLimit(candidates, READ_CONCURRENCY, (name) => loadFile(path.join(absDir, name), name, root)),
    readFolders(absDir, subdirs, root),
  ]);
  const detected = detectFormat(
    files,
    dir,
    forced,
    folders.map((f) => f.name),
  );
  const baseFiles = base
    ? await listFilesAtBase(config.cwd, base.sha, dir, detected?.dialect === 'folder')
    : null;

  let format: Format;
  let migrations: Migration[];
  const notes: string[] = [];
  if (detected) {
    format = detected.format;
    const readOther = async (name: string) =>
      names.includes(name) ? (await loadFile(path.join(absDir, name), name, root)).text : null;
    const parsed = await parseDirectory(config, dir, detected, files, { folders, migrationLike, readOther });
    migrations = parsed.migrations;
    notes.push(...parsed.notes);
  } else {
    const suspect = files.find((f) => f.text !== null && migrationLike(stemOf(f.name)));
    if (suspect) {
      throw new GateError(
        `no migration of a known format in '${dir}' ('${suspect.name}' is none): use <name>.up.sql/<name>.down.sql ` +
          `pairs, SQL files with '-- migrate:up', '-- +goose Up' or '-- +migrate Up' markers, modules exporting ` +
          `'up', or Alembic revisions`,
      );
    }
    const unusable = files.filter((f) => f.problem);
    const firstKind = unusable[0] ? candidateKind(unusable[0].name) : null;
    format = forced !== 'auto' ? forced : firstKind ? formatOfKind(firstKind) : 'sql';
    migrations = unusable.map((f) => problemMigration(config, dir, f, format, null));
  }
  migrations.push(...(await unsupportedMigrations(config, dir, absDir, names, root, migrations, detected)));
  if (migrations.length === 0) {
    const error = await nothingFoundError(
      absDir,
      dir,
      names,
      subdirs,
      forced,
      config.namingPatternSource,
      root,
    );
    if (error) throw error;
  }

  if (detected?.format === 'alembic') {
    const { orderAlembic } = await import('./formats/alembic.js');
    const revisions = migrations.filter((m) => m.alembic !== null);
    const unread = migrations.filter((m) => m.alembic === null).sort(byVersion);
    migrations = [...orderAlembic(revisions), ...unread];
  } else {
    migrations.sort(byVersion);
  }

  let deleted: DeletedMigration[] = [];
  let baseNames: string[] | null = null;
  if (base && baseFiles) {
    ({ deleted, baseNames } = classify(
      migrations,
      dir,
      baseFiles,
      base,
      detected,
      migrationLike,
      config.dialect,
    ));
  }
  for (const m of migrations) {
    const note = m.change === 'unchanged' ? null : noTransactionNote(m);
    if (note) notes.push(note);
  }
  const outside = [...files, ...folders.flatMap((f) => [f.up, f.down, f.metadata])]
    .filter((f) => f?.outside)
    .map((f) => ({ path: joinRel(dir, f!.name), message: f!.problem!.message }));
  return {
    dir,
    format,
    migrations,
    deleted,
    baseNames,
    ...(outside.length > 0 ? { outside } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

/**
 * Migrations of known tools the gate cannot run (goose Go files, Flyway Java migrations, fizz files), each a
 * migration with `unsupported` set, unless a migration the gate runs has its name (a fizz file beside SQL).
 */
async function unsupportedMigrations(
  config: GateConfig,
  dir: string,
  absDir: string,
  names: string[],
  root: string,
  found: Migration[],
  detected: ReturnType<typeof detectFormat>,
): Promise<Migration[]> {
  const read = async (name: string) => (await loadFile(path.join(absDir, name), name, root)).text;
  const known = new Set(found.map((m) => m.name));
  const result: Migration[] = [];
  for (const file of await findUnsupported(names, read)) {
    if (known.has(file.stem)) continue;
    const files = file.names.map((n) => joinRel(dir, n));
    const format = detected?.format ?? 'sql';
    const migration = newMigration(
      { name: file.stem, dir, path: files[0]!, files, format, dialect: detected?.dialect ?? null },
      config,
    );
    migration.unsupported = file.reason;
    result.push(migration);
  }
  return result;
}
