import type { ForbiddenPattern, GateConfig } from './types.js';

const SLUG = '[a-z0-9]+(?:_[a-z0-9]+)*';

/** Naming presets by name; a `naming-pattern` that is none of these is read as a regex. */
export const NAMING_PRESETS: Record<string, string> = {
  'utc-minute': `^(?<timestamp>\\d{12})_(?<slug>${SLUG})$`,
  'utc-second': `^(?<timestamp>\\d{14})_(?<slug>${SLUG})$`,
  sequential: `^(?<version>\\d+)_(?<slug>${SLUG})$`,
  sequelize: '^(?<timestamp>\\d{14})-(?<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$',
  // `2019-02-26-002946_create_users`; diesel's own setup migration `00000000000000_diesel_initial_setup`.
  diesel: `^(?:(?<timestamp>\\d{4}-\\d{2}-\\d{2}-\\d{6})|(?<version>0{14}))_(?<slug>${SLUG})$`,
  // `V1__init`, `V2.1__add_index`, `V202611211430__add_index`
  flyway: '^V(?<version>\\d+(?:[._]\\d+)*)__(?<slug>[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)$',
  // knex's `migrate:make`: `20240101120000_add_users` (UTC, to the second).
  knex: '^(?<timestamp>\\d{14})_(?<slug>[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*)$',
  // node-pg-migrate's `create`: `1700000000000_add-users` (a millisecond epoch), or its `utc` format (17 digits).
  'node-pg-migrate': '^(?<version>\\d{13}|\\d{17})_(?<slug>[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*)$',
};

export const DEFAULT_NAMING = 'utc-minute';
export const DEFAULT_DIALECT = 'postgres';
export const DEFAULT_REQUIREMENT_PATTERN = '[A-Z][A-Z0-9]+-\\d+';
export const DEFAULT_POSTGRES_IMAGE = 'postgres:18-alpine';
export const DEFAULT_STEP_TIMEOUT_SEC = 300;
export const DEFAULT_CLOCK_SKEW_SEC = 300;
export const DEFAULT_STALE_AFTER_HOURS = 6;

const TEST_FOLDERS = [
  '**/test/**',
  '**/tests/**',
  '**/fixtures/**',
  '**/testdata/**',
  '**/__tests__/**',
  '**/spec/**',
  '**/*.test.*',
  '**/*.spec.*',
  '**/test_*.py',
  '**/*_test.py',
  '**/conftest.py',
];
/** Other people's code and build output: never scanned, whatever a pattern's `exclude` says. */
export const ALWAYS_EXCLUDED = [
  '**/node_modules/**',
  '**/.git/**',
  '**/dist/**',
  '**/.venv/**',
  '**/venv/**',
  '**/site-packages/**',
];

/** What the policy scan leaves out (a pattern's own `exclude` adds to it): test code, test data, vendored code. */
export const DEFAULT_SCAN_EXCLUDE = [...TEST_FOLDERS, ...ALWAYS_EXCLUDED];

/** Default policy-scan patterns: implicit schema changes at application start-up. */
export function defaultForbiddenPatterns(): ForbiddenPattern[] {
  return [
    {
      id: 'sqlalchemy-create-all',
      pattern: /\bcreate_all\s*\(/,
      reason: 'SQLAlchemy metadata.create_all() changes the schema outside the migration history',
      include: ['**/*.py'],
      exclude: DEFAULT_SCAN_EXCLUDE,
    },
    {
      id: 'sequelize-sync',
      // `sequelize.sync(`, or any `.sync({ force | alter … })`; not `glob.sync(` and its kind.
      pattern: /\bsequelize\.sync\s*\(|\.sync\s*\(\s*\{[^}]*\b(?:force|alter)\s*:/,
      reason: 'Sequelize sync() changes the schema outside the migration history',
      include: ['**/*.js', '**/*.cjs', '**/*.mjs', '**/*.ts', '**/*.cts', '**/*.mts'],
      exclude: [...DEFAULT_SCAN_EXCLUDE, '**/*.d.ts'],
    },
  ];
}

/** A complete configuration with every default; entry points override fields from flags, inputs and the file. */
export function defaultConfig(cwd: string): GateConfig {
  return {
    cwd,
    dirs: ['migrations'],
    format: 'auto',
    dialect: DEFAULT_DIALECT,
    base: null,
    database: 'auto',
    databaseUrl: null,
    privileged: false,
    staleAfterHours: DEFAULT_STALE_AFTER_HOURS,
    columnOrder: 'warning',
    postgresImage: DEFAULT_POSTGRES_IMAGE,
    namingPattern: new RegExp(NAMING_PRESETS[DEFAULT_NAMING]!),
    namingPatternSource: DEFAULT_NAMING,
    requirementPattern: new RegExp(DEFAULT_REQUIREMENT_PATTERN),
    requireRequirements: false,
    failOn: 'error',
    stepTimeoutSec: DEFAULT_STEP_TIMEOUT_SEC,
    data: true,
    clockSkewSec: DEFAULT_CLOCK_SKEW_SEC,
    alembicCommand: 'alembic',
    baselineSchema: null,
    baselineDatabase: null,
    forbiddenPatterns: defaultForbiddenPatterns(),
    jsonPath: null,
    markdownPath: null,
    pullRequestText: null,
    debug: false,
    now: () => new Date(),
  };
}
