import { familyOf, type DeletedMigration, type Migration } from '../types.js';
import type { DirectoryFormat } from './detect.js';
import { candidateKind, formatOfKind } from './detect.js';
import { dialectFileRole } from './formats/dialect-pair.js';
import { flywayFileRole } from './formats/flyway.js';
import { sqlFileRole } from './formats/sql.js';
import type { ChangedFile } from './git.js';
import { compareVersions } from './naming.js';
import { stemOf } from './parse-dir.js';

/** What discovery knows about the base ref, shared by every directory. */
export interface BaseState {
  sha: string;
  /** Changed files by their working-tree path. */
  changes: Map<string, ChangedFile>;
  /** Renames by their path on the base. */
  renamedFrom: Map<string, ChangedFile>;
}

/**
 * Orders by version (numerically), names without a version by their leading digits (a Flyway name by the
 * version after its `V`), then by name.
 */
export function byVersion(a: Migration, b: Migration): number {
  const key = (m: Migration) =>
    m.version ?? /^\d+/.exec(m.name)?.[0] ?? /^V(\d+(?:[._]\d+)*)__/.exec(m.name)?.[1] ?? null;
  const [ka, kb] = [key(a), key(b)];
  if (ka !== null && kb !== null) {
    const order = compareVersions(ka, kb);
    if (order !== 0) return order;
  } else if (ka !== null || kb !== null) {
    return ka !== null ? -1 : 1;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * The migration a file on the base belongs to, judged by its path inside the directory only (`dialect`: the
 * configured dialect of dialect-suffixed pairs).
 */
function baseMigrationName(
  inDir: string,
  detected: DirectoryFormat | null,
  migrationLike: (name: string) => boolean,
  dialect: string,
): string | null {
  const slash = inDir.indexOf('/');
  if (slash !== -1) {
    // A folder per migration: `<name>/up.sql`, `<name>/down.sql`, `<name>/metadata.toml`.
    const file = inDir.slice(slash + 1);
    const folder = detected === null || detected.dialect === 'folder';
    return folder && /^(?:up\.sql|down\.sql|metadata\.toml)$/.test(file) ? inDir.slice(0, slash) : null;
  }
  const fileName = inDir;
  if (detected?.dialect === 'folder') return null;
  const kind = candidateKind(fileName);
  if (!kind || (detected && formatOfKind(kind) !== familyOf(detected.format))) return null;
  const stem = stemOf(fileName);
  if (detected?.dialect === 'dialect-pair') {
    const role = dialectFileRole(fileName);
    if (role) return role.dialect === null || role.dialect === dialect ? role.name : null;
  }
  if (detected?.dialect === 'flyway') {
    const role = flywayFileRole(fileName);
    if (role) return role.kind === 'R' ? null : `V${role.version}__${role.description}`;
  }
  if (kind === 'sql' && sqlFileRole(fileName)?.role !== 'single') return stem;
  if (kind === 'python') return stem;
  return migrationLike(stem) ? stem : null;
}

/** Sets each migration's `change` against the base; lists migrations of the base that are gone. */
export function classify(
  migrations: Migration[],
  dir: string,
  baseFiles: string[],
  base: BaseState,
  detected: DirectoryFormat | null,
  migrationLike: (name: string) => boolean,
  dialect: string,
): { deleted: DeletedMigration[]; baseNames: string[] } {
  const onBase = new Set(baseFiles);
  const baseGroups = new Map<string, string[]>();
  for (const file of baseFiles) {
    const inDir = dir === '.' ? file : file.slice(dir.length + 1);
    const name = baseMigrationName(inDir, detected, migrationLike, dialect);
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
    const primary =
      files.find((f) => !/(?:^|[./])down\.sql$|(?:^|\/)U\d[^/]*__[^/]*\.sql$|\.toml$/i.test(f)) ?? files[0]!;
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
