import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GateConfig } from '../config/types.js';
import type { Finding, MigrationSet } from '../types.js';
import { alembicPlace, sqlalchemyUrl } from './executors/alembic.js';
import { commandWords, notFound, runAlembic, type RunResult } from './executors/alembic-process.js';
import { MODEL_DRIFT_MARK, MODEL_DRIFT_SCRIPT } from './model-drift-script.js';
import { scrubSecrets } from './providers/url.js';
import { STORAGE_SCHEMA } from './storage.js';

/** One operation Alembic's autogenerate would emit to make the schema match the models. */
export interface DriftOperation {
  /** Autogenerate's operation: `add_column`, `remove_index`, `modify_nullable`, … */
  op: string;
  /** The table it concerns (`users`, `billing.invoices`), when it concerns one. */
  table: string | null;
  /** The object: `users.nickname`, `orders_created_idx`, `users`. */
  object: string;
  /** What it is or becomes: the column type, the index's columns, `old -> new`. */
  detail: string | null;
}

/** What the comparison found. */
export interface ModelComparison {
  /** False when `env.py` configures no `target_metadata` (nothing to compare). */
  metadata: boolean;
  operations: DriftOperation[];
  /** The model class of each table, as the project loaded it (absolute file, line). */
  sources: Record<string, { file: string; line: number }>;
}

/** How the project's Python is started: the words before the script, and the Alembic options to keep. */
export interface PythonCommand {
  python: string[];
  config: string;
  name: string;
  x: string[];
}

const DRIFT_TIMEOUT_MS = 300_000;

async function shebang(command: string): Promise<string[] | null> {
  const dirs = command.includes('/') ? [''] : (process.env.PATH ?? '').split(path.delimiter);
  for (const dir of dirs) {
    const file = dir ? path.join(dir, command) : command;
    try {
      await access(file);
    } catch {
      continue;
    }
    const first = (await readFile(file, 'latin1')).split('\n', 1)[0] ?? '';
    const match = /^#!\s*(.+)$/.exec(first);
    if (match && /python/.test(match[1]!)) return match[1]!.trim().split(/\s+/);
    return null;
  }
  return null;
}

/**
 * The project's interpreter, read from `alembic-command`: `python -m alembic …` → `python`; a wrapper
 * (`poetry run alembic`, `uv run alembic`) → the wrapper running `python`; a plain `alembic` → the interpreter
 * of its script's `#!` line (a console script names the environment it was installed into), else `python3`.
 * The Alembic options `-c`/`--config`, `-n`/`--name` and `-x` are kept for the comparison.
 */
export async function pythonCommand(words: string[]): Promise<PythonCommand> {
  let at = words.findIndex((w) => /^alembic(\.exe)?$/i.test(path.basename(w)));
  if (at === -1) at = 0;
  let python: string[];
  if (at >= 2 && words[at - 1] === '-m') python = words.slice(0, at - 1);
  else if (at > 0) python = [...words.slice(0, at), 'python'];
  else python = (await shebang(words[0]!)) ?? ['python3'];
  const result: PythonCommand = { python, config: 'alembic.ini', name: 'alembic', x: [] };
  const rest = words.slice(at + 1);
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    const [flag, inline] = word.startsWith('--') && word.includes('=') ? word.split(/=(.*)/s) : [word];
    const value = inline ?? rest[i + 1];
    if (value === undefined) continue;
    if (flag === '-c' || flag === '--config') result.config = value;
    else if (flag === '-n' || flag === '--name') result.name = value;
    else if (flag === '-x') result.x.push(value);
    else continue;
    if (inline === undefined) i++;
  }
  return result;
}

/** Reads the script's JSON result from Alembic's output; throws when it is missing or unreadable. */
export function readComparison(output: string): ModelComparison {
  const line = output.split(/\r?\n/).find((l) => l.startsWith(MODEL_DRIFT_MARK));
  if (!line) throw new Error('no result');
  const raw = JSON.parse(line.slice(MODEL_DRIFT_MARK.length)) as {
    metadata: boolean | null;
    diffs: DriftOperation[];
    sources?: ModelComparison['sources'];
  };
  return {
    metadata: raw.metadata === true,
    operations: raw.diffs.filter((d) => !(d.table ?? d.object).startsWith(`${STORAGE_SCHEMA}.`)),
    sources: raw.sources ?? {},
  };
}

/** The last meaningful line of a failed run (the exception), scrubbed of the database password. */
function failureLine(result: RunResult, url: string): string {
  const lines = result.output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(INFO|DEBUG)\s+\[/.test(l));
  return scrubSecrets(lines.at(-1) ?? `exit status ${result.code ?? result.signal}`, url);
}

/**
 * Runs Alembic's autogenerate comparison of the project's `target_metadata` with the database at `url`
 * (already at head), through the project's own Python and `env.py`, so `include_object`, `compare_type` and
 * the other options of its `context.configure` apply as they do for `alembic check`.
 */
export async function compareModels(
  config: GateConfig,
  set: MigrationSet,
  url: string,
): Promise<ModelComparison> {
  const words = commandWords(config);
  const place = await alembicPlace(config, set.dir);
  const py = await pythonCommand(words);
  const args = JSON.stringify({ config: py.config, name: py.name, x: py.x });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: sqlalchemyUrl(url),
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
  };
  // The interpreter read from the command first; then the one of `alembic` on PATH, then python3 (a wrapper
  // such as `sh -c '… exec alembic "$@"'` names no interpreter the gate can see).
  const candidates = [py.python, (await shebang('alembic')) ?? [], ['python3']].filter(
    (c, i, all) => c.length > 0 && all.findIndex((o) => o.join(' ') === c.join(' ')) === i,
  );
  let first: Error | null = null;
  for (const python of candidates) {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(),
      Math.max(DRIFT_TIMEOUT_MS, config.stepTimeoutSec * 1000),
    );
    let result: RunResult;
    try {
      result = await runAlembic(
        [...python, '-c', MODEL_DRIFT_SCRIPT, args],
        place.cwd,
        env,
        controller.signal,
      );
    } catch (error) {
      first ??= notFound(python, place.cwd, error);
      continue;
    } finally {
      clearTimeout(timer);
    }
    try {
      return readComparison(result.output);
    } catch {
      first ??= new Error(
        result.code !== 0
          ? `the models could not be compared (${python.join(' ')}): ${failureLine(result, url)}`
          : `the model comparison printed no result: ${failureLine(result, url)}`,
      );
    }
  }
  throw first ?? new Error('no Python interpreter to compare the models with');
}

function relative(config: GateConfig, file: string): string {
  const rel = path.relative(path.resolve(config.cwd), file).split(path.sep).join('/');
  return rel.startsWith('../') || path.isAbsolute(rel) ? file : rel;
}

/** `add_column users.nickname (VARCHAR(40))`. */
export function describeOperation(op: DriftOperation): string {
  return `${op.op} ${op.object}${op.detail ? ` (${op.detail})` : ''}`;
}

/**
 * The `model-drift` finding of one directory, or null when the models match. It points at the model class of
 * the first drifting table whose file the change set touched, else at the first drifting table's model, else
 * at the migration directory.
 */
export function modelDriftFinding(
  config: GateConfig,
  set: MigrationSet,
  comparison: ModelComparison,
  changed: ReadonlySet<string>,
): Finding | null {
  const ops = comparison.operations;
  if (ops.length === 0) return null;
  const places = ops
    .map((op) => (op.table ? comparison.sources[op.table] : undefined))
    .filter((p) => p !== undefined)
    .map((p) => ({ path: relative(config, p.file), line: p.line }));
  const place = places.find((p) => changed.has(p.path)) ?? places[0];
  const names = ops.slice(0, 5).map(describeOperation);
  const more = ops.length > 5 ? ` and ${ops.length - 5} more` : '';
  return {
    rule: 'model-drift',
    severity: 'error',
    migration: null,
    path: place?.path ?? set.dir,
    ...(place ? { line: place.line } : {}),
    message:
      `after every migration of ${set.dir}, the models (target_metadata) differ from the schema: ` +
      `autogenerate would emit ${ops.length} operation${ops.length === 1 ? '' : 's'}: ${names.join(', ')}${more}; ` +
      `add a revision for them (alembic revision --autogenerate) or change the models back`,
    details: ops.map(describeOperation),
  };
}

/** Files among `sources` the change set touched, by the caller's reckoning. */
export function modelFiles(config: GateConfig, comparison: ModelComparison): string[] {
  return [...new Set(Object.values(comparison.sources).map((s) => relative(config, s.file)))];
}
