import path from 'node:path';
import type pg from 'pg';
import { TOOL_LABEL, TOOL_PACKAGE, type ToolFormat } from '../../discover/formats/tools.js';
import { GateError, type Migration } from '../../types.js';
import { StepError } from '../types.js';
import type { Direction, StepContext } from '../types.js';
import { projectPackage, type ProjectPackage } from './project-package.js';
import { pgErrorMessage } from './sql.js';
import { importMigrationModule, lineInFile } from './umzug.js';

/** A migration module of a tool, loaded for one step. */
export interface LoadedMigration {
  /** The module's exports (the CommonJS `module.exports`, or the ES module's namespace). */
  exports: Record<string, unknown>;
  relPath: string;
  absPath: string;
  /** The line of the step's function, blamed when an error's stack does not reach the module. */
  line: number | null;
}

/** Loads the module of `migration` for `direction`; a module that does not load fails the step at its line. */
export async function loadMigration(
  migration: Migration,
  direction: Direction,
  ctx: StepContext,
): Promise<LoadedMigration> {
  const part = direction === 'up' ? migration.up : migration.down;
  const loaded = await importMigrationModule(migration, direction, ctx.config.cwd);
  const { module: namespace, relPath, absPath } = loaded;
  // A CommonJS module's `module.exports` is the namespace's default; an ES module exports its functions by name.
  const exports =
    typeof namespace.up === 'function' || namespace.default === undefined
      ? namespace
      : (namespace.default as Record<string, unknown>);
  return { exports, relPath, absPath, line: part?.startLine ?? null };
}

/** The tool's package as the project installed it (from the migration's directory, else the working directory). */
export function toolPackage(
  format: ToolFormat,
  loaded: LoadedMigration,
  ctx: StepContext,
): Promise<ProjectPackage> {
  return projectPackage(
    TOOL_PACKAGE[format],
    [path.dirname(loaded.absPath), ctx.config.cwd],
    `${loaded.relPath} (a ${TOOL_LABEL[format]} migration)`,
  );
}

/** The step's error as a `StepError` at the module's line: where its stack points, else the step's function. */
export function stepError(error: unknown, loaded: LoadedMigration, suffix = ''): Error {
  if (error instanceof StepError || error instanceof GateError) return error;
  // Sequelize wraps the driver's error as `parent`.
  const original = (error as { parent?: unknown; original?: unknown }).parent ?? error;
  const line = lineInFile(error, loaded.absPath) ?? loaded.line;
  return new StepError(`${pgErrorMessage(original)}${suffix}`, loaded.relPath, line, { cause: error });
}

/** `major.minor.0` of the server the step's client talks to (what the tools expect as a version). */
export async function serverVersion(client: pg.Client): Promise<string> {
  const result = await client.query<{ v: string }>(
    `SELECT pg_catalog.current_setting('server_version') AS v`,
  );
  const match = /^(\d+)(?:\.(\d+))?/.exec(result.rows[0]?.v ?? '');
  return match ? `${match[1]}.${match[2] ?? '0'}.0` : '15.0.0';
}

/** Ends a transaction a failed step may have left open on the client (a no-op otherwise). */
export async function rollbackQuietly(client: pg.Client): Promise<void> {
  await client.query('ROLLBACK').catch(() => undefined);
}

/** The module's `up` or `down` function; a module without it fails the step. */
export function stepFunction(loaded: LoadedMigration, direction: Direction): (...args: unknown[]) => unknown {
  const fn = loaded.exports[direction];
  if (typeof fn !== 'function') {
    throw new StepError(`the module exports no '${direction}' function`, loaded.relPath, null);
  }
  return fn as (...args: unknown[]) => unknown;
}
