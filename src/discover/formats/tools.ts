import type { Format, ToolFormat } from '../../types.js';
import type { ExportedFunction, ModuleExports } from './umzug.js';

export type { ToolFormat } from '../../types.js';

/** The tools' names in messages. */
export const TOOL_LABEL: Record<ToolFormat | 'umzug', string> = {
  umzug: 'Umzug',
  sequelize: 'sequelize-cli',
  knex: 'knex',
  'node-pg-migrate': 'node-pg-migrate',
};

/** The package each tool's migrations need from the project's own dependencies. */
export const TOOL_PACKAGE: Record<ToolFormat, string> = {
  sequelize: 'sequelize',
  knex: 'knex',
  'node-pg-migrate': 'node-pg-migrate',
};

/** Each tool's own history table by default: left out of every snapshot. */
export const TOOL_HISTORY_TABLES: Record<ToolFormat, string[]> = {
  sequelize: ['public.SequelizeMeta'],
  knex: ['public.knex_migrations', 'public.knex_migrations_lock'],
  'node-pg-migrate': ['public.pgmigrations'],
};

/** What a module's `up` shows about the tool that calls it. */
export interface ModuleTool {
  format: Format;
  /**
   * False when nothing specific showed the format (a module exporting `up` with no telling parameter or use):
   * such a module takes the format the other files of its directory show.
   */
  certain: boolean;
}

const BY_PARAM: Record<string, ToolFormat> = {
  queryInterface: 'sequelize',
  queryinterface: 'sequelize',
  qi: 'sequelize',
  knex: 'knex',
  pgm: 'node-pg-migrate',
};

const BY_TYPE: Record<string, ToolFormat> = {
  QueryInterface: 'sequelize',
  Knex: 'knex',
  MigrationBuilder: 'node-pg-migrate',
};

/** Uses of a tool's context in a function's text. */
const BY_USE: [RegExp, ToolFormat][] = [
  [/\bqueryInterface\s*\.\s*\w+/, 'sequelize'],
  [
    /\bSequelize\s*\.\s*(?:STRING|INTEGER|BIGINT|BOOLEAN|DATE|TEXT|UUID|ENUM|JSONB?|DECIMAL|literal|fn)\b/,
    'sequelize',
  ],
  [
    /\bknex\s*\.\s*(?:schema|raw|fn|transaction)\b|\.\s*schema\s*\.\s*(?:createTable|alterTable|table|dropTable)\b/,
    'knex',
  ],
  [/\bpgm\s*\.\s*\w+/, 'node-pg-migrate'],
];

/**
 * The format of a module exporting `up`, from how `up` takes its argument: `{ context }` (Umzug), `(queryInterface,
 * Sequelize)`, `(knex)`, `(pgm)` or its TypeScript type; then from what its body uses.
 */
export function moduleTool(found: ModuleExports): ModuleTool {
  const up = found.up;
  if (!up) return { format: 'umzug', certain: false };
  if (found.shorthands) return { format: 'node-pg-migrate', certain: true };
  const fromParams = toolOfParams(up);
  if (fromParams) return { format: fromParams, certain: true };
  for (const [pattern, format] of BY_USE) {
    if (pattern.test(up.text)) return { format, certain: true };
  }
  // sequelize-cli passes two arguments, Umzug and the others one.
  if (up.params.length >= 2 && up.params[0]!.name !== null) return { format: 'sequelize', certain: true };
  if (/\bcontext\b/.test(up.text)) return { format: 'umzug', certain: true };
  return { format: 'umzug', certain: false };
}

function toolOfParams(up: ExportedFunction): Format | null {
  const first = up.params[0];
  if (!first) return null;
  if (first.keys?.includes('context')) return 'umzug';
  if (first.type && BY_TYPE[first.type]) return BY_TYPE[first.type]!;
  if (first.name && BY_PARAM[first.name]) return BY_PARAM[first.name]!;
  return null;
}
