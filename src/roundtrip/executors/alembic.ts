import { access } from 'node:fs/promises';
import path from 'node:path';
import type { GateConfig } from '../../config/types.js';
import { GateError, type Migration, type MigrationSet } from '../../types.js';
import { scrubSecrets } from '../providers/url.js';
import {
  MESSAGE_LIMIT,
  commandWords,
  notFound,
  readAlembicFailure,
  runAlembic,
  type RunResult,
} from './alembic-process.js';
import { StepError } from '../types.js';
import type { Direction, FormatExecutor, StepContext } from '../types.js';

/** Alembic's bookkeeping table: the runner leaves it out of every snapshot. */
export const ALEMBIC_EXCLUDED_TABLES = ['public.alembic_version'];

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Where Alembic runs for a migration directory, and whether a configuration was found there. */
export interface AlembicPlace {
  cwd: string;
  /** True when `alembic.ini` was found, or the command names its configuration (`-c`/`--config`). */
  configured: boolean;
}

export async function alembicPlace(config: GateConfig, dir: string): Promise<AlembicPlace> {
  const root = path.resolve(config.cwd);
  const words = commandWords(config);
  if (words.some((w) => w === '-c' || w === '--config' || w.startsWith('--config='))) {
    return { cwd: root, configured: true };
  }
  let current = path.resolve(root, dir);
  if (path.relative(root, current).startsWith('..')) return { cwd: root, configured: false };
  for (;;) {
    if (await exists(path.join(current, 'alembic.ini'))) return { cwd: current, configured: true };
    const parent = path.dirname(current);
    if (current === root || parent === current) return { cwd: root, configured: false };
    current = parent;
  }
}

/**
 * The directory Alembic runs in: the nearest folder holding `alembic.ini`, from the migration directory up
 * to the working directory, so a project kept in a sub-folder finds its own configuration; the working
 * directory itself when none does, or when the command names its configuration (`-c`/`--config`).
 */
export async function alembicWorkingDirectory(config: GateConfig, dir: string): Promise<string> {
  return (await alembicPlace(config, dir)).cwd;
}

/**
 * The Alembic target of a step. `up`: the revision itself (`alembic upgrade <rev>`). `down`: `<rev>@-1`,
 * one step down on the revision's own branch (for a root that is `base`, and other heads are left alone);
 * for a merge revision, its first parent: downgrading to one parent of a merge unapplies only the merge
 * and leaves every parent applied (`<merge>@-1` is an "ambiguous walk" for Alembic).
 */
export function alembicTarget(migration: Migration, direction: Direction): string {
  const alembic = migration.alembic;
  if (!alembic) {
    throw new StepError(
      `cannot run '${migration.name}': its revision id could not be read`,
      migration.path,
      null,
    );
  }
  if (direction === 'up') return alembic.revision;
  if (alembic.downRevisions.length > 1) return alembic.downRevisions[0]!;
  return `${alembic.revision}@-1`;
}

/** The URL handed to Alembic: SQLAlchemy only accepts the `postgresql://` scheme. */
export function sqlalchemyUrl(url: string): string {
  return url.replace(/^postgres:\/\//i, 'postgresql://');
}

/** A URL nothing answers at: `env.py` that honours `DATABASE_URL` cannot connect with it. */
const PROBE_URL = 'postgresql://migration_gate_probe:probe@127.0.0.1:1/migration_gate_probe';
const SQLITE_PROBE_URL = 'sqlite:////migration-gate-probe/no-such-folder/probe.db';
const PROBE_TIMEOUT_MS = 60_000;
const probes = new Map<string, Promise<void>>();
/** What Alembic prints when it tried to connect to the probe's closed port. */
const CONNECTION_FAILURE =
  /OperationalError|unable to open database file|could not connect|Connection refused|connection to server/i;

async function probeDatabaseUrl(config: GateConfig, cwd: string): Promise<void> {
  const words = commandWords(config);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
  let result: RunResult;
  try {
    // A SQLite project's env.py may have no PostgreSQL driver: its probe names a file that cannot be opened.
    const probeUrl = config.database === 'sqlite' ? SQLITE_PROBE_URL : PROBE_URL;
    const env = { ...process.env, DATABASE_URL: probeUrl, PYTHONDONTWRITEBYTECODE: '1' };
    result = await runAlembic([...words, 'current'], cwd, env, controller.signal);
  } catch (error) {
    throw notFound(words, cwd, error);
  } finally {
    clearTimeout(timer);
  }
  const where = path.relative(config.cwd, cwd) || '.';
  if (result.code !== 0 && !CONNECTION_FAILURE.test(result.output)) {
    // Alembic could not even start (no config file, env.py raising before it connects…): a setup problem.
    const last = result.output
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length > 0)
      .at(-1);
    throw new GateError(
      `'${words.join(' ')} current' fails in ${where === '.' ? 'the working directory' : where} before reaching a database: ${last ?? `exit ${result.code}`}`,
    );
  }
  if (result.code === 0) {
    throw new GateError(
      `the Alembic project in ${where} does not connect to DATABASE_URL: 'alembic current' succeeded while ` +
        `DATABASE_URL pointed at a closed port, so env.py reaches another database (sqlalchemy.url?). migration-gate ` +
        `only migrates databases it creates: make env.py use os.environ["DATABASE_URL"] when it is set`,
    );
  }
}

/**
 * Refuses an Alembic project whose `env.py` ignores `DATABASE_URL` (it would migrate, and downgrade, the
 * database its own configuration names): `alembic current` runs once per folder with `DATABASE_URL`
 * pointing at a closed port and must fail. Remembered per folder and command for the life of the process.
 */
export function assertUsesDatabaseUrl(config: GateConfig, cwd: string): Promise<void> {
  const key = `${cwd}\0${config.alembicCommand}`;
  let probe = probes.get(key);
  if (!probe) {
    probe = probeDatabaseUrl(config, cwd);
    probes.set(key, probe);
  }
  return probe;
}

/**
 * Checks, before any database work, that the Alembic command starts (`<alembic-command> --version`) and
 * that each Alembic project among `dirs` (default: the configured directories) connects to `DATABASE_URL`
 * (see `assertUsesDatabaseUrl`). Throws `GateError` with one line; returns Alembic's version line.
 */
export async function checkAlembicCommand(config: GateConfig, dirs: string[] = config.dirs): Promise<string> {
  const words = commandWords(config);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
  let version: string;
  try {
    const result = await runAlembic([...words, '--version'], config.cwd, process.env, controller.signal);
    if (result.code !== 0) {
      const last = result.output.trim().split('\n').pop() ?? '';
      throw new GateError(
        `the Alembic command '${words.join(' ')}' does not work (exit status ${result.code ?? result.signal}): ${last}`,
      );
    }
    version = result.output.trim();
  } catch (error) {
    if (error instanceof GateError) throw error;
    throw notFound(words, config.cwd, error);
  } finally {
    clearTimeout(timer);
  }
  const places = await Promise.all(dirs.map((dir) => alembicPlace(config, dir)));
  const folders = [...new Set(places.filter((p) => p.configured).map((p) => p.cwd))];
  for (const folder of folders) await assertUsesDatabaseUrl(config, folder);
  return version;
}

/**
 * Alembic revisions, run by the project's own Alembic (`alembic-command`, default `alembic`, split into
 * words and started without a shell) in the folder of the project's `alembic.ini`, with `DATABASE_URL` set
 * to the scratch database: the project's `env.py` must connect to `DATABASE_URL`, and a project whose
 * `env.py` does not is refused before its first step (see `assertUsesDatabaseUrl`). `up` runs
 * `alembic upgrade <revision>`, `down` runs `alembic downgrade <target>` (see `alembicTarget`). Python does not
 * write bytecode next to the revisions. A failure becomes a `StepError` with Alembic's exception line and
 * the revision file and line from the traceback; the password never appears in it.
 */
export const alembicExecutor: FormatExecutor = {
  run(migration: Migration, direction: Direction, ctx: StepContext): Promise<void> {
    return runAlembicStep(migration, direction, {
      config: ctx.config,
      url: ctx.db.url,
      signal: ctx.signal,
    });
  },
};

/** One Alembic step against the database at `url` (a scratch PostgreSQL database or a scratch SQLite file). */
export async function runAlembicStep(
  migration: Migration,
  direction: Direction,
  ctx: { config: GateConfig; url: string; signal: AbortSignal },
): Promise<void> {
  const { config } = ctx;
  const target = alembicTarget(migration, direction);
  const words = [...commandWords(config), direction === 'up' ? 'upgrade' : 'downgrade', target];
  const place = await alembicPlace(config, migration.dir);
  const cwd = place.cwd;
  if (place.configured) await assertUsesDatabaseUrl(config, cwd);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: sqlalchemyUrl(ctx.url),
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
  };
  if (ctx.signal.aborted)
    throw new StepError('the step ran out of time before Alembic started', migration.path, null);

  const started = Date.now();
  let result: RunResult;
  try {
    result = await runAlembic(words, cwd, env, ctx.signal);
  } catch (error) {
    throw notFound(words.slice(0, -2), cwd, error);
  }
  if (ctx.signal.aborted) {
    throw new StepError(
      `Alembic was stopped after ${Math.round((Date.now() - started) / 1000)} s: the step ran out of time`,
      migration.path,
      null,
    );
  }
  if (result.code === 0) return;

  const revisionFile = path.resolve(config.cwd, migration.path);
  const failure = await readAlembicFailure(
    result.output,
    cwd,
    revisionFile,
    path.resolve(config.cwd, migration.dir),
  );
  let message = scrubSecrets(failure.message, ctx.url);
  if (message.length > MESSAGE_LIMIT) message = `${message.slice(0, MESSAGE_LIMIT - 1)}…`;
  const blamed = failure.file
    ? path.relative(path.resolve(config.cwd), failure.file).split(path.sep).join('/')
    : null;
  const outside = blamed === null || blamed.startsWith('../');
  throw new StepError(
    `alembic ${direction === 'up' ? 'upgrade' : 'downgrade'} ${target}: ${message}`,
    outside ? migration.path : blamed,
    outside ? null : failure.line,
  );
}

/** `alembic upgrade <head>` of a directory (its last revision in graph order) on the database at `url`, in one process. */
export async function upgradeHead(url: string, set: MigrationSet, config: GateConfig): Promise<void> {
  const head = set.migrations.at(-1);
  if (!head) return;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(1, config.stepTimeoutSec * 1000));
  try {
    await runAlembicStep(head, 'up', { config, url, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}
