import type pg from 'pg';
import type { Migration } from '../../types.js';
import { StepError } from '../types.js';
import type { Direction, FormatExecutor, StepContext } from '../types.js';
import { exported } from './project-package.js';
import { loadMigration, rollbackQuietly, stepError, toolPackage } from './tool-module.js';

/** The parts of node-pg-migrate's `MigrationBuilder` the gate touches. */
interface MigrationBuilder {
  enableReverseMode(): unknown;
  isUsingTransaction(): boolean;
  getSqlSteps(): string[];
}
type BuilderClass = new (
  db: { query: (...args: unknown[]) => Promise<unknown>; select: (...args: unknown[]) => Promise<unknown[]> },
  typeShorthands: unknown,
  shouldDecamelize: boolean,
  logger: unknown,
) => MigrationBuilder;

type PgmFn = (pgm: MigrationBuilder, done?: () => void) => unknown;

const QUIET = { debug() {}, info() {}, warn() {}, error() {} };
const SHOWN = 300;

/**
 * node-pg-migrate migrations (`exports.up = (pgm) => { … }`), run as node-pg-migrate runs them, with the
 * project's own `node-pg-migrate`: `up` (or `down`) fills a `MigrationBuilder`, whose SQL then runs in one
 * transaction unless the migration called `pgm.noTransaction()`. Without a `down` export, the down is `up` in
 * the builder's reverse mode (the tool's automatic reversal); `down = false` is no downgrade.
 */
export const nodePgMigrateExecutor: FormatExecutor = {
  async run(migration: Migration, direction: Direction, ctx: StepContext): Promise<void> {
    const loaded = await loadMigration(migration, direction, ctx);
    let fn = loaded.exports[direction];
    const reverse = direction === 'down' && fn === undefined;
    if (reverse) fn = loaded.exports.up;
    if (typeof fn !== 'function') {
      const why =
        fn === false ? `sets '${direction} = false' (no downgrade)` : `exports no '${direction}' function`;
      throw new StepError(`the module ${why}`, loaded.relPath, null);
    }
    const pkg = await toolPackage('node-pg-migrate', loaded, ctx);
    const Builder = exported<BuilderClass>(pkg.module, 'MigrationBuilder');
    if (typeof Builder !== 'function') {
      throw new StepError(
        `the package 'node-pg-migrate' (${pkg.entry}) exports no MigrationBuilder`,
        loaded.relPath,
        null,
      );
    }
    const client: pg.Client = ctx.client;
    const db = {
      query: (...args: unknown[]) => client.query(...(args as [string])),
      select: async (...args: unknown[]) => (await client.query(...(args as [string]))).rows as unknown[],
    };
    const decamelize = Boolean((loaded.exports as { decamelize?: unknown }).decamelize);
    const pgm = new Builder(db, loaded.exports.shorthands, decamelize, QUIET);
    if (reverse) pgm.enableReverseMode();
    const action = fn as PgmFn;
    try {
      if (action.length === 2) await new Promise<void>((resolve) => void action(pgm, resolve));
      else await action(pgm);
    } catch (error) {
      throw stepError(error, loaded, reverse ? ' (reversing up: write a down function)' : '');
    }
    const transactional = pgm.isUsingTransaction();
    let current = '';
    try {
      if (transactional) await client.query('BEGIN');
      for (const step of pgm.getSqlSteps()) {
        current = step;
        await client.query(step);
      }
      current = '';
      if (transactional) await ctx.beforeCommit?.(client);
      if (transactional) await client.query('COMMIT');
    } catch (error) {
      if (transactional) await rollbackQuietly(client);
      const statement = current.replace(/\s+/g, ' ').trim();
      const shown = statement.length > SHOWN ? `${statement.slice(0, SHOWN)}…` : statement;
      throw stepError(error, loaded, shown ? ` in: ${shown}` : '');
    }
  },
};
