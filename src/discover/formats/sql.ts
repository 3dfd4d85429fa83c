import type { GateConfig } from '../../config/types.js';
import type { Format, Migration, MigrationPart, SqlDialect } from '../../types.js';
import { parseAnnotations } from '../annotations.js';
import { parseName } from '../naming.js';
import { isEffectivelyEmpty, splitStatements } from '../sql-split.js';

/** A migration file read from disk, as every format parser receives it. */
export interface SourceFile {
  /** Absolute path. */
  absPath: string;
  /** Path relative to the working directory, `/`-separated. */
  relPath: string;
  /** The migration directory as given (relative to the working directory). */
  dir: string;
  text: string;
}

/** SQL layouts that keep up and down in one file, split by marker comments. */
export type MarkerDialect = Extract<SqlDialect, 'dbmate' | 'goose' | 'sql-migrate'>;

type ParseProblem = Migration['parseProblems'][number];

interface MarkerSyntax {
  up: RegExp;
  down: RegExp;
  /** How the up marker is written, for messages. */
  upLabel: string;
  downLabel: string;
}

const MARKERS: Record<MarkerDialect, MarkerSyntax> = {
  dbmate: {
    up: /^\s*--\s*migrate:up(?=\s|$)(.*)$/i,
    down: /^\s*--\s*migrate:down(?=\s|$)(.*)$/i,
    upLabel: '-- migrate:up',
    downLabel: '-- migrate:down',
  },
  goose: {
    up: /^\s*--\s*\+goose\s+up(?=\s|$)(.*)$/i,
    down: /^\s*--\s*\+goose\s+down(?=\s|$)(.*)$/i,
    upLabel: '-- +goose Up',
    downLabel: '-- +goose Down',
  },
  'sql-migrate': {
    up: /^\s*--\s*\+migrate\s+up(?=\s|$)(.*)$/i,
    down: /^\s*--\s*\+migrate\s+down(?=\s|$)(.*)$/i,
    upLabel: '-- +migrate Up',
    downLabel: '-- +migrate Down',
  },
};

const GOOSE_NO_TRANSACTION = /^\s*--\s*\+goose\s+no\s+transaction\s*$/i;

/** What an SQL file name says about its role: half of a pair, or a single file with markers. */
export function sqlFileRole(fileName: string): { name: string; role: 'up' | 'down' | 'single' } | null {
  // `s`: a file name may hold a line break; it is still a migration (that the naming rule rejects).
  const pair = /^(.*)\.(up|down)\.sql$/is.exec(fileName);
  if (pair && pair[1]) return { name: pair[1], role: pair[2]!.toLowerCase() as 'up' | 'down' };
  const single = /^(.+)\.sql$/is.exec(fileName);
  return single ? { name: single[1]!, role: 'single' } : null;
}

/** The marker dialect of a single-file SQL migration: the dialect of its first up or down marker. */
export function detectSqlDialect(text: string): MarkerDialect | null {
  for (const raw of text.split('\n')) {
    if (!raw.includes('--')) continue;
    const line = raw.replace(/\r$/, '');
    for (const dialect of Object.keys(MARKERS) as MarkerDialect[]) {
      const syntax = MARKERS[dialect];
      if (syntax.up.test(line) || syntax.down.test(line)) return dialect;
    }
  }
  return null;
}

/** How a marker dialect's up marker is written, e.g. `-- migrate:up`. */
export function upMarkerLabel(dialect: MarkerDialect): string {
  return MARKERS[dialect].upLabel;
}

/** A `Migration` with every field at its neutral value; format parsers fill in what they read. */
export function newMigration(
  fields: Pick<Migration, 'name' | 'dir' | 'path' | 'files' | 'format' | 'dialect'>,
  config: GateConfig,
): Migration {
  const parsed = parseName(fields.name, config.namingPattern);
  return {
    ...fields,
    version: parsed.version,
    slug: parsed.slug,
    up: null,
    down: null,
    transaction: true,
    waiver: null,
    requirements: [],
    requirementsLine: null,
    change: 'added',
    previousPath: null,
    alembic: null,
    parseProblems: [],
  };
}

/** A migration whose file could not be used at all (unreadable, binary, too large): only the problem is known. */
export function unreadableMigration(
  input: { name: string; dir: string; relPath: string; format: Format; dialect: SqlDialect | null },
  problem: { line: number | null; message: string },
  config: GateConfig,
): Migration {
  const migration = newMigration(
    {
      name: input.name,
      dir: input.dir,
      path: input.relPath,
      files: [input.relPath],
      format: input.format,
      dialect: input.dialect,
    },
    config,
  );
  migration.parseProblems.push({ path: input.relPath, ...problem });
  return migration;
}

/** Reads waiver and requirement tags of `files` (in order) into `migration`; the first waiver wins. */
export function applyAnnotations(
  migration: Migration,
  files: { relPath: string; text: string }[],
  config: GateConfig,
): void {
  for (const file of files) {
    const notes = parseAnnotations(file.text, file.relPath, config.requirementPattern);
    for (const problem of notes.problems) migration.parseProblems.push({ path: file.relPath, ...problem });
    if (notes.waiver) {
      if (migration.waiver) {
        migration.parseProblems.push({
          path: file.relPath,
          line: notes.waiver.line,
          message: `a second downgrade-waiver line (the first is in ${migration.waiver.path} on line ${migration.waiver.line})`,
        });
      } else {
        migration.waiver = notes.waiver;
      }
    }
    for (const id of notes.requirements) {
      if (!migration.requirements.includes(id)) migration.requirements.push(id);
    }
    migration.requirementsLine ??= notes.requirementsLine;
  }
}

/** A part that is a whole file of its own (paired layouts). */
export function wholeFilePart(file: SourceFile): MigrationPart {
  return { path: file.relPath, text: file.text, startLine: 1, empty: isEffectivelyEmpty(file.text) };
}

/**
 * Parses a golang-migrate pair `<name>.up.sql` + `<name>.down.sql` (or another layout of one file per
 * direction: `dialect` and `upFile`, the up file's expected name, say which). A missing down file means no
 * downgrade (`down: null`); a down file holding only comments is `down.empty`.
 */
export function parsePairMigration(
  input: {
    name: string;
    dir: string;
    up: SourceFile | null;
    down: SourceFile | null;
    dialect?: SqlDialect;
    upFile?: string;
  },
  config: GateConfig,
): Migration {
  const primary = input.up ?? input.down;
  if (!primary) throw new Error(`parsePairMigration needs an up or a down file for '${input.name}'`);
  const files = [input.up, input.down].filter((f): f is SourceFile => f !== null);
  const migration = newMigration(
    {
      name: input.name,
      dir: input.dir,
      path: primary.relPath,
      files: files.map((f) => f.relPath),
      format: 'sql',
      dialect: input.dialect ?? 'pair',
    },
    config,
  );
  migration.up = input.up ? wholeFilePart(input.up) : null;
  migration.down = input.down ? wholeFilePart(input.down) : null;
  if (!input.up) {
    migration.parseProblems.push({
      path: primary.relPath,
      line: null,
      message: `'${baseName(primary.relPath)}' has no matching '${input.upFile ?? `${input.name}.up.sql`}': a pair needs an up file`,
    });
  }
  applyAnnotations(migration, files, config);
  return migration;
}

interface Marker {
  kind: 'up' | 'down';
  /** 0-based line index. */
  index: number;
  options: string;
}

/**
 * Parses a single-file SQL migration split by the markers of `dialect` (dbmate, goose or sql-migrate).
 * Marker mistakes (twice, down before up, no up) become `parseProblems` with their line.
 */
export function parseMarkerMigration(
  file: SourceFile,
  dialect: MarkerDialect,
  config: GateConfig,
): Migration {
  const name = sqlFileRole(baseName(file.relPath))?.name ?? baseName(file.relPath);
  const migration = newMigration(
    { name, dir: file.dir, path: file.relPath, files: [file.relPath], format: 'sql', dialect },
    config,
  );
  const syntax = MARKERS[dialect];
  const lines = file.text.split('\n');
  const markers: Marker[] = [];
  let gooseNoTransaction = false;
  lines.forEach((raw, index) => {
    if (!raw.includes('--')) return;
    const line = raw.replace(/\r$/, '');
    const up = syntax.up.exec(line);
    const down = up ? null : syntax.down.exec(line);
    const found = up ?? down;
    if (found) markers.push({ kind: up ? 'up' : 'down', index, options: (found[1] ?? '').trim() });
    else if (dialect === 'goose' && GOOSE_NO_TRANSACTION.test(line)) gooseNoTransaction = true;
  });

  const problems: ParseProblem[] = [];
  const problem = (line: number | null, message: string) =>
    problems.push({ path: file.relPath, line, message });
  const ups = markers.filter((m) => m.kind === 'up');
  const downs = markers.filter((m) => m.kind === 'down');
  for (const [list, label] of [
    [ups, syntax.upLabel],
    [downs, syntax.downLabel],
  ] as const) {
    for (const extra of list.slice(1)) {
      problem(extra.index + 1, `'${label}' appears again (first on line ${list[0]!.index + 1})`);
    }
  }
  const up = ups[0];
  const down = downs[0];
  if (!up) {
    problem(
      down ? down.index + 1 : 1,
      `no '${syntax.upLabel}' marker: nothing in this file runs as the upgrade`,
    );
  }
  if (up && down && down.index < up.index) {
    problem(down.index + 1, `'${syntax.downLabel}' comes before '${syntax.upLabel}' (line ${up.index + 1})`);
  }
  const first = markers[0];
  const preamble = lines.slice(0, first ? first.index : lines.length).join('\n');
  const stray = splitStatements(preamble, 1)[0];
  if (first && stray) {
    problem(stray.line, `SQL before the first marker belongs to neither up nor down`);
  }

  const partAfter = (marker: Marker): MigrationPart => {
    const nextMarker = markers.find((m) => m.index > marker.index);
    const end = nextMarker ? nextMarker.index : lines.length;
    const text = lines.slice(marker.index + 1, end).join('\n');
    return { path: file.relPath, text, startLine: marker.index + 2, empty: isEffectivelyEmpty(text) };
  };
  migration.up = up ? partAfter(up) : null;
  migration.down = down ? partAfter(down) : null;
  migration.transaction = !(
    gooseNoTransaction ||
    (dialect === 'dbmate' && [up, down].some((m) => m && /\btransaction:false\b/i.test(m.options))) ||
    (dialect === 'sql-migrate' && [up, down].some((m) => m && /\bnotransaction\b/i.test(m.options)))
  );
  migration.parseProblems.push(...problems);
  applyAnnotations(migration, [file], config);
  return migration;
}

function baseName(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash === -1 ? relPath : relPath.slice(slash + 1);
}
