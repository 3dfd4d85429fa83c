import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Tool } from './tool-fixtures.js';

const HOUR = 3_600_000;
const START = Date.UTC(2024, 0, 1, 12, 0, 0);

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function utcSeconds(ms: number): string {
  const d = new Date(ms);
  return (
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds())
  );
}

/** The file name of the `i`-th migration of a tool's generated history. */
function fileName(tool: Tool, i: number, slug: string): string {
  const at = START + i * HOUR;
  if (tool === 'sequelize') return `${utcSeconds(at)}-${slug.replaceAll('_', '-')}.js`;
  if (tool === 'knex') return `${utcSeconds(at)}_${slug}.js`;
  return `${at}_${slug.replaceAll('_', '-')}.js`;
}

/** Up and down bodies of the `step`-th kind of change to table `t`. */
function sequelizeBodies(t: string, step: number): [string, string, string] {
  switch (step) {
    case 0:
      return [
        `create_${t}`,
        `await queryInterface.createTable('${t}', {
      id: { type: Sequelize.INTEGER, autoIncrement: true, primaryKey: true },
      name: { type: Sequelize.STRING },
      createdAt: { type: Sequelize.DATE, allowNull: false },
      updatedAt: { type: Sequelize.DATE, allowNull: false },
    });`,
        `await queryInterface.dropTable('${t}');`,
      ];
    case 1:
      return [
        `index_${t}_name`,
        `await queryInterface.addIndex('${t}', ['name'], { name: '${t}_name_idx' });`,
        `await queryInterface.removeIndex('${t}', '${t}_name_idx');`,
      ];
    case 2:
      return [
        `add_${t}_state`,
        `await queryInterface.addColumn('${t}', 'state', { type: Sequelize.ENUM('new', 'done'), defaultValue: 'new' });`,
        `await queryInterface.removeColumn('${t}', 'state');
    await queryInterface.sequelize.query('DROP TYPE "enum_${t}_state"');`,
      ];
    case 3:
      return [
        `widen_${t}_name`,
        `await queryInterface.changeColumn('${t}', 'name', { type: Sequelize.STRING(500), allowNull: false });`,
        `await queryInterface.changeColumn('${t}', 'name', { type: Sequelize.STRING, allowNull: true });`,
      ];
    default:
      return [
        `check_${t}_id`,
        `await queryInterface.addConstraint('${t}', { fields: ['id'], type: 'check', where: { id: { [Sequelize.Op.gt]: 0 } }, name: '${t}_id_positive' });`,
        `await queryInterface.removeConstraint('${t}', '${t}_id_positive');`,
      ];
  }
}

function knexBodies(t: string, step: number): [string, string, string] {
  switch (step) {
    case 0:
      return [
        `create_${t}`,
        `await knex.schema.createTable('${t}', (table) => {
    table.increments('id');
    table.string('name');
    table.timestamps(true, true);
  });`,
        `await knex.schema.dropTable('${t}');`,
      ];
    case 1:
      return [
        `index_${t}_name`,
        `await knex.schema.alterTable('${t}', (table) => table.index(['name'], '${t}_name_idx'));`,
        `await knex.schema.alterTable('${t}', (table) => table.dropIndex(['name'], '${t}_name_idx'));`,
      ];
    case 2:
      return [
        `add_${t}_state`,
        `await knex.schema.alterTable('${t}', (table) =>
    table.enu('state', ['new', 'done'], { useNative: true, enumName: '${t}_state' }).defaultTo('new'),
  );`,
        `await knex.schema.alterTable('${t}', (table) => table.dropColumn('state'));
  await knex.raw('DROP TYPE ${t}_state');`,
      ];
    case 3:
      return [
        `widen_${t}_name`,
        `await knex.schema.alterTable('${t}', (table) => table.string('name', 500).notNullable().alter());`,
        `await knex.schema.alterTable('${t}', (table) => table.string('name', 255).nullable().alter());`,
      ];
    default:
      return [
        `check_${t}_id`,
        `await knex.schema.alterTable('${t}', (table) => table.check('id > 0', [], '${t}_id_positive'));`,
        `await knex.schema.alterTable('${t}', (table) => table.dropChecks('${t}_id_positive'));`,
      ];
  }
}

/** node-pg-migrate bodies; a null down leaves the reversal to the tool. */
function pgmBodies(t: string, step: number): [string, string, string | null] {
  switch (step) {
    case 0:
      return [
        `create_${t}`,
        `pgm.createTable('${t}', { id: 'id', name: { type: 'varchar(255)' }, created_at: { type: 'timestamptz', notNull: true, default: pgm.func('now()') } });`,
        null,
      ];
    case 1:
      return [`index_${t}_name`, `pgm.createIndex('${t}', 'name', { name: '${t}_name_idx' });`, null];
    case 2:
      return [
        `add_${t}_state`,
        `pgm.createType('${t}_state', ['new', 'done']);
  pgm.addColumn('${t}', { state: { type: '${t}_state', default: 'new' } });`,
        `pgm.dropColumn('${t}', 'state');
  pgm.dropType('${t}_state');`,
      ];
    case 3:
      return [
        `widen_${t}_name`,
        `pgm.alterColumn('${t}', 'name', { type: 'varchar(500)', notNull: true });`,
        `pgm.alterColumn('${t}', 'name', { type: 'varchar(255)', notNull: false });`,
      ];
    default:
      return [`check_${t}_id`, `pgm.addConstraint('${t}', '${t}_id_positive', { check: 'id > 0' });`, null];
  }
}

function moduleText(tool: Tool, i: number, up: string, down: string | null): string {
  const tag = `// requirements: APP-${i + 1}\n`;
  if (tool === 'sequelize') {
    return `'use strict';\n${tag}\nmodule.exports = {\n  async up(queryInterface, Sequelize) {\n    ${up}\n  },\n\n  async down(queryInterface, Sequelize) {\n    ${down}\n  },\n};\n`;
  }
  if (tool === 'knex') {
    return `${tag}\nexports.up = async function (knex) {\n  ${up}\n};\n\nexports.down = async function (knex) {\n  ${down}\n};\n`;
  }
  const downPart = down === null ? '' : `\nexports.down = (pgm) => {\n  ${down}\n};\n`;
  return `${tag}\nexports.shorthands = undefined;\n\nexports.up = (pgm) => {\n  ${up}\n};\n${downPart}`;
}

/**
 * Writes a correct history of `count` migrations for `tool` into a new folder under `parent` (tables, indexes,
 * enum columns, column changes, check constraints, five migrations per table) and returns the folder.
 */
export function writeHistory(tool: Tool, parent: string, count: number): string {
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, `history-${tool}-`));
  for (let i = 0; i < count; i++) {
    const t = `t${Math.floor(i / 5)}`;
    const step = i % 5;
    const [slug, up, down] =
      tool === 'sequelize'
        ? sequelizeBodies(t, step)
        : tool === 'knex'
          ? knexBodies(t, step)
          : pgmBodies(t, step);
    writeFileSync(path.join(dir, fileName(tool, i, slug)), moduleText(tool, i, up, down));
  }
  return dir;
}
