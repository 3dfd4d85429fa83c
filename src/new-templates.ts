/** The files `migration-gate new` writes: the up and down parts of each layout, format and tool. */
import type { SqlDialect, ToolFormat } from './types.js';
import { GateError } from './types.js';

type Tool = ToolFormat;
/** How a directory keeps its migrations, as far as a new one's files go. */
export type Layout =
  | { kind: 'sql'; dialect: SqlDialect }
  | { kind: 'umzug'; extension: string }
  | { kind: 'tool'; tool: Tool; extension: string };

export interface FileTemplate {
  name: string;
  text: string;
}

const SQL_MARKERS: Record<Extract<SqlDialect, 'dbmate' | 'goose' | 'sql-migrate'>, [string, string]> = {
  dbmate: ['-- migrate:up', '-- migrate:down'],
  goose: ['-- +goose Up', '-- +goose Down'],
  'sql-migrate': ['-- +migrate Up', '-- +migrate Down'],
};

/** The new migration's files. Up and down bodies hold only comments, so `down-missing` fires until filled in. */
export function templates(layout: Layout, name: string): FileTemplate[] {
  if (layout.kind === 'sql') {
    if (layout.dialect === 'folder') {
      return [
        { name: `${name}/up.sql`, text: '-- requirements: \n-- The schema change.\n' },
        { name: `${name}/down.sql`, text: '-- Undo everything up.sql does, in reverse order.\n' },
      ];
    }
    if (layout.dialect === 'flyway') {
      throw new GateError(
        `name a Flyway migration V<version>__<description>.sql, with its undo file U<version>__<description>.sql`,
      );
    }
    if (layout.dialect === 'pair' || layout.dialect === 'dialect-pair') {
      return [
        { name: `${name}.up.sql`, text: '-- requirements: \n-- The schema change.\n' },
        { name: `${name}.down.sql`, text: '-- Undo everything the .up.sql file does, in reverse order.\n' },
      ];
    }
    const [up, down] = SQL_MARKERS[layout.dialect];
    return [
      {
        name: `${name}.sql`,
        text: `${up}\n-- requirements: \n-- The schema change.\n\n${down}\n-- Undo everything the up part does, in reverse order.\n`,
      },
    ];
  }
  if (layout.kind === 'tool') return [{ name: `${name}${layout.extension}`, text: toolTemplate(layout) }];
  const ext = layout.extension;
  const typed = ext === '.ts' || ext === '.mts' || ext === '.cts';
  const params = typed ? '{ context }: { context: MigrationContext }' : '{ context }';
  const returns = typed ? ': Promise<void>' : '';
  const lines = ['// requirements: ', ''];
  if (typed) {
    lines.push(
      'interface MigrationContext {',
      "  /** Runs SQL on the migration's connection. */",
      '  sql: (text: string, params?: unknown[]) => Promise<unknown>;',
      '}',
      '',
    );
  }
  const exported = ext === '.cjs' ? '' : 'export ';
  lines.push(
    `${exported}async function up(${params})${returns} {`,
    "  // await context.sql('…');",
    '}',
    '',
    `${exported}async function down(${params})${returns} {`,
    '  // Undo everything up() does, in reverse order.',
    '}',
  );
  if (ext === '.cjs') lines.push('', 'module.exports = { up, down };');
  return [{ name: `${name}${ext}`, text: `${lines.join('\n')}\n` }];
}

/**
 * A migration module as the tool's own generator writes it (sequelize-cli's `migration:generate`, `knex
 * migrate:make`, `node-pg-migrate create`): CommonJS for `.js` / `.cjs`, ESM for `.mjs`, typed ESM for `.ts`.
 * The bodies hold only comments, so `down-missing` fires until the down is written.
 */
function toolTemplate(layout: { tool: Tool; extension: string }): string {
  const ext = layout.extension;
  const typed = ext === '.ts' || ext === '.mts' || ext === '.cts';
  const esm = typed || ext === '.mjs';
  const TOOL: Record<Tool, { params: string; typedParams: string; typeImport: string; body: string }> = {
    sequelize: {
      params: 'queryInterface, Sequelize',
      typedParams: 'queryInterface: QueryInterface, Sequelize: typeof import("sequelize")',
      typeImport: "import type { QueryInterface } from 'sequelize';",
      body: "await queryInterface.createTable('…', { … });",
    },
    knex: {
      params: 'knex',
      typedParams: 'knex: Knex',
      typeImport: "import type { Knex } from 'knex';",
      body: "await knex.schema.createTable('…', (table) => { … });",
    },
    'node-pg-migrate': {
      params: 'pgm',
      typedParams: 'pgm: MigrationBuilder',
      typeImport: "import type { MigrationBuilder } from 'node-pg-migrate';",
      body: "pgm.createTable('…', { … });",
    },
  };
  const t = TOOL[layout.tool];
  const params = typed ? t.typedParams : t.params;
  const returns = typed ? ': Promise<void>' : '';
  const lines = ['// requirements: '];
  if (typed) lines.push(t.typeImport);
  lines.push('');
  const fn = (name: string, comment: string) =>
    esm
      ? [`export async function ${name}(${params})${returns} {`, `  // ${comment}`, '}']
      : layout.tool === 'sequelize'
        ? [`  async ${name}(${params}) {`, `    // ${comment}`, '  },']
        : [`exports.${name} = async function (${params}) {`, `  // ${comment}`, '};'];
  const up = fn('up', t.body);
  const down = fn('down', 'Undo everything up does, in reverse order.');
  if (!esm && layout.tool === 'sequelize') {
    lines.push("'use strict';", '', 'module.exports = {', ...up, '', ...down, '};');
  } else {
    lines.push(...up, '', ...down);
  }
  return `${lines.join('\n')}\n`;
}
