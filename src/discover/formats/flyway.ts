import type { GateConfig } from '../../config/types.js';
import type { Migration } from '../../types.js';
import type { LoadedFile } from '../loaded-file.js';
import { parsePairMigration, unreadableMigration, type SourceFile } from './sql.js';

/** What a Flyway SQL file name says: versioned (`V`), undo (`U`) or repeatable (`R`). */
export interface FlywayFileRole {
  kind: 'V' | 'U' | 'R';
  /** Version as written (`1.2`, `1_2`, `202611211430`); null for a repeatable file. */
  version: string | null;
  description: string;
  /** The file name without `.sql`. */
  stem: string;
}

const FLYWAY = /^(?<kind>[VU])(?<version>\d+(?:[._]\d+)*)__(?<desc>.+)\.sql$|^R__(?<rdesc>.+)\.sql$/s;

/** Reads a Flyway file name (`V1__init.sql`, `U1__init.sql`, `R__views.sql`); null for other names. */
export function flywayFileRole(fileName: string): FlywayFileRole | null {
  const match = FLYWAY.exec(fileName);
  if (!match?.groups) return null;
  const g = match.groups;
  const stem = fileName.slice(0, -4);
  if (g.rdesc !== undefined) return { kind: 'R', version: null, description: g.rdesc, stem };
  return { kind: g.kind as 'V' | 'U', version: g.version!, description: g.desc!, stem };
}

/** True for the file names that show Flyway's layout (a versioned or a repeatable migration). */
export function isFlywayFile(fileName: string): boolean {
  const role = flywayFileRole(fileName);
  return role !== null && role.kind !== 'U';
}

/** `1.02` and `1_2` are one version to Flyway. */
function versionKey(version: string): string {
  return version
    .split(/[._]/)
    .map((part) => part.replace(/^0+(?=\d)/, ''))
    .join('.');
}

/**
 * The migrations of a Flyway directory: each `V<version>__<desc>.sql` with the undo file of its version
 * (`U<version>__<desc>.sql`) as its downgrade. `executeInTransaction=false` in `<file>.sql.conf` runs it
 * without a transaction (`conf` reads that file). Repeatable `R__` files are listed in a note, not run.
 */
export async function parseFlyway(
  files: LoadedFile[],
  dir: string,
  config: GateConfig,
  conf: (fileName: string) => Promise<string | null>,
  migrationLike: (name: string) => boolean,
): Promise<{ migrations: Migration[]; notes: string[] }> {
  const rel = (file: LoadedFile) => (dir === '.' ? file.name : `${dir}/${file.name}`);
  const source = (file: LoadedFile | null): SourceFile | null =>
    file && file.text !== null ? { absPath: file.absPath, relPath: rel(file), dir, text: file.text } : null;
  const versioned = new Map<string, { v: LoadedFile; role: FlywayFileRole }>();
  const undo = new Map<string, LoadedFile>();
  const repeatable: string[] = [];
  const migrations: Migration[] = [];
  const problem = (file: LoadedFile, stem: string, message: string) =>
    migrations.push(
      unreadableMigration(
        { name: stem, dir, relPath: rel(file), format: 'sql', dialect: 'flyway' },
        file.problem ?? { line: null, message },
        config,
      ),
    );
  for (const file of files) {
    const role = flywayFileRole(file.name);
    if (!role) {
      const stem = file.name.replace(/\.sql$/i, '');
      if (migrationLike(stem)) {
        problem(file, stem, `'${file.name}' is no Flyway migration: name it V<version>__<description>.sql`);
      }
      continue;
    }
    if (role.kind === 'R') repeatable.push(rel(file));
    else if (role.kind === 'U') undo.set(versionKey(role.version!), file);
    else {
      const key = versionKey(role.version!);
      const first = versioned.get(key);
      if (first) {
        problem(
          file,
          role.stem,
          `version ${role.version} is also '${first.v.name}': give it a version of its own`,
        );
      } else versioned.set(key, { v: file, role });
    }
  }
  for (const [key, { v, role }] of versioned) {
    const down = undo.get(key) ?? null;
    undo.delete(key);
    if (v.problem) {
      problem(v, role.stem, '');
      if (down) migrations.at(-1)!.files.push(rel(down));
      continue;
    }
    const migration = parsePairMigration(
      { name: role.stem, dir, up: source(v), down: source(down), dialect: 'flyway' },
      config,
    );
    if (down?.problem) {
      migration.files.push(rel(down));
      migration.parseProblems.push({ path: rel(down), ...down.problem });
    }
    for (const file of [v, down]) {
      if (!file) continue;
      const text = await conf(`${file.name}.conf`);
      if (text !== null && /^\s*executeInTransaction\s*=\s*false\s*$/im.test(text))
        migration.transaction = false;
    }
    migrations.push(migration);
  }
  for (const [, file] of undo) {
    const role = flywayFileRole(file.name)!;
    problem(file, role.stem, `undo file '${file.name}' has no versioned migration V${role.version}__….sql`);
  }
  const notes =
    repeatable.length > 0
      ? [
          `${dir}: repeatable Flyway migrations are not round-tripped (they run again whenever they change): ` +
            repeatable.join(', '),
        ]
      : [];
  return { migrations, notes };
}
