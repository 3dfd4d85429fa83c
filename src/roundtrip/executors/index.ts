import type { Format } from '../../types.js';
import type { FormatExecutor } from '../types.js';
import { alembicExecutor } from './alembic.js';
import { knexExecutor } from './knex.js';
import { nodePgMigrateExecutor } from './node-pg-migrate.js';
import { sequelizeExecutor } from './sequelize.js';
import { sqlExecutor } from './sql.js';
import { umzugExecutor } from './umzug.js';

export { ALEMBIC_EXCLUDED_TABLES, alembicExecutor, checkAlembicCommand } from './alembic.js';
export { errorLine, runStatements, sqlExecutor, transactionControl } from './sql.js';
export { lineInFile, umzugExecutor } from './umzug.js';
export type { UmzugMigrationContext } from './umzug.js';

const EXECUTORS: Record<Format, FormatExecutor> = {
  sql: sqlExecutor,
  umzug: umzugExecutor,
  alembic: alembicExecutor,
  sequelize: sequelizeExecutor,
  knex: knexExecutor,
  'node-pg-migrate': nodePgMigrateExecutor,
};

/** The executor that runs migrations of `format`. */
export function executorFor(format: Format): FormatExecutor {
  return EXECUTORS[format];
}
