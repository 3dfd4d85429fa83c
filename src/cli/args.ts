import { parseArgs } from 'node:util';
import { GateError } from '../types.js';
import type { Settings } from '../config/load.js';

export type Command = 'check' | 'lint' | 'new';

/** The command line, parsed. */
export interface CliArgs {
  command: Command | null;
  help: boolean;
  version: boolean;
  /** `--config <file>`, or null for the default `.migration-gate.yml` when present. */
  configFile: string | null;
  /** Settings given as flags (override the configuration file). */
  settings: Settings;
  /** Positional arguments after the command (`new <slug>`). */
  positionals: string[];
  /** `--quiet`: no progress lines on stderr. */
  quiet: boolean;
}

const OPTIONS = {
  dir: { type: 'string', multiple: true },
  migrations: { type: 'string', multiple: true },
  format: { type: 'string' },
  dialect: { type: 'string' },
  base: { type: 'string' },
  database: { type: 'string' },
  'database-url': { type: 'string' },
  privileged: { type: 'boolean' },
  'stale-after': { type: 'string' },
  'column-order': { type: 'string' },
  'postgres-image': { type: 'string' },
  json: { type: 'string' },
  markdown: { type: 'string' },
  config: { type: 'string' },
  'fail-on': { type: 'string' },
  'step-timeout': { type: 'string' },
  data: { type: 'string' },
  'clock-skew': { type: 'string' },
  'naming-pattern': { type: 'string' },
  'requirement-pattern': { type: 'string' },
  'require-requirements': { type: 'boolean' },
  'working-directory': { type: 'string' },
  'alembic-command': { type: 'string' },
  'baseline-schema': { type: 'string' },
  'baseline-database': { type: 'string' },
  'no-forbidden-patterns': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const COMMANDS: readonly Command[] = ['check', 'lint', 'new'];

function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new GateError(`--${flag} takes a number of seconds; got '${value}'`);
  return n;
}

function hours(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new GateError(`--stale-after takes a number of hours; got '${value}'`);
  return n;
}

/** Parses argv (without `node` and the script). Unknown flags are a usage error naming the flag. */
export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new GateError(`${(error as Error).message.split('\n')[0]} (see migration-gate --help)`);
  }
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;
  let command: Command | null = null;
  if (first !== undefined) {
    if (!(COMMANDS as readonly string[]).includes(first)) {
      throw new GateError(`unknown command '${first}': use check, lint or new (see migration-gate --help)`);
    }
    command = first as Command;
  }
  const dirs = [...(values.dir ?? []), ...(values.migrations ?? [])];
  const settings: Settings = {
    migrations: dirs.length > 0 ? dirs : undefined,
    format: values.format,
    dialect: values.dialect,
    base: values.base,
    database: values.database,
    'database-url': values['database-url'],
    privileged: values.privileged,
    'stale-after': hours(values['stale-after']),
    'column-order': values['column-order'],
    'postgres-image': values['postgres-image'],
    json: values.json,
    markdown: values.markdown,
    'fail-on': values['fail-on'],
    'step-timeout': seconds('step-timeout', values['step-timeout']),
    data: values.data,
    'clock-skew': seconds('clock-skew', values['clock-skew']),
    'naming-pattern': values['naming-pattern'],
    'requirement-pattern': values['requirement-pattern'],
    'require-requirements': values['require-requirements'],
    'working-directory': values['working-directory'],
    'alembic-command': values['alembic-command'],
    'baseline-schema': values['baseline-schema'],
    'baseline-database': values['baseline-database'],
    'forbidden-patterns': values['no-forbidden-patterns'] ? false : undefined,
    debug: values.debug,
  };
  return {
    command,
    help: values.help ?? false,
    version: values.version ?? false,
    configFile: values.config ?? null,
    settings,
    positionals: rest,
    quiet: values.quiet ?? false,
  };
}

/** `migration-gate --help`. */
export const HELP = `migration-gate: gate database migrations in pull requests

Usage:
  migration-gate check [options]   lint + round-trip (up, down, up) on a throwaway PostgreSQL
  migration-gate lint  [options]   static rules only, no database
  migration-gate new <slug>        write a correctly named migration with up and down parts

Options:
  --dir <path>              migration directory; repeatable (default: config, else ./migrations)
  --format <f>              auto | sql | umzug | sequelize | knex | node-pg-migrate | alembic
                                                                             (default auto)
  --dialect <d>             files of <name>.<dialect>.up.sql pairs to run    (default postgres)
  --base <git-ref>          migrations that differ from this ref (merge base) are "changed";
                            without it, every migration counts as changed
  --database <spec>         auto | embedded | container | sqlite | postgres://… (default auto)
  --database-url <url>      PostgreSQL server URL (same as --database postgres://…); the gate creates,
                            uses and drops its own scratch database there
  --privileged              on a server URL, run the migrations as the URL's role (default: a role of
                            the run's own, without rights beyond its scratch database)
  --stale-after <h>         drop scratch databases and roles of earlier runs older than this (default 6)
  --column-order <level>    a down that restores every column in another order: warning | error | off
                                                                             (default warning)
  --postgres-image <image>  image for --database container                   (default postgres:18-alpine)
  --json <file>             write the JSON report
  --markdown <file>         write the traceability report (the PR comment's text)
  --config <file>           configuration file (default: .migration-gate.yml when present)
  --fail-on <level>         error | warning                                  (default error)
  --step-timeout <s>        time limit of one up or down step, in seconds    (default 300)
  --data on|off             sample rows in the tables before each up, proven through the round-trip
                                                                             (default on)
  --naming-pattern <p>      utc-minute | utc-second | sequential | sequelize | knex | node-pg-migrate |
                            diesel | flyway, or a regex with named groups timestamp or version,
                            and slug                                         (default utc-minute)
  --requirement-pattern <r> regex of one requirement ID                      (default [A-Z][A-Z0-9]+-\\d+)
  --require-requirements    a migration without a requirement is an error, not a warning
  --clock-skew <s>          how far in the future a timestamp may lie        (default 300)
  --baseline-schema <file>  SQL file of the expected schema: all migrations from empty must match it
  --baseline-database <db>  a live database (SQLite file, sqlite:///…, postgres://…) all migrations from empty
                            must match; only read
  --alembic-command <cmd>   how to run Alembic                               (default alembic)
  --working-directory <d>   run as if started in <d>
  --no-forbidden-patterns   skip the policy scan (create_all, sync)
  -q, --quiet               no progress on stderr
  --debug                   stack traces on errors
  -h, --help                this text
  -V, --version             the version

Exit status: 0 the gate passes, 1 the gate found errors, 2 usage, configuration or infrastructure error.

Examples:
  migration-gate check --base origin/main --dir db/migrations
  migration-gate lint --base origin/main --dir db/migrations --json report.json
  migration-gate check --base origin/main --dir db/migrations --database embedded
  migration-gate check --base origin/main --dir db/migrations --database postgres://postgres:secret@localhost:5432/postgres
  migration-gate check --base origin/main --format alembic --dir app/migrations/versions --database postgres://…
  migration-gate new add_invoice_index --dir db/migrations

On an existing project give --base: without it every migration, shipped ones too, is judged as new.
`;
