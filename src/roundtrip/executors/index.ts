import type { Format } from '../../types.js';
import type { FormatExecutor } from '../types.js';
import { alembicExecutor } from './alembic.js';
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
};

/** The executor that runs migrations of `format`. */
export function executorFor(format: Format): FormatExecutor {
  return EXECUTORS[format];
}
