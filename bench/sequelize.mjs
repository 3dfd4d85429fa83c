// The sequelize-cli figure of `npm run bench`: a generated history of 300 sequelize-cli migrations (tables with
// enum columns, indexes, added and changed columns, check constraints), gated with --base and 5 changed, beside
// the same history written as plain SQL (dbmate files). The migrations run on the sequelize package of the
// fixture project fixtures/tools/sequelize (installed from the npm registry when missing).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOTAL = 300;
const CHANGED = 5;

const git = (cwd, ...args) =>
  execFileSync('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', ...args], { cwd, stdio: 'pipe' });

const stamp = (i) => {
  const d = new Date(Date.UTC(2024, 0, 1) + i * 60_000);
  const p = (v, n = 2) => String(v).padStart(n, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}00`;
};

/** The i-th change, as sequelize-cli up/down bodies and as SQL; six changes per table. */
function change(i) {
  const t = `t${String(Math.floor(i / 6)).padStart(3, '0')}`;
  switch (i % 6) {
    case 0:
      return {
        slug: `create-${t}`,
        up: `await queryInterface.createTable('${t}', {
      id: { type: Sequelize.INTEGER, autoIncrement: true, primaryKey: true },
      name: { type: Sequelize.STRING },
      status: { type: Sequelize.ENUM('active', 'archived'), allowNull: false, defaultValue: 'active' },
      createdAt: { type: Sequelize.DATE, allowNull: false },
      updatedAt: { type: Sequelize.DATE, allowNull: false },
    });`,
        down: `await queryInterface.dropTable('${t}');
    await queryInterface.sequelize.query('DROP TYPE "enum_${t}_status"');`,
        sqlUp: `CREATE TYPE "enum_${t}_status" AS ENUM ('active', 'archived');
CREATE TABLE ${t} (id serial PRIMARY KEY, name varchar(255), status "enum_${t}_status" NOT NULL DEFAULT 'active',
  "createdAt" timestamptz NOT NULL, "updatedAt" timestamptz NOT NULL);`,
        sqlDown: `DROP TABLE ${t};\nDROP TYPE "enum_${t}_status";`,
      };
    case 1:
      return {
        slug: `index-${t}-name`,
        up: `await queryInterface.addIndex('${t}', ['name'], { name: '${t}_name_idx' });`,
        down: `await queryInterface.removeIndex('${t}', '${t}_name_idx');`,
        sqlUp: `CREATE INDEX ${t}_name_idx ON ${t} (name);`,
        sqlDown: `DROP INDEX ${t}_name_idx;`,
      };
    case 2:
      return {
        slug: `add-${t}-amount`,
        up: `await queryInterface.addColumn('${t}', 'amount', { type: Sequelize.DECIMAL(12, 2), allowNull: false, defaultValue: 0 });`,
        down: `await queryInterface.removeColumn('${t}', 'amount');`,
        sqlUp: `ALTER TABLE ${t} ADD COLUMN amount numeric(12,2) NOT NULL DEFAULT 0;`,
        sqlDown: `ALTER TABLE ${t} DROP COLUMN amount;`,
      };
    case 3:
      return {
        slug: `widen-${t}-name`,
        up: `await queryInterface.changeColumn('${t}', 'name', { type: Sequelize.STRING(500), allowNull: false });`,
        down: `await queryInterface.changeColumn('${t}', 'name', { type: Sequelize.STRING, allowNull: true });`,
        sqlUp: `ALTER TABLE ${t} ALTER COLUMN name SET NOT NULL, ALTER COLUMN name TYPE varchar(500);`,
        sqlDown: `ALTER TABLE ${t} ALTER COLUMN name DROP NOT NULL, ALTER COLUMN name TYPE varchar(255);`,
      };
    case 4:
      return {
        slug: `add-${t}-kind`,
        up: `await queryInterface.addColumn('${t}', 'kind', { type: Sequelize.ENUM('a', 'b', 'c') });`,
        down: `await queryInterface.removeColumn('${t}', 'kind');
    await queryInterface.sequelize.query('DROP TYPE "enum_${t}_kind"');`,
        sqlUp: `CREATE TYPE "enum_${t}_kind" AS ENUM ('a', 'b', 'c');\nALTER TABLE ${t} ADD COLUMN kind "enum_${t}_kind";`,
        sqlDown: `ALTER TABLE ${t} DROP COLUMN kind;\nDROP TYPE "enum_${t}_kind";`,
      };
    default:
      return {
        slug: `check-${t}-amount`,
        up: `await queryInterface.sequelize.query('ALTER TABLE ${t} ADD CONSTRAINT ${t}_amount_check CHECK (amount >= 0)');`,
        down: `await queryInterface.removeConstraint('${t}', '${t}_amount_check');`,
        sqlUp: `ALTER TABLE ${t} ADD CONSTRAINT ${t}_amount_check CHECK (amount >= 0);`,
        sqlDown: `ALTER TABLE ${t} DROP CONSTRAINT ${t}_amount_check;`,
      };
  }
}

function write(dirs, i) {
  const c = change(i);
  writeFileSync(
    join(dirs.sequelize, `${stamp(i)}-${c.slug}.js`),
    `'use strict';\n// requirements: RL-${i + 1}\n\nmodule.exports = {\n  async up(queryInterface, Sequelize) {\n    ${c.up}\n  },\n\n  async down(queryInterface, Sequelize) {\n    ${c.down}\n  },\n};\n`,
  );
  writeFileSync(
    join(dirs.sql, `${stamp(i)}_${c.slug.replaceAll('-', '_')}.sql`),
    `-- requirements: RL-${i + 1}\n-- migrate:up\n${c.sqlUp}\n\n-- migrate:down\n${c.sqlDown}\n`,
  );
}

/** The fixture project's packages (sequelize, pg), installed from the npm registry when missing. */
function fixtureModules(root) {
  const fixture = join(root, 'fixtures', 'tools', 'sequelize');
  if (!existsSync(join(fixture, 'node_modules', 'sequelize', 'package.json'))) {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', fixture], { stdio: 'pipe' });
  }
  return join(fixture, 'node_modules');
}

export function benchSequelize({ root, cli, url, runs, line, stats, time }) {
  const dir = mkdtempSync(join(tmpdir(), 'mg-bench-sequelize-'));
  try {
    // A sequelize-cli project: its own package.json, .sequelizerc and node_modules (the fixture's packages).
    writeFileSync(join(dir, 'package.json'), '{ "name": "bench-sequelize-project", "private": true }\n');
    writeFileSync(
      join(dir, '.sequelizerc'),
      "const path = require('path');\nmodule.exports = { 'migrations-path': path.resolve('db', 'migrations') };\n",
    );
    symlinkSync(fixtureModules(root), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
    const dirs = { sequelize: join(dir, 'db', 'migrations'), sql: join(dir, 'db', 'sql') };
    for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
    for (let i = 0; i < TOTAL - CHANGED; i++) write(dirs, i);
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'history');
    git(dir, 'checkout', '-q', '-b', 'feature');
    for (let i = TOTAL - CHANGED; i < TOTAL; i++) write(dirs, i);

    console.log(
      `\nsequelize-cli: ${TOTAL}-migration history, ${CHANGED} changed, --base main (url provider, local PostgreSQL)`,
    );
    const check = (migrations, naming) => () =>
      time(
        'node',
        [
          cli,
          'check',
          '--dir',
          migrations,
          '--naming-pattern',
          naming,
          '--base',
          'main',
          '--database',
          url,
          '-q',
          '--no-forbidden-patterns',
        ],
        { cwd: dir, expect: 0 },
      );
    const figures = [
      ['migration-gate check, sequelize-cli modules', check('db/migrations', 'sequelize')],
      ['migration-gate check, the same history as plain SQL', check('db/sql', 'utc-second')],
    ];
    const results = figures.map(() => []);
    // Taking turns, so that both meet the same server state.
    for (let r = 0; r < runs; r++) figures.forEach(([, run], k) => results[k].push(run()));
    figures.forEach(([label], k) => line(label, stats(results[k])));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
