import type pg from 'pg';
import type { Migration } from '../../types.js';
import { StepError } from '../types.js';
import type { Direction, FormatExecutor, StepContext } from '../types.js';
import { exported } from './project-package.js';
import {
  loadMigration,
  stepFunction,
  rollbackQuietly,
  serverVersion,
  stepError,
  toolPackage,
} from './tool-module.js';

/** The parts of a knex instance the gate touches. */
interface KnexInstance {
  client: {
    acquireConnection: () => Promise<unknown>;
    releaseConnection: (connection: unknown) => Promise<void>;
  };
  transaction<T>(run: (trx: unknown) => Promise<T>): Promise<T>;
}
type KnexFactory = (config: Record<string, unknown>) => KnexInstance;

/** One knex instance per step session: its queries run on that session. */
const instances = new WeakMap<pg.Client, Map<KnexFactory, KnexInstance>>();

async function knexFor(factory: KnexFactory, client: pg.Client): Promise<KnexInstance> {
  let byFactory = instances.get(client);
  if (!byFactory) instances.set(client, (byFactory = new Map()));
  let knex = byFactory.get(factory);
  if (!knex) {
    // No `connection`: knex opens no pool and loads no driver; every query runs on the step's session.
    knex = factory({ client: 'pg', version: await serverVersion(client) });
    knex.client.acquireConnection = () => Promise.resolve(client);
    knex.client.releaseConnection = () => Promise.resolve();
    byFactory.set(factory, knex);
  }
  return knex;
}

type KnexMigrationFn = (knex: unknown) => unknown;

/**
 * knex migrations (`exports.up = function (knex) { … }`), called as knex's migrator calls them, with the
 * project's own `knex` package: inside a knex transaction (`up(trx)`), or with the knex instance itself when
 * the module exports `config = { transaction: false }`.
 */
export const knexExecutor: FormatExecutor = {
  async run(migration: Migration, direction: Direction, ctx: StepContext): Promise<void> {
    const loaded = await loadMigration(migration, direction, ctx);
    const fn = stepFunction(loaded, direction);
    const pkg = await toolPackage('knex', loaded, ctx);
    const factory = exported<KnexFactory>(pkg.module, 'knex', 'default');
    if (typeof factory !== 'function') {
      throw new StepError(`the package 'knex' (${pkg.entry}) exports no knex function`, loaded.relPath, null);
    }
    const knex = await knexFor(factory, ctx.client);
    const config = loaded.exports.config as { transaction?: unknown } | undefined;
    const transactional =
      typeof config?.transaction === 'boolean' ? config.transaction : migration.transaction;
    const call = (k: unknown) => Promise.resolve((fn as KnexMigrationFn).call(loaded.exports, k));
    try {
      // The impact's locks are read on the step's session just before knex commits.
      if (transactional)
        await knex.transaction(async (trx) => {
          await call(trx);
          await ctx.beforeCommit?.(ctx.client);
        });
      else await call(knex);
    } catch (error) {
      await rollbackQuietly(ctx.client);
      throw stepError(error, loaded);
    }
  },
};
