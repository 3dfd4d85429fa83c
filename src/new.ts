import { lstat, mkdir, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { NAMING_PRESETS } from './config/defaults.js';
import type { GateConfig } from './config/types.js';
import { detectDirectoryFormat } from './discover/detect.js';
import { repositoryRoot } from './repository.js';
import { compareVersions, formatTimestamp, parseName } from './discover/naming.js';
import { MODULE_EXTENSIONS } from './discover/formats/umzug.js';
import { describeNamingPattern } from './lint/naming.js';
import { GateError } from './types.js';
import { templates, type Layout } from './new-templates.js';

/** What `createMigration` needs: the configuration, the migration directory and the new migration's slug. */
export interface NewMigrationOptions {
  config: GateConfig;
  /** Migration directory, relative to `config.cwd` (or absolute). */
  dir: string;
  slug: string;
  /**
   * True when `dir` is only the default (`migrations`), neither given with `--dir` nor configured: then the
   * directory must exist already, `new` does not invent one.
   */
  defaultDir?: boolean;
}

/** The files written, relative to `config.cwd`, and what the user should know about them. */
export interface NewMigrationResult {
  files: string[];
  notes: string[];
}

const NAME_SUFFIXES = ['.up.sql', '.down.sql', '.sql', ...MODULE_EXTENSIONS, '.py'];

/**
 * Writes a new, correctly named migration with an up part, a down part and a `requirements:` line, in the
 * directory's own format (paired SQL files for an empty or missing directory) and naming (see
 * `directoryNaming`). Returns the files written, relative to `config.cwd`. Throws `GateError` for a slug the
 * naming pattern rejects, an existing file, a name that would not sort after the newest migration, a default
 * directory that does not exist, and alembic directories.
 */
export async function createMigration(opts: NewMigrationOptions): Promise<NewMigrationResult> {
  const { slug } = opts;
  let config = opts.config;
  const absDir = resolve(config.cwd, opts.dir);
  const relDir = toPosix(relative(config.cwd, absDir)) || '.';

  if (slug.length === 0 || /[\s/\\]/.test(slug) || slug.includes('..')) {
    throw new GateError(
      `slug '${slug}' cannot be part of a file name; expected the naming pattern ${describeNamingPattern(config)}`,
    );
  }

  const entries = await listDirectory(absDir, relDir);
  if (entries === null && opts.defaultDir) {
    throw new GateError(
      `no migration directory given, and the default ${relDir} does not exist: ` +
        `name it with --dir <path> (or migrations: in .migration-gate.yml)`,
    );
  }
  const layout = await chooseLayout(config, absDir, relDir, slug, entries !== null && entries.length > 0);
  const names = existingNames(entries ?? [], layout);
  const notes: string[] = [];
  const naming = directoryNaming(config, names);
  if (naming) {
    config = { ...config, namingPattern: naming.pattern, namingPatternSource: naming.preset };
    notes.push(
      `${relDir} names its migrations as the preset ${naming.preset} reads them (${naming.reads} of ` +
        `${names.length}), and naming-pattern ${opts.config.namingPatternSource} reads none: named like them; ` +
        `set naming-pattern: ${naming.preset} in .migration-gate.yml so that lint reads them too`,
    );
  }
  const existing = existingVersions(names, config.namingPattern);
  const name = newName(config, slug, existing);

  if (existing.names.has(name)) {
    throw new GateError(`${relDir} already has a migration named '${name}'; not overwriting it`);
  }
  const newest = existing.newest;
  const version = parseName(name, config.namingPattern).version!;
  if (newest && compareVersions(version, newest.version) <= 0) {
    throw new GateError(
      `the new migration '${name}' would sort at or before '${newest.name}', the newest migration in ${relDir}; ` +
        `check the clock (now ${config.now().toISOString()}) or wait until after that migration's time`,
    );
  }

  const files = templates(layout, name);
  for (const file of files) {
    if (await exists(join(absDir, file.name))) {
      throw new GateError(`${relDir}/${file.name} already exists; not overwriting it`);
    }
  }
  try {
    await mkdir(absDir, { recursive: true });
  } catch (error) {
    throw new GateError(`cannot create the migration directory ${relDir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const written: string[] = [];
  try {
    for (const file of files) {
      if (file.name.includes('/')) await mkdir(dirname(join(absDir, file.name)), { recursive: true });
      await writeFile(join(absDir, file.name), file.text, { flag: 'wx' });
      written.push(join(absDir, file.name));
    }
  } catch (error) {
    await Promise.all(written.map((path) => unlink(path).catch(() => undefined)));
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new GateError(`a file of '${name}' appeared in ${relDir} meanwhile; not overwriting it`);
    throw new GateError(`cannot write the migration into ${relDir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { files: written.map((path) => toPosix(relative(config.cwd, path))), notes };
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** File names in the directory, or null when it does not exist yet. */
async function listDirectory(absDir: string, relDir: string): Promise<string[] | null> {
  let info;
  try {
    info = await stat(absDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new GateError(`cannot read the migration directory ${relDir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!info.isDirectory()) throw new GateError(`${relDir} is not a directory`);
  return readdir(absDir);
}

async function chooseLayout(
  config: GateConfig,
  absDir: string,
  relDir: string,
  slug: string,
  hasEntries: boolean,
): Promise<Layout> {
  const detected = hasEntries
    ? await detectDirectoryFormat(absDir, relDir, 'auto', await repositoryRoot(config.cwd))
    : null;
  if (detected && config.format !== 'auto' && detected.format !== config.format) {
    throw new GateError(
      `${relDir} holds ${detected.format} migrations, but the format is set to ${config.format}`,
    );
  }
  const format = detected?.format ?? (config.format === 'auto' ? 'sql' : config.format);
  if (format === 'alembic') {
    const seconds = wantsSeconds(config) ? '%%(second).2d' : '';
    throw new GateError(
      `${relDir} holds alembic revisions: create one with 'alembic revision -m ${slug}', with ` +
        `'file_template = %%(year)d%%(month).2d%%(day).2d%%(hour).2d%%(minute).2d${seconds}_%%(slug)s' and 'timezone = UTC' in alembic.ini`,
    );
  }
  if (format === 'umzug') {
    const extension = detected?.moduleExtension ?? (await defaultModuleExtension(config.cwd));
    return { kind: 'umzug', extension };
  }
  if (format === 'sequelize' || format === 'knex' || format === 'node-pg-migrate') {
    const extension = detected?.moduleExtension ?? (await defaultModuleExtension(config.cwd));
    return { kind: 'tool', tool: format, extension };
  }
  return { kind: 'sql', dialect: detected?.dialect ?? 'pair' };
}

/** `.ts` in a TypeScript project (a tsconfig.json next to the configuration), else `.js`. */
async function defaultModuleExtension(cwd: string): Promise<string> {
  return (await exists(join(cwd, 'tsconfig.json'))) ? '.ts' : '.js';
}

interface Existing {
  /** Names of the migrations already in the directory. */
  names: Set<string>;
  /** The newest migration by version, or null. */
  newest: { name: string; version: string } | null;
}

/** Names of the migrations in the directory: file names without their suffixes, or the folders of a folder layout. */
function existingNames(entries: string[], layout: Layout): string[] {
  const names = new Set<string>();
  const folders = layout.kind === 'sql' && layout.dialect === 'folder';
  for (const entry of entries) {
    if (entry.startsWith('.') || entry.endsWith('.d.ts')) continue;
    const suffix = NAME_SUFFIXES.find((s) => entry.endsWith(s));
    if (suffix) names.add(entry.slice(0, -suffix.length));
    else if (folders) names.add(entry);
  }
  return [...names];
}

/**
 * The preset to name the new migration with when the configured naming pattern reads none of the directory's
 * names and a preset reads them (the one that reads most; ties keep the presets' order, timestamps first): a
 * folder of dbmate's 14-digit names gets a 14-digit name under the default utc-minute. Null to keep the
 * configured pattern, which also wins as soon as it reads one name (a history that changed conventions).
 */
function directoryNaming(
  config: GateConfig,
  names: string[],
): { preset: string; pattern: RegExp; reads: number } | null {
  if (names.length === 0 || names.some((n) => config.namingPattern.test(n))) return null;
  let best: { preset: string; pattern: RegExp; reads: number } | null = null;
  for (const [preset, source] of Object.entries(NAMING_PRESETS)) {
    const pattern = new RegExp(source);
    const reads = names.filter((n) => pattern.test(n)).length;
    if (reads > 0 && (!best || reads > best.reads)) best = { preset, pattern, reads };
  }
  return best;
}

function existingVersions(names: string[], pattern: RegExp): Existing {
  let newest: Existing['newest'] = null;
  for (const name of names) {
    const { version } = parseName(name, pattern);
    if (version === null) continue;
    if (!newest || compareVersions(version, newest.version) > 0) newest = { name, version };
  }
  return { names: new Set(names), newest };
}

/**
 * The new migration's name: a UTC timestamp (to the minute, or to the second when the pattern wants 14
 * digits) for `timestamp` patterns, the next number for `version` patterns. Whatever the pattern, the name
 * must match it with exactly this slug.
 */
function newName(config: GateConfig, slug: string, existing: Existing): string {
  const now = config.now();
  // The directory's own width first: to the second after a 14-digit name, else to the minute; diesel's
  // dashed form (2026-11-21-143000) last.
  const timestamps = [formatTimestamp(now), formatTimestamp(now, true)];
  if (existing.newest && /^\d{14}$/.test(existing.newest.version)) timestamps.reverse();
  const dashed = formatTimestamp(now, true).replace(/^(\d{4})(\d{2})(\d{2})(\d{6})$/, '$1-$2-$3-$4');
  const written = [...timestamps, dashed];
  const numbers = nextNumbers(existing.newest?.version ?? null);
  for (const separator of ['_', '-']) {
    for (const text of written) {
      const name = `${text}${separator}${slug}`;
      const parsed = parseName(name, config.namingPattern);
      const version = text.replace(/\D/g, '');
      if (parsed.matches && parsed.isTimestamp && parsed.version === version && parsed.slug === slug)
        return name;
    }
    for (const version of numbers) {
      const name = `${version}${separator}${slug}`;
      const parsed = parseName(name, config.namingPattern);
      if (parsed.matches && !parsed.isTimestamp && parsed.version === version && parsed.slug === slug)
        return name;
    }
  }
  throw new GateError(
    `slug '${slug}' does not fit the naming pattern ${describeNamingPattern(config)}: ` +
      `'${timestamps[0]}_${slug}' would not match it`,
  );
}

/** Candidates for the next sequential version: padded like the newest one, or a few common widths. */
function nextNumbers(newest: string | null): string[] {
  if (newest === null || !/^\d+$/.test(newest)) return ['0001', '001', '1', '000001'];
  const next = String(BigInt(newest) + 1n);
  return [next.padStart(newest.length, '0')];
}

/** True when the naming pattern takes a 14-digit timestamp but not a 12-digit one. */
function wantsSeconds(config: GateConfig): boolean {
  const now = config.now();
  const fits = (timestamp: string) => parseName(`${timestamp}_x`, config.namingPattern).version === timestamp;
  return !fits(formatTimestamp(now)) && fits(formatTimestamp(now, true));
}
