import path from 'node:path';
import type { Format } from '../types.js';
import { GateError } from '../types.js';
import { detectFormat, listFiles, loadFile, mapLimit, READ_CONCURRENCY } from './detect.js';
import { isFlywayFile } from './formats/flyway.js';
import { sqlFileRole } from './formats/sql.js';
import { moduleExtensionOf } from './formats/umzug.js';

/** Files that would be migrations of some format: SQL, modules, Python (not package or Alembic env files). */
function looksLikeSource(fileName: string): boolean {
  if (fileName.startsWith('.') || fileName.endsWith('.d.ts')) return false;
  if (/^(?:__init__|env)\.py$/.test(fileName)) return false;
  return /\.(?:sql|py)$/i.test(fileName) || moduleExtensionOf(fileName) !== null;
}

const SQL_FORMS =
  "<name>.up.sql + <name>.down.sql, <name>/up.sql + <name>/down.sql, Flyway's V<version>__<desc>.sql, " +
  "or <name>.sql with '-- migrate:up', '-- +goose Up' or '-- +migrate Up' markers";

/**
 * The one-line error for a configured directory in which no migration was found although it holds SQL, module
 * or Python files (directly or one folder down): a gate that passes what it did not read would be wrong.
 * Names what it found and what would read it; null when the directory holds no such file (truly empty).
 */
export async function nothingFoundError(
  absDir: string,
  dir: string,
  names: string[],
  subdirs: string[],
  forced: 'auto' | Format,
  namingPattern: string,
  root: string | null,
): Promise<GateError | null> {
  const direct = names.filter(looksLikeSource);
  const nested: string[] = [];
  for (const sub of subdirs) {
    const files = await listFiles(path.join(absDir, sub)).catch(() => [] as string[]);
    nested.push(...files.filter(looksLikeSource).map((f) => `${sub}/${f}`));
    if (nested.length >= 50) break;
  }
  if (direct.length === 0 && nested.length === 0) return null;
  const where = `migration directory '${dir}'`;

  if (direct.length > 0) {
    const counts = countByExtension(direct);
    const example = direct[0]!;
    let hint: string;
    if (direct.includes('up.sql') || direct.includes('down.sql')) {
      const parent = path.posix.dirname(dir);
      hint = `it is one migration of a folder-per-migration directory: point the directory setting at ${
        parent === '.' && dir === '.' ? 'the folder that holds it' : `'${parent}'`
      }`;
    } else if (forced !== 'auto') {
      const files = await mapLimit(direct, READ_CONCURRENCY, (name) =>
        loadFile(path.join(absDir, name), name, root),
      );
      let auto: ReturnType<typeof detectFormat>;
      try {
        auto = detectFormat(files, dir, 'auto');
      } catch {
        auto = null;
      }
      hint = auto
        ? `format ${forced} reads none of them, format ${auto.format} (or auto) reads them`
        : `format ${forced} reads none of them`;
    } else if (/\.sql$/i.test(example)) {
      hint = `SQL migrations are ${SQL_FORMS}; a .sql file whose name matches naming-pattern (now ${namingPattern}) counts as one too`;
    } else if (/\.py$/i.test(example)) {
      hint = `Python migrations are read as Alembic revisions (a top-level 'revision = …')`;
    } else {
      hint = `modules are read as Umzug migrations: they export 'up' (and 'down')`;
    }
    return new GateError(`${where} holds ${counts} but no migration ('${example}' is none): ${hint}`);
  }

  const counts = countByExtension(nested);
  const example = nested[0]!;
  const [sub] = example.split('/');
  const inner = nested.filter((f) => f.startsWith(`${sub}/`)).map((f) => f.slice(sub!.length + 1));
  const innerMigrations = inner.some(
    (f) => isFlywayFile(f) || sqlFileRole(f)?.role === 'up' || /^\d/.test(f),
  );
  const hint = innerMigrations
    ? `point the directory setting at '${dir === '.' ? sub : `${dir}/${sub}`}', which holds them`
    : `a folder per migration is read when it holds up.sql (and down.sql); '${example}' is neither`;
  return new GateError(`${where} holds ${counts} one folder down but no migration ('${example}'): ${hint}`);
}

function countByExtension(files: string[]): string {
  const counts = new Map<string, number>();
  for (const file of files) {
    const ext = /\.[^./]+$/.exec(file)?.[0]?.toLowerCase() ?? file;
    counts.set(ext, (counts.get(ext) ?? 0) + 1);
  }
  return [...counts].map(([ext, n]) => `${n} ${ext} file${n === 1 ? '' : 's'}`).join(', ');
}
