import type { GateConfig } from '../config/types.js';
import { familyOf, isModuleFormat, type Format, type Migration } from '../types.js';
import { candidateKind, fileVote, formatOfKind, type DirectoryFormat, type LoadedFile } from './detect.js';
import { dialectFileRole, parseDialectPairs } from './formats/dialect-pair.js';
import { parseFlyway } from './formats/flyway.js';
import { parseFolderMigration, type FolderEntry } from './formats/folder.js';
import {
  parseMarkerMigration,
  parsePairMigration,
  sqlFileRole,
  unreadableMigration,
  upMarkerLabel,
  type SourceFile,
} from './formats/sql.js';
import { findModuleExports, moduleExtensionOf, parseUmzugModule } from './formats/umzug.js';
import { detectNoTransaction } from './no-transaction.js';

/** `name` inside the migration directory `dir`, relative to the working directory. */
export function joinRel(dir: string, name: string): string {
  return dir === '.' ? name : `${dir}/${name}`;
}

/** The migration name of a file: its name without format suffixes. */
export function stemOf(fileName: string): string {
  const dialectRole = dialectFileRole(fileName);
  if (dialectRole) return dialectRole.name;
  const role = sqlFileRole(fileName);
  if (role) return role.name;
  const ext = moduleExtensionOf(fileName);
  if (ext) return fileName.slice(0, -ext.length);
  return fileName.replace(/\.py$/i, '');
}

/** What a directory's files parse into, with what the reader should know about them. */
export interface ParsedDirectory {
  migrations: Migration[];
  notes: string[];
}

/** What `parseDirectory` needs besides the directory's files. */
export interface ParseContext {
  /** The folders of a folder-per-migration directory. */
  folders: FolderEntry[];
  /** Whether a name without format suffixes looks like a migration (naming pattern, leading digit). */
  migrationLike: (name: string) => boolean;
  /** Reads a file of the directory that is no candidate itself (Flyway's `<file>.sql.conf`); null when absent. */
  readOther: (fileName: string) => Promise<string | null>;
}

export function problemMigration(
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

/** Parses the migrations of a directory whose format was detected. */
export async function parseDirectory(
  config: GateConfig,
  dir: string,
  detected: DirectoryFormat,
  files: LoadedFile[],
  context: ParseContext,
): Promise<ParsedDirectory> {
  const { migrationLike } = context;
  const notes: string[] = [];
  const source = (file: LoadedFile): SourceFile => ({
    absPath: file.absPath,
    relPath: joinRel(dir, file.name),
    dir,
    text: file.text!,
  });
  const mine = files.filter((f) => formatOfKind(candidateKind(f.name)!) === familyOf(detected.format));
  const migrations: Migration[] = [];

  if (detected.format === 'sql' && detected.dialect === 'folder') {
    for (const entry of context.folders) migrations.push(parseFolderMigration(entry, dir, config));
    return { migrations, notes };
  }
  if (detected.format === 'sql' && detected.dialect === 'dialect-pair') {
    return parseDialectPairs(mine, dir, config, migrationLike);
  }
  if (detected.format === 'sql' && detected.dialect === 'flyway') {
    const parsed = await parseFlyway(mine, dir, config, context.readOther, migrationLike);
    // Flyway itself runs a file holding such statements outside a transaction.
    for (const m of parsed.migrations) detectNoTransaction(m);
    return parsed;
  }
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
      // A pair has no opt-out of its own but sqlx's first line; golang-migrate wraps no transaction around it.
      detectNoTransaction(migration);
      if (pair.down?.problem) {
        const downPath = joinRel(dir, pair.down.name);
        migration.files.push(downPath);
        migration.parseProblems.push({ path: downPath, ...pair.down.problem });
      }
      migrations.push(migration);
    }
    return { migrations, notes };
  }

  if (detected.format === 'sql') {
    for (const file of mine) {
      if (file.problem) {
        migrations.push(problemMigration(config, dir, file, 'sql', detected.dialect));
        continue;
      }
      const voted = fileVote(file.name, file.text) !== null;
      if (!voted && !migrationLike(stemOf(file.name))) continue;
      if (
        detected.dialect === 'dbmate' ||
        detected.dialect === 'goose' ||
        detected.dialect === 'sql-migrate'
      ) {
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
    return { migrations, notes };
  }

  if (isModuleFormat(detected.format)) {
    for (const file of mine) {
      if (file.problem) {
        migrations.push(problemMigration(config, dir, file, detected.format, null));
      } else if (findModuleExports(file.text!).up || migrationLike(stemOf(file.name))) {
        migrations.push(parseUmzugModule(source(file), config, detected.format));
      }
    }
    return { migrations, notes };
  }

  const { parseAlembicFile } = await import('./formats/alembic.js');
  for (const file of mine) {
    if (file.problem) migrations.push(problemMigration(config, dir, file, 'alembic', null));
    else if (fileVote(file.name, file.text)) migrations.push(parseAlembicFile(source(file), config));
  }
  return { migrations, notes };
}
