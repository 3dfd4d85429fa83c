import { constants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Format, SqlDialect } from '../types.js';
import { GateError, familyOf, isModuleFormat, type MODULE_FORMATS } from '../types.js';
import { isDialectPairFile } from './formats/dialect-pair.js';
import { isFlywayFile } from './formats/flyway.js';
import { detectSqlDialect, sqlFileRole } from './formats/sql.js';
import { moduleTool } from './formats/tools.js';
import { findModuleExports, moduleExtensionOf } from './formats/umzug.js';
import { containment } from '../repository.js';
import type { LoadedFile } from './loaded-file.js';

/** The migration format of one directory. */
export interface DirectoryFormat {
  format: Format;
  /** SQL layout for `sql` (null when no file shows it, e.g. every file is unreadable); null otherwise. */
  dialect: SqlDialect | null;
  /** Most common module extension (`.ts`, `.js`, …) for the module formats; null otherwise. */
  moduleExtension: string | null;
}

/** Migration files larger than this are refused without being read. */
export const MAX_MIGRATION_FILE_BYTES = 10 * 1024 * 1024;

export type { LoadedFile } from './loaded-file.js';

/** Which family of migration files a name belongs to, by extension alone. */
export type CandidateKind = 'sql' | 'module' | 'python';

const IGNORED_PYTHON = new Set(['__init__.py', 'env.py']);
const ALEMBIC_REVISION = /^revision\s*(?::[^=\n]*)?=/m;

/** The family of a file that may be a migration, or null for files discovery ignores (README, .gitkeep…). */
export function candidateKind(fileName: string): CandidateKind | null {
  if (fileName.startsWith('.')) return null;
  if (/\.sql$/i.test(fileName)) return 'sql';
  if (moduleExtensionOf(fileName)) return 'module';
  if (/\.py$/i.test(fileName) && !IGNORED_PYTHON.has(fileName)) return 'python';
  return null;
}

const FORMAT_OF_KIND: Record<CandidateKind, Format> = { sql: 'sql', module: 'umzug', python: 'alembic' };

/** The format a candidate family runs as. */
export function formatOfKind(kind: CandidateKind): Format {
  return FORMAT_OF_KIND[kind];
}

/** What one file shows about its directory's format. */
export type FormatVote =
  | { format: 'sql'; dialect: SqlDialect }
  | { format: (typeof MODULE_FORMATS)[number]; extension: string; certain: boolean }
  | { format: 'alembic' };

/**
 * What a file shows about its directory's format: `*.up.sql`/`*.down.sql` (by name), an SQL file with
 * dbmate/goose/sql-migrate markers, a module exporting `up`, a Python file with a top-level `revision =`.
 * Null when the file shows nothing (no markers, no export, unreadable).
 */
export function fileVote(fileName: string, text: string | null): FormatVote | null {
  const kind = candidateKind(fileName);
  if (kind === 'sql') {
    if (isFlywayFile(fileName)) return { format: 'sql', dialect: 'flyway' };
    const role = sqlFileRole(fileName);
    if (role && role.role !== 'single') {
      return { format: 'sql', dialect: isDialectPairFile(fileName) ? 'dialect-pair' : 'pair' };
    }
    const dialect = text === null ? null : detectSqlDialect(text);
    return dialect ? { format: 'sql', dialect } : null;
  }
  if (kind === 'module') {
    const found = text === null ? null : findModuleExports(text);
    if (!found?.up) return null;
    const tool = moduleTool(found);
    const format = isModuleFormat(tool.format) ? tool.format : 'umzug';
    return { format, extension: moduleExtensionOf(fileName)!, certain: tool.certain };
  }
  if (kind === 'python') return text !== null && ALEMBIC_REVISION.test(text) ? { format: 'alembic' } : null;
  return null;
}

function voteKey(vote: FormatVote): string {
  return vote.format === 'sql' ? `sql:${vote.dialect}` : vote.format;
}

const VOTE_LABEL: Record<string, string> = {
  'sql:pair': 'SQL up/down pair',
  'sql:dbmate': 'dbmate SQL',
  'sql:goose': 'goose SQL',
  'sql:sql-migrate': 'sql-migrate SQL',
  'sql:folder': 'folder with up.sql/down.sql',
  'sql:dialect-pair': 'dialect-suffixed SQL pair',
  'sql:flyway': 'Flyway SQL',
  umzug: 'umzug module',
  sequelize: 'sequelize-cli module',
  knex: 'knex module',
  'node-pg-migrate': 'node-pg-migrate module',
  alembic: 'Alembic revision',
};

/**
 * Decides a directory's format from its files (`text` null for files that could not be read).
 * `forced` is the configured format: with one, only files of that format count (then only the dialect
 * is detected). `folders` are the sub-folders holding an `up.sql` or `down.sql` (a folder per migration).
 * Null when no file shows a format. Throws `GateError` when files show different formats.
 */
export function detectFormat(
  files: { name: string; text: string | null }[],
  rel: string,
  forced: 'auto' | Format = 'auto',
  folders: string[] = [],
): DirectoryFormat | null {
  const votes: { name: string; vote: FormatVote }[] = [];
  if (forced === 'auto' || forced === 'sql') {
    for (const folder of folders)
      votes.push({ name: `${folder}/`, vote: { format: 'sql', dialect: 'folder' } });
  }
  for (const file of files) {
    const vote = fileVote(file.name, file.text);
    // A forced module format reads every module as its own.
    if (vote && 'certain' in vote && forced !== 'auto' && isModuleFormat(forced)) vote.format = forced;
    if (vote && (forced === 'auto' || vote.format === forced)) votes.push({ name: file.name, vote });
  }
  // A module that shows no tool of its own takes the one the other modules show.
  const tool = votes.find((v) => 'certain' in v.vote && v.vote.certain && v.vote.format !== 'umzug');
  for (const v of votes) {
    if (tool && 'certain' in v.vote && !v.vote.certain)
      v.vote.format = tool.vote.format as typeof v.vote.format;
  }
  // Dialect-less files are the fallbacks of a dialect-suffixed directory, not a layout of their own.
  if (votes.some((v) => v.vote.format === 'sql' && v.vote.dialect === 'dialect-pair')) {
    for (const v of votes)
      if (v.vote.format === 'sql' && v.vote.dialect === 'pair') v.vote.dialect = 'dialect-pair';
  }
  const first = votes[0];
  if (!first) {
    if (forced === 'auto') return null;
    const kinds = files.map((f) => candidateKind(f.name)).filter((k) => k !== null);
    if (!kinds.some((k) => formatOfKind(k) === familyOf(forced))) return null;
    return {
      format: forced,
      dialect: null,
      moduleExtension: isModuleFormat(forced) ? commonExtension(files) : null,
    };
  }
  const other = votes.find((v) => voteKey(v.vote) !== voteKey(first.vote));
  if (other) {
    throw new GateError(
      `migration directory '${rel}' mixes formats: '${first.name}' (${VOTE_LABEL[voteKey(first.vote)]}) and ` +
        `'${other.name}' (${VOTE_LABEL[voteKey(other.vote)]}): keep one migration format per directory`,
    );
  }
  const vote = first.vote;
  if (vote.format === 'sql') return { format: 'sql', dialect: vote.dialect, moduleExtension: null };
  if (isModuleFormat(vote.format)) {
    const voters = votes.map((v) => ({ name: v.name }));
    return { format: vote.format, dialect: null, moduleExtension: commonExtension(voters) };
  }
  return { format: 'alembic', dialect: null, moduleExtension: null };
}

function commonExtension(files: { name: string }[]): string | null {
  const counts = new Map<string, number>();
  for (const file of files) {
    const ext = moduleExtensionOf(file.name);
    if (ext) counts.set(ext, (counts.get(ext) ?? 0) + 1);
  }
  let best: string | null = null;
  for (const [ext, count] of counts) if (best === null || count > counts.get(best)!) best = ext;
  return best;
}

/** Names (sorted) of the folders directly inside `absDir` (not hidden ones), symbolic links to folders included. */
export async function listSubdirectories(absDir: string): Promise<string[]> {
  const entries = await readdir(absDir, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      if (entry.name.startsWith('.')) return;
      if (entry.isDirectory()) names.push(entry.name);
      else if (entry.isSymbolicLink()) {
        const target = await stat(path.join(absDir, entry.name)).catch(() => null);
        if (target?.isDirectory()) names.push(entry.name);
      }
    }),
  );
  return names.sort();
}

/** File names (sorted) of the regular files directly inside `absDir`, symbolic links to files included. */
export async function listFiles(absDir: string): Promise<string[]> {
  const entries = await readdir(absDir, { withFileTypes: true });
  const names: string[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      if (entry.isFile()) names.push(entry.name);
      else if (entry.isSymbolicLink()) {
        const target = await stat(path.join(absDir, entry.name)).catch(() => null);
        // A dangling link is kept: reading it reports the problem on that file.
        if (!target || target.isFile()) names.push(entry.name);
      }
    }),
  );
  return names.sort();
}

/**
 * Reads a candidate migration file as UTF-8 text, refusing (with a problem instead of text) files that
 * cannot be read, are larger than `MAX_MIGRATION_FILE_BYTES` (not read at all), hold NUL bytes or are
 * not valid UTF-8. With `root` (the repository's real path), a file whose real path leaves it is refused
 * unread, and the file read is the resolved one. Only ever opens the file for reading.
 */
export async function loadFile(
  absPath: string,
  name: string,
  root: string | null = null,
  maxBytes = MAX_MIGRATION_FILE_BYTES,
): Promise<LoadedFile> {
  const refuse = (line: number | null, message: string): LoadedFile => ({
    name,
    absPath,
    text: null,
    problem: { line, message },
  });
  let readPath = absPath;
  if (root !== null) {
    const where = await containment(root, absPath);
    if (where.inside === null) return refuse(null, describeReadError(where.error));
    if (!where.inside) return { ...refuse(null, `this file ${where.message}`), outside: true };
    readPath = where.real;
  }
  let handle;
  try {
    // The resolved path holds no symbolic link: refuse one put there since.
    handle = await open(readPath, root === null ? 'r' : constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    return refuse(null, describeReadError(error));
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return refuse(null, 'not a regular file');
    if (info.size > maxBytes) {
      return refuse(
        null,
        `file is ${formatSize(info.size)}, above the ${formatSize(maxBytes)} limit for a migration file: not read`,
      );
    }
    const bytes = await handle.readFile();
    const nul = bytes.indexOf(0);
    if (nul !== -1) {
      return refuse(lineAt(bytes, nul), 'binary file (NUL byte): a migration must be a text file');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      const lossy = new TextDecoder('utf-8').decode(bytes);
      const bad = lossy.indexOf('\uFFFD');
      const line = bad === -1 ? null : lossy.slice(0, bad).split('\n').length;
      return refuse(line, 'not valid UTF-8 text: save the migration as UTF-8');
    }
    return { name, absPath, text: text.startsWith('\uFEFF') ? text.slice(1) : text, problem: null };
  } catch (error) {
    return refuse(null, describeReadError(error));
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

function formatSize(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return Number.isInteger(mb) ? `${mb} MB` : `${mb.toFixed(1)} MB`;
}

/** One sentence for a file system error met while reading a migration file. */
export function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'cannot read the file: permission denied (EACCES)';
    case 'ENOENT':
      return 'cannot read the file: it vanished or is a broken symbolic link (ENOENT)';
    case 'EISDIR':
      return 'cannot read the file: it is a directory (EISDIR)';
    case 'ELOOP':
      return 'cannot read the file: symbolic link loop (ELOOP)';
    default:
      return `cannot read the file (${code ?? (error instanceof Error ? error.message : String(error))})`;
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** How many files discovery reads at once. */
export const READ_CONCURRENCY = 32;

/**
 * Detects the migration format of a directory from its files (see `detectFormat`). Null when the
 * directory holds no migration (empty, only README/.gitkeep…) or does not exist.
 */
export async function detectDirectoryFormat(
  absDir: string,
  rel: string,
  forced: 'auto' | Format = 'auto',
  root: string | null = null,
): Promise<DirectoryFormat | null> {
  if (root !== null) {
    const where = await containment(root, absDir);
    if (where.inside === false) throw new GateError(`migration directory '${rel}' ${where.message}`);
  }
  let names: string[];
  try {
    names = await listFiles(absDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw directoryError(error, rel, absDir);
  }
  const candidates = names.filter((name) => candidateKind(name) !== null);
  const files = await mapLimit(candidates, READ_CONCURRENCY, (name) =>
    loadFile(path.join(absDir, name), name, root),
  );
  const { readFolders } = await import('./formats/folder.js');
  const folders = await readFolders(absDir, await listSubdirectories(absDir), root);
  return detectFormat(
    files,
    rel,
    forced,
    folders.map((f) => f.name),
  );
}

/** A one-line `GateError` for a migration directory that cannot be listed. */
export function directoryError(error: unknown, rel: string, absDir: string): GateError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const why =
    code === 'ENOENT'
      ? `does not exist (looked for ${absDir})`
      : code === 'ENOTDIR'
        ? 'is not a directory'
        : code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read: permission denied'
          : `cannot be read (${code ?? String(error)})`;
  return new GateError(`migration directory '${rel}' ${why}`, { cause: error });
}
