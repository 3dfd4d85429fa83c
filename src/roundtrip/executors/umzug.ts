import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import type { Migration } from '../../types.js';
import { StepError } from '../types.js';
import type { Direction, FormatExecutor, StepContext } from '../types.js';
import { pgErrorMessage, transactionControlMessage } from './sql.js';

/** What an Umzug-style migration function receives as `context`. */
export interface UmzugMigrationContext {
  client: pg.Client;
  sql: (text: string, params?: unknown[]) => Promise<pg.QueryResult>;
}

type MigrationFn = (params: { name: string; path: string; context: unknown }) => unknown;

function pickFunction(module: Record<string, unknown>, direction: Direction): MigrationFn | null {
  const candidates = [
    module,
    module.default,
    (module.default as Record<string, unknown> | undefined)?.default,
  ];
  for (const candidate of candidates) {
    if (
      candidate &&
      typeof candidate === 'object' &&
      typeof (candidate as Record<string, unknown>)[direction] === 'function'
    ) {
      return (candidate as Record<Direction, MigrationFn>)[direction];
    }
  }
  return null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The line in `absPath` that an error's stack (or a syntax error's message) points at, or null. */
export function lineInFile(error: unknown, absPath: string): number | null {
  const texts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error) texts.push(e.stack ?? '', e.message);
  }
  const href = pathToFileURL(absPath).href;
  const place = new RegExp(`(?:${escapeRegExp(href)}|${escapeRegExp(absPath)}):(\\d+)`);
  for (const text of texts) {
    const match = place.exec(text);
    if (match) return Number(match[1]);
  }
  return null;
}

/** Fails when the module ended or opened a transaction of its own inside the gate's one. */
function watchTransactionNotices(
  client: pg.Client,
  migration: Migration,
): { problem: () => string | null; stop: () => void } {
  let problem: string | null = null;
  const onNotice = (notice: { code?: string }) => {
    if (notice.code === '25001') problem ??= transactionControlMessage('BEGIN', migration);
    if (notice.code === '25P01') problem ??= transactionControlMessage('COMMIT or ROLLBACK', migration);
  };
  client.on('notice', onNotice);
  return { problem: () => problem, stop: () => client.off('notice', onNotice) };
}

/** One direction of an Umzug-style module, loaded: its function and where it lives. */
export interface LoadedUmzugStep<C> {
  fn: (params: { name: string; path: string; context: C }) => unknown;
  /** The path as the migration names it (relative to the project, usually). */
  relPath: string;
  absPath: string;
}

/**
 * Imports the module of `migration`'s `direction` (never bundled: the project's own file, at run time). A module
 * that does not load is a `StepError` at the line its error points to.
 */
export async function importMigrationModule(
  migration: Migration,
  direction: Direction,
  cwd: string,
): Promise<{ module: Record<string, unknown>; relPath: string; absPath: string }> {
  const relPath = (direction === 'up' ? migration.up?.path : migration.down?.path) ?? migration.path;
  const absPath = isAbsolute(relPath) ? relPath : resolve(cwd, relPath);
  try {
    const module = (await import(/* webpackIgnore: true */ pathToFileURL(absPath).href)) as Record<
      string,
      unknown
    >;
    return { module, relPath, absPath };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new StepError(`cannot load the module: ${message}`, relPath, lineInFile(error, absPath), {
      cause: error,
    });
  }
}

/**
 * Imports the module of `migration`'s `direction` and picks its function (`up`/`down`, a default export's or a
 * CommonJS `module.exports`'). A module that does not load or has no such function is a `StepError`.
 */
export async function loadUmzugStep<C>(
  migration: Migration,
  direction: Direction,
  cwd: string,
): Promise<LoadedUmzugStep<C>> {
  const { module, relPath, absPath } = await importMigrationModule(migration, direction, cwd);
  const fn = pickFunction(module, direction);
  if (!fn) throw new StepError(`the module exports no '${direction}' function`, relPath, null);
  return { fn, relPath, absPath };
}

/** JS/TS modules exporting Umzug-style `up` and `down` functions. */
export const umzugExecutor: FormatExecutor = {
  async run(migration: Migration, direction: Direction, ctx: StepContext): Promise<void> {
    const { fn, relPath, absPath } = await loadUmzugStep<UmzugMigrationContext>(
      migration,
      direction,
      ctx.config.cwd,
    );

    const client = ctx.client;
    const context: UmzugMigrationContext = { client, sql: (text, params) => client.query(text, params) };
    const transactional = migration.transaction;
    const notices = transactional ? watchTransactionNotices(client, migration) : null;
    try {
      if (transactional) await client.query('BEGIN');
      await fn({ name: migration.name, path: absPath, context });
      const problem = notices?.problem();
      if (problem) throw new StepError(problem, relPath, null);
      if (transactional) await ctx.beforeCommit?.(client);
      if (transactional) await client.query('COMMIT');
      const late = notices?.problem();
      if (late) throw new StepError(late, relPath, null);
    } catch (error) {
      if (transactional) await client.query('ROLLBACK').catch(() => undefined);
      if (error instanceof StepError) throw error;
      throw new StepError(pgErrorMessage(error), relPath, lineInFile(error, absPath), { cause: error });
    } finally {
      notices?.stop();
    }
  },
};
