import pg from 'pg';
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

/** The parts of Sequelize's API the gate touches. */
interface SequelizeInstance {
  getQueryInterface(): unknown;
  connectionManager: {
    getConnection: (options?: unknown) => Promise<unknown>;
    releaseConnection: (connection: unknown) => unknown;
  };
}
type SequelizeClass = new (options: Record<string, unknown>) => SequelizeInstance;

/** One Sequelize per step session: its queries run on that session, like the other formats' statements. */
const instances = new WeakMap<pg.Client, Map<SequelizeClass, SequelizeInstance>>();

async function sequelizeFor(Sequelize: SequelizeClass, client: pg.Client): Promise<SequelizeInstance> {
  let byClass = instances.get(client);
  if (!byClass) instances.set(client, (byClass = new Map()));
  let sequelize = byClass.get(Sequelize);
  if (!sequelize) {
    sequelize = new Sequelize({
      dialect: 'postgres',
      // The driver of the session the queries run on; Sequelize opens no connection of its own.
      dialectModule: pg,
      databaseVersion: await serverVersion(client),
      logging: false,
    });
    // Every query (and `sequelize.transaction()`) runs on the step's session, with its role and time limits.
    sequelize.connectionManager.getConnection = () => Promise.resolve(client);
    sequelize.connectionManager.releaseConnection = () => undefined;
    byClass.set(Sequelize, sequelize);
  }
  return sequelize;
}

type SequelizeMigrationFn = (queryInterface: unknown, Sequelize: unknown) => unknown;

/**
 * sequelize-cli migrations (`module.exports = { async up(queryInterface, Sequelize) { … } }`), called as
 * sequelize-cli calls them, with the project's own `sequelize` package: `queryInterface` and the `Sequelize` class.
 * Like sequelize-cli, no transaction is wrapped around a migration; one that wants a transaction opens it
 * with `queryInterface.sequelize.transaction()`.
 */
export const sequelizeExecutor: FormatExecutor = {
  async run(migration: Migration, direction: Direction, ctx: StepContext): Promise<void> {
    const loaded = await loadMigration(migration, direction, ctx);
    const fn = stepFunction(loaded, direction);
    const pkg = await toolPackage('sequelize', loaded, ctx);
    const Sequelize = exported<SequelizeClass>(pkg.module, 'Sequelize', 'default');
    if (typeof Sequelize !== 'function') {
      throw new StepError(
        `the package 'sequelize' (${pkg.entry}) exports no Sequelize class`,
        loaded.relPath,
        null,
      );
    }
    const sequelize = await sequelizeFor(Sequelize, ctx.client);
    try {
      await (fn as SequelizeMigrationFn).call(loaded.exports, sequelize.getQueryInterface(), Sequelize);
    } catch (error) {
      await rollbackQuietly(ctx.client);
      throw stepError(error, loaded);
    }
  },
};
