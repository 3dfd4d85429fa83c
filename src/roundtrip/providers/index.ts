import type { GateConfig } from '../../config/types.js';
import { GateError } from '../../types.js';
import type { DatabaseProvider } from '../types.js';
import { AutoProvider } from './auto.js';
import { ContainerProvider } from './container.js';
import { EmbeddedProvider } from './embedded.js';
import { UrlProvider } from './url.js';

/** The database provider the configuration asks for (nothing is started until `start()`). */
export function createProvider(config: GateConfig): DatabaseProvider {
  switch (config.database) {
    case 'url':
      if (!config.databaseUrl) {
        throw new GateError('database url needs a server URL: --database postgres://user@host/db');
      }
      return new UrlProvider(config.databaseUrl, {
        privileged: config.privileged,
        staleAfterHours: config.staleAfterHours,
      });
    case 'embedded':
      return new EmbeddedProvider();
    case 'container':
      return new ContainerProvider(config);
    case 'auto':
      return new AutoProvider(config);
    case 'sqlite':
      // The SQLite round-trip runs on files, not on a PostgreSQL server (see ../sqlite/run.ts).
      throw new GateError('database sqlite has no PostgreSQL provider');
  }
}
