import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GateError } from '../../types.js';

/** A package loaded from the project's own dependencies, with where it was found. */
export interface ProjectPackage {
  module: Record<string, unknown>;
  /** The file the package's entry point resolved to. */
  entry: string;
  version: string | null;
}

const loaded = new Map<string, Promise<ProjectPackage>>();

/**
 * Loads `name` as the project installed it: resolved like the project's own `require` from each of `fromDirs`
 * in turn (the migration directory, then the working directory), never from the gate's own dependencies. A
 * package that none of them reaches is a one-line `GateError` naming it and `npm ci`.
 */
export async function projectPackage(
  name: string,
  fromDirs: string[],
  usedBy: string,
): Promise<ProjectPackage> {
  const entry = resolveFrom(name, fromDirs);
  if (!entry) {
    const where = [...new Set(fromDirs)].join(' and ');
    throw new GateError(
      `${usedBy} needs the package '${name}', which is not installed for the project (looked from ${where}): ` +
        `run npm ci (or npm install ${name}) before migration-gate`,
    );
  }
  let pending = loaded.get(entry);
  if (!pending) {
    pending = (async () => {
      // Computed at run time, so that no bundler follows it: the project's copy is the one that runs.
      const href = pathToFileURL(entry).href;
      const module = (await import(/* webpackIgnore: true */ href)) as Record<string, unknown>;
      return { module, entry, version: packageVersion(entry, name) };
    })();
    loaded.set(entry, pending);
    pending.catch(() => loaded.delete(entry));
  }
  try {
    return await pending;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new GateError(`cannot load the project's package '${name}' (${entry}): ${message}`, {
      cause: error,
    });
  }
}

/** The entry file `name` resolves to from the first of `fromDirs` that reaches it, or null. */
function resolveFrom(name: string, fromDirs: string[]): string | null {
  for (const dir of fromDirs) {
    const require = createRequire(path.join(path.resolve(dir), '__migration_gate__.js'));
    try {
      return require.resolve(name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
      // An ES-module-only package exports no `require` entry: read its `import` entry instead.
      const esm = importEntry(name, dir);
      if (esm) return esm;
    }
  }
  return null;
}

/** The `import` entry of `name`'s package as found in the `node_modules` folders above `dir`, or null. */
function importEntry(name: string, dir: string): string | null {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const root = path.join(at, 'node_modules', name);
    const manifest = path.join(root, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        exports?: unknown;
        module?: string;
        main?: string;
      };
      const target = exportTarget(pkg.exports) ?? pkg.module ?? pkg.main ?? 'index.js';
      return path.join(root, target);
    }
    if (path.dirname(at) === at) return null;
  }
}

function exportTarget(exports: unknown): string | null {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return null;
  const map = exports as Record<string, unknown>;
  const main = '.' in map ? map['.'] : map;
  if (typeof main === 'string') return main;
  if (!main || typeof main !== 'object') return null;
  for (const condition of ['import', 'node', 'default']) {
    const target = exportTarget((main as Record<string, unknown>)[condition]);
    if (target) return target;
  }
  return null;
}

/** The version of the package whose entry is `entry`, from the nearest `package.json` named `name`. */
function packageVersion(entry: string, name: string): string | null {
  for (let at = path.dirname(entry); path.dirname(at) !== at; at = path.dirname(at)) {
    const manifest = path.join(at, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? null;
    } catch {
      return null;
    }
  }
  return null;
}

/** The first of `names` that `module` (or its `default`) exports. */
export function exported<T>(module: Record<string, unknown>, ...names: string[]): T | null {
  const fallback = module.default as Record<string, unknown> | undefined;
  for (const name of names) {
    if (module[name] !== undefined) return module[name] as T;
    if (fallback && typeof fallback === 'object' && fallback[name] !== undefined) return fallback[name] as T;
    if (fallback && typeof fallback === 'function' && name === 'default') return fallback as T;
  }
  return null;
}
