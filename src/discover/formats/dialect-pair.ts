import type { GateConfig } from '../../config/types.js';
import type { Migration } from '../../types.js';
import type { LoadedFile } from '../loaded-file.js';
import { sqlxNoTransaction } from '../no-transaction.js';
import { canonicalDialect } from '../../config/dialects.js';
import { parsePairMigration, unreadableMigration, type SourceFile } from './sql.js';

/** What a `<name>[.<dialect>][.autocommit].(up|down).sql` file name says. */
export interface DialectFileRole {
  name: string;
  /** Canonical dialect, or null for a dialect-less (fallback) file. */
  dialect: string | null;
  /** `.autocommit`: the file runs without a transaction. */
  autocommit: boolean;
  role: 'up' | 'down';
}

/**
 * Reads a paired file name from the right: `.up.sql`/`.down.sql`, then an optional `.autocommit` and an
 * optional known dialect (`postgres`, `postgresql`, `pg`, `mysql`, `sqlite3`, `cockroach`, …), in either order.
 * Null for a file that is not half of a pair.
 */
export function dialectFileRole(fileName: string): DialectFileRole | null {
  const pair = /^(.*)\.(up|down)\.sql$/is.exec(fileName);
  if (!pair || !pair[1]) return null;
  let name = pair[1];
  let dialect: string | null = null;
  let autocommit = false;
  for (let i = 0; i < 2; i++) {
    const dot = name.lastIndexOf('.');
    if (dot <= 0) break;
    const word = name.slice(dot + 1);
    if (!autocommit && word.toLowerCase() === 'autocommit') autocommit = true;
    else if (dialect === null && canonicalDialect(word)) dialect = canonicalDialect(word);
    else break;
    name = name.slice(0, dot);
  }
  return { name, dialect, autocommit, role: pair[2]!.toLowerCase() as 'up' | 'down' };
}

/** True when the file name shows the dialect-suffixed layout (a dialect or `.autocommit` before `.up.sql`). */
export function isDialectPairFile(fileName: string): boolean {
  const role = dialectFileRole(fileName);
  return role !== null && (role.dialect !== null || role.autocommit);
}

interface Side {
  chosen: LoadedFile | null;
  fallback: LoadedFile | null;
}

/**
 * The migrations of a dialect-suffixed directory for `config.dialect`: per migration and direction, that
 * dialect's file, else the dialect-less one; other dialects' files are ignored (counted in the note). A
 * migration with files of other dialects only is not one of this dialect.
 */
export function parseDialectPairs(
  files: LoadedFile[],
  dir: string,
  config: GateConfig,
  migrationLike: (name: string) => boolean,
): { migrations: Migration[]; notes: string[] } {
  const rel = (file: LoadedFile) => (dir === '.' ? file.name : `${dir}/${file.name}`);
  const groups = new Map<string, { up: Side; down: Side }>();
  const ignored = new Map<string, number>();
  const migrations: Migration[] = [];
  const duplicates: { file: LoadedFile; first: LoadedFile; name: string }[] = [];
  for (const file of files) {
    const role = dialectFileRole(file.name);
    if (!role) {
      const stem = file.name.replace(/\.sql$/i, '');
      if (!migrationLike(stem)) continue;
      const migration = unreadableMigration(
        { name: stem, dir, relPath: rel(file), format: 'sql', dialect: 'dialect-pair' },
        file.problem ?? {
          line: null,
          message: `'${file.name}' is not part of a pair: name it '${stem}.up.sql' (with '${stem}.down.sql')`,
        },
        config,
      );
      migrations.push(migration);
      continue;
    }
    if (role.dialect !== null && role.dialect !== config.dialect) {
      ignored.set(role.dialect, (ignored.get(role.dialect) ?? 0) + 1);
      continue;
    }
    const empty = (): Side => ({ chosen: null, fallback: null });
    const group = groups.get(role.name) ?? { up: empty(), down: empty() };
    groups.set(role.name, group);
    const side = group[role.role];
    const slot = role.dialect === null ? 'fallback' : 'chosen';
    const first = side[slot];
    if (first) duplicates.push({ file, first, name: role.name });
    else side[slot] = file;
  }

  const byName = new Map<string, Migration>();
  for (const [name, group] of groups) {
    const up = group.up.chosen ?? group.up.fallback;
    const down = group.down.chosen ?? group.down.fallback;
    const source = (file: LoadedFile | null): SourceFile | null =>
      file && file.text !== null ? { absPath: file.absPath, relPath: rel(file), dir, text: file.text } : null;
    let migration: Migration;
    if (up?.problem) {
      migration = unreadableMigration(
        { name, dir, relPath: rel(up), format: 'sql', dialect: 'dialect-pair' },
        up.problem,
        config,
      );
      if (down) migration.files.push(rel(down));
    } else {
      migration = parsePairMigration(
        { name, dir, up: source(up), down: source(down), dialect: 'dialect-pair' },
        config,
      );
      if (down?.problem) {
        migration.files.push(rel(down));
        migration.parseProblems.push({ path: rel(down), ...down.problem });
      }
    }
    const autocommit = [up, down].some((file) => file && dialectFileRole(file.name)?.autocommit);
    const sqlx = [migration.up, migration.down].some((part) => part && sqlxNoTransaction(part.text));
    if (autocommit || sqlx) migration.transaction = false;
    byName.set(name, migration);
    migrations.push(migration);
  }
  for (const { file, first, name } of duplicates) {
    byName.get(name)?.parseProblems.push({
      path: rel(file),
      line: null,
      message: `'${file.name}' and '${first.name}' are both the ${config.dialect} file of '${name}': keep one`,
    });
  }
  const notes: string[] = [];
  if (ignored.size > 0) {
    const list = [...ignored].map(([dialect, count]) => `${count} ${dialect}`).join(', ');
    notes.push(
      `${dir}: dialect ${config.dialect} (setting dialect): the files of other dialects were not read (${list})`,
    );
  }
  return { migrations, notes };
}
