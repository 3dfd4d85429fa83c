import { fileURLToPath } from 'node:url';
import type { GateConfig } from '../../src/config/types.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { discover } from '../../src/discover/index.js';
import { parseName } from '../../src/discover/naming.js';
import { lint } from '../../src/lint/index.js';
import type { Finding, Migration, MigrationPart, MigrationSet, Waiver } from '../../src/types.js';

/** A fixed clock for lint and `new` tests: 2026-11-21 14:30 UTC. */
export const NOW = new Date('2026-11-21T14:30:00Z');

/** The default configuration with a fixed clock. */
export function testConfig(overrides: Partial<GateConfig> = {}): GateConfig {
  return { ...defaultConfig('/project'), now: () => NOW, ...overrides };
}

function part(path: string, text: string, startLine = 1): MigrationPart {
  return { path, text, startLine, empty: text.trim() === '' };
}

/** A paired-SQL migration named `name` in `migrations/`, with a real down part; override anything. */
export function migration(name: string, overrides: Partial<Migration> = {}): Migration {
  const dir = overrides.dir ?? 'migrations';
  const upPath = `${dir}/${name}.up.sql`;
  const downPath = `${dir}/${name}.down.sql`;
  const parsed = parseName(name, testConfig().namingPattern);
  return {
    name,
    version: parsed.version,
    slug: parsed.slug,
    dir,
    path: upPath,
    files: [upPath, downPath],
    format: 'sql',
    dialect: 'pair',
    up: part(upPath, 'create table t (id int);'),
    down: part(downPath, 'drop table t;'),
    transaction: true,
    waiver: null,
    requirements: ['RL-1'],
    requirementsLine: 1,
    change: 'added',
    previousPath: null,
    alembic: null,
    parseProblems: [],
    ...overrides,
  };
}

/** A complete waiver at line 2 of the migration's up file unless overridden. */
export function waiver(m: { path: string }, fields: Record<string, string>, line = 2): Waiver {
  return { owner: fields.owner || null, rationale: fields.rationale || null, fields, path: m.path, line };
}

/** A migration set for `migrations/`. */
export function set(migrations: Migration[], overrides: Partial<MigrationSet> = {}): MigrationSet {
  return { dir: 'migrations', format: 'sql', migrations, deleted: [], baseNames: null, ...overrides };
}

/** `rule migration` pairs of findings, for exact comparisons. */
export function pairs(findings: { rule: string; migration: string | null }[]): string[] {
  return findings.map((f) => `${f.rule} ${f.migration}`);
}

/** Absolute path of `fixtures/lint`. */
export const LINT_FIXTURES = fileURLToPath(new URL('../../fixtures/lint/', import.meta.url));

/** Discovers one fixture directory of `fixtures/lint` and lints it with the fixed clock. */
export async function lintFixture(dir: string, overrides: Partial<GateConfig> = {}): Promise<Finding[]> {
  const config = testConfig({ cwd: LINT_FIXTURES, dirs: [dir], ...overrides });
  return lint(await discover(config), config);
}
