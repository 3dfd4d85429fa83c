import type { Format } from '../../types.js';
import type { FormatExecutor } from '../types.js';
import { sqlExecutor } from './sql.js';
import { umzugExecutor } from './umzug.js';

export { sqlExecutor, runStatements, transactionControl, errorLine } from './sql.js';
export { umzugExecutor, lineInFile } from './umzug.js';
export type { UmzugMigrationContext } from './umzug.js';

/** The executor that runs migrations of `format`. */
export function executorFor(format: Format): FormatExecutor {
  switch (format) {
    case 'sql':
      return sqlExecutor;
    case 'umzug':
      return umzugExecutor;
    case 'alembic':
      return {
        async run() {
          throw new Error('alembic migrations cannot be run yet');
        },
      };
  }
}
