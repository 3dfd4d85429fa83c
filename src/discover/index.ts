import path from 'node:path';
import type { GateConfig } from '../config/types.js';
import type { DeletedMigration, Format, Migration, MigrationSet } from '../types.js';
import { GateError } from '../types.js';
import {
  candidateKind,
  detectFormat,
  directoryError,
  fileVote,
  formatOfKind,
  listFiles,
  loadFile,
  mapLimit,
  READ_CONCURRENCY,
  type DirectoryFormat,
  type LoadedFile,
} from './detect.js';
import {
  parseMarkerMigration,
  parsePairMigration,
  sqlFileRole,
  unreadableMigration,
  upMarkerLabel,
  type SourceFile,
} from './formats/sql.js';
import { findModuleExports, moduleExtensionOf, parseUmzugModule } from './formats/umzug.js';
import { changedFiles, listFilesAtBase, resolveBase, type ChangedFile } from './git.js';
import { containment, repositoryRoot } from './inside.js';
import { compareVersions, parseName } from './naming.js';

export { detectDirectoryFormat, type DirectoryFormat } from './detect.js';

/** What discovery knows about the base ref, shared by every directory. */
interface BaseState {
  sha: string;
  /** Changed files by their working-tree path. */
  changes: Map<string, ChangedFile>;
  /** Renames by their path on the base. */
  renamedFrom: Map<string, ChangedFile>;
}

/**
 * Finds the migrations of every configured directory, parses them, and classifies each against the merge
 * base of `config.base` and HEAD (without a base every migration is `added`). A missing directory, a
 * directory mixing formats or a git problem is a one-line `GateError`; problems of single files end up in
 * the migrations' `parseProblems`.
 */
export async function discover(config: GateConfig, options: DiscoverOptions = {}): Promise<MigrationSet[]> {
  const dirs = config.dirs.map((dir) => relativeDir(config.cwd, dir));
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
  return sets;
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

function inDir(path: string | null, dir: string): boolean {
  return path !== null && path.startsWith(`${dir}/`) && !path.slice(dir.length + 1).includes('/');
}

/** `dir` relative to `cwd`, `/`-separated, without trailing slash (`.` for `cwd` itself). */
function relativeDir(cwd: string, dir: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, dir)).split(path.sep).join('/');
  return rel === '' ? '.' : rel;
}

function joinRel(dir: string, name: string): string {
  return dir === '.' ? name : `${dir}/${name}`;
}

/** The migration name of a file: its name without format suffixes. */
function stemOf(fileName: string): string {
  const role = sqlFileRole(fileName);
  if (role) return role.name;
  const ext = moduleExtensionOf(fileName);
  if (ext) return fileName.slice(0, -ext.length);
  return fileName.replace(/\.py$/i, '');
}

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
  const forced = config.format;
  const migrationLike = (name: string) => /^\d/.test(name) || parseName(name, config.namingPattern).matches;
  const candidates = names.filter((name) => {
    const kind = candidateKind(name);
    return kind !== null && (forced === 'auto' || formatOfKind(kind) === forced);
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
  const [files, baseFiles] = await Promise.all([
    mapLimit(candidates, READ_CONCURRENCY, (name) => loadFile(path.join(absDir, name), name, root)),
    base ? listFilesAtBase(config.cwd, base.sha, dir) : Promise.resolve(null),
  ]);
  const detected = detectFormat(files, dir, forced);

  let format: Format;
  let migrations: Migration[];
  if (detected) {
    format = detected.format;
    migrations = await parseDirectory(config, dir, detected, files, migrationLike);
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
    ({ deleted, baseNames } = classify(migrations, dir, baseFiles, base, detected, migrationLike));
  }
  const outside = files
    .filter((f) => f.outside)
    .map((f) => ({ path: joinRel(dir, f.name), message: f.problem!.message }));
  return { dir, format, migrations, deleted, baseNames, ...(outside.length > 0 ? { outside } : {}) };
}

function problemMigration(
  config: GateConfig,
  dir: string,
  file: LoadedFile,
  format: Format,
  dialect: DirectoryFormat['dialect'],
): Migration {
  return unreadableMigration(
    { name: stemOf(file.name), dir, relPath: joinRel(dir, file.name), format, dialect },
    file.problem ?? { line: null, message: 'cannot read the file' },
    config,
  );
}

async function parseDirectory(
  config: GateConfig,
  dir: string,
  detected: DirectoryFormat,
  files: LoadedFile[],
  migrationLike: (name: string) => boolean,
): Promise<Migration[]> {
  const source = (file: LoadedFile): SourceFile => ({
    absPath: file.absPath,
    relPath: joinRel(dir, file.name),
    dir,
    text: file.text!,
  });
  const mine = files.filter((f) => formatOfKind(candidateKind(f.name)!) === detected.format);
  const migrations: Migration[] = [];

  if (detected.format === 'sql' && detected.dialect === 'pair') {
    const pairs = new Map<string, { up: LoadedFile | null; down: LoadedFile | null }>();
    for (const file of mine) {
      const role = sqlFileRole(file.name)!;
      if (role.role === 'single') {
        if (!migrationLike(role.name)) continue;
        const migration = problemMigration(config, dir, file, 'sql', 'pair');
        if (!file.problem) {
          migration.parseProblems[0]!.message = `'${file.name}' is not part of a pair: name it '${role.name}.up.sql' (with '${role.name}.down.sql')`;
        }
        migrations.push(migration);
        continue;
      }
      const pair = pairs.get(role.name) ?? { up: null, down: null };
      pair[role.role] = file;
      pairs.set(role.name, pair);
    }
    for (const [name, pair] of pairs) {
      if (pair.up?.problem) {
        const migration = problemMigration(config, dir, pair.up, 'sql', 'pair');
        if (pair.down) migration.files.push(joinRel(dir, pair.down.name));
        migrations.push(migration);
        continue;
      }
      const down = pair.down && !pair.down.problem ? source(pair.down) : null;
      const migration = parsePairMigration({ name, dir, up: pair.up ? source(pair.up) : null, down }, config);
      if (pair.down?.problem) {
        const downPath = joinRel(dir, pair.down.name);
        migration.files.push(downPath);
        migration.parseProblems.push({ path: downPath, ...pair.down.problem });
      }
      migrations.push(migration);
    }
    return migrations;
  }

  if (detected.format === 'sql') {
    for (const file of mine) {
      if (file.problem) {
        migrations.push(problemMigration(config, dir, file, 'sql', detected.dialect));
        continue;
      }
      const voted = fileVote(file.name, file.text) !== null;
      if (!voted && !migrationLike(stemOf(file.name))) continue;
      if (detected.dialect && detected.dialect !== 'pair') {
        migrations.push(parseMarkerMigration(source(file), detected.dialect, config));
      } else {
        const migration = problemMigration(config, dir, file, 'sql', null);
        migration.parseProblems[0]!.message =
          `no migration markers ('${upMarkerLabel('dbmate')}', '${upMarkerLabel('goose')}' or ` +
          `'${upMarkerLabel('sql-migrate')}'): nothing in this file runs`;
        migration.parseProblems[0]!.line = 1;
        migrations.push(migration);
      }
    }
    return migrations;
  }

  if (detected.format === 'umzug') {
    for (const file of mine) {
      if (file.problem) {
        migrations.push(problemMigration(config, dir, file, 'umzug', null));
      } else if (findModuleExports(file.text!).up || migrationLike(stemOf(file.name))) {
        migrations.push(parseUmzugModule(source(file), config));
      }
    }
    return migrations;
  }

  const { parseAlembicFile } = await import('./formats/alembic.js');
  for (const file of mine) {
    if (file.problem) migrations.push(problemMigration(config, dir, file, 'alembic', null));
    else if (fileVote(file.name, file.text)) migrations.push(parseAlembicFile(source(file), config));
  }
  return migrations;
}

/** Orders by version (numerically), names without a version by their leading digits, then by name. */
function byVersion(a: Migration, b: Migration): number {
  const key = (m: Migration) => m.version ?? /^\d+/.exec(m.name)?.[0] ?? null;
  const [ka, kb] = [key(a), key(b)];
  if (ka !== null && kb !== null) {
    const order = compareVersions(ka, kb);
    if (order !== 0) return order;
  } else if (ka !== null || kb !== null) {
    return ka !== null ? -1 : 1;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** The migration a file on the base belongs to, judged by its name only. */
function baseMigrationName(
  fileName: string,
  detected: DirectoryFormat | null,
  migrationLike: (name: string) => boolean,
): string | null {
  const kind = candidateKind(fileName);
  if (!kind || (detected && formatOfKind(kind) !== detected.format)) return null;
  const stem = stemOf(fileName);
  if (kind === 'sql' && sqlFileRole(fileName)?.role !== 'single') return stem;
  if (kind === 'python') return stem;
  return migrationLike(stem) ? stem : null;
}

/** Sets each migration's `change` against the base; lists migrations of the base that are gone. */
function classify(
  migrations: Migration[],
  dir: string,
  baseFiles: string[],
  base: BaseState,
  detected: DirectoryFormat | null,
  migrationLike: (name: string) => boolean,
): { deleted: DeletedMigration[]; baseNames: string[] } {
  const onBase = new Set(baseFiles);
  const baseGroups = new Map<string, string[]>();
  for (const file of baseFiles) {
    const name = baseMigrationName(file.slice(file.lastIndexOf('/') + 1), detected, migrationLike);
    if (name !== null) baseGroups.set(name, [...(baseGroups.get(name) ?? []), file]);
  }
  const pathOfFile = new Map<string, string>();
  for (const migration of migrations) {
    for (const file of migration.files) pathOfFile.set(file, migration.path);
    const files = new Set([...migration.files, ...(baseGroups.get(migration.name) ?? [])]);
    const changes = [...files]
      .map((f) => base.changes.get(f) ?? base.renamedFrom.get(f))
      .filter((c) => c !== undefined);
    if (migration.files.some((f) => onBase.has(f))) {
      migration.change = changes.length > 0 ? 'modified' : 'unchanged';
      continue;
    }
    const primary = base.changes.get(migration.path);
    const renamed = primary?.status === 'renamed' ? primary : changes.find((c) => c.status === 'renamed');
    migration.change = renamed ? 'renamed' : 'added';
    migration.previousPath = renamed?.previousPath ?? null;
  }

  const current = new Set(migrations.map((m) => m.name));
  const deleted: DeletedMigration[] = [];
  for (const [name, files] of baseGroups) {
    if (current.has(name)) continue;
    const primary = files.find((f) => !/\.down\.sql$/i.test(f)) ?? files[0]!;
    const renames = [primary, ...files].map((f) => base.renamedFrom.get(f)).filter((c) => c !== undefined);
    const renamedTo = renames.map((c) => pathOfFile.get(c.path) ?? c.path)[0] ?? null;
    deleted.push({ name, dir, path: primary, renamedTo });
  }
  deleted.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const names = new Set(baseGroups.keys());
  for (const m of migrations) if (m.change === 'modified' || m.change === 'unchanged') names.add(m.name);
  const baseNames = [...names].sort((a, b) => {
    const [va, vb] = [versionKey(a), versionKey(b)];
    return va !== null && vb !== null && compareVersions(va, vb) !== 0
      ? compareVersions(va, vb)
      : a < b
        ? -1
        : a > b
          ? 1
          : 0;
  });
  return { deleted, baseNames };
}

function versionKey(name: string): string | null {
  return /^\d+/.exec(name)?.[0] ?? null;
}
