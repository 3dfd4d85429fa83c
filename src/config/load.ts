import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { canonicalDialect, knownDialects } from './dialects.js';
import { containment, repositoryRoot } from '../repository.js';
import { FORMATS, GateError, type Format, type Severity } from '../types.js';
import { NAMING_PRESETS, DEFAULT_SCAN_EXCLUDE, defaultConfig } from './defaults.js';
import type { DatabaseKind, ForbiddenPattern, GateConfig } from './types.js';

/** The default configuration file, looked up in the working directory. */
export const CONFIG_FILE = '.migration-gate.yml';

/**
 * Settings as the user wrote them, keyed by the stable input names (kebab-case). The CLI flags, the Action's
 * inputs and `.migration-gate.yml` all produce this shape; `resolveConfig` validates and merges them.
 */
export interface Settings {
  migrations?: string[];
  format?: string;
  dialect?: string;
  base?: string | null;
  database?: string;
  'database-url'?: string;
  privileged?: boolean;
  'stale-after'?: number;
  'column-order'?: string;
  'postgres-image'?: string;
  'naming-pattern'?: string;
  'requirement-pattern'?: string;
  'require-requirements'?: boolean;
  'fail-on'?: string;
  'step-timeout'?: number;
  /** Sample rows: `on` | `off` (also true / false). */
  data?: string | boolean;
  'clock-skew'?: number;
  'working-directory'?: string;
  'alembic-command'?: string;
  'baseline-schema'?: string;
  'baseline-database'?: string;
  'forbidden-patterns'?: ForbiddenPatternSetting[] | false;
  json?: string;
  markdown?: string;
  debug?: boolean;
}

/** A user-defined policy-scan pattern, as written in the configuration file. */
export interface ForbiddenPatternSetting {
  id: string;
  pattern: string;
  reason?: string;
  include?: string[];
  exclude?: string[];
}

const forbiddenSchema = z.object({
  id: z.string().min(1),
  pattern: z.string().min(1),
  reason: z.string().optional(),
  include: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
});

const stringList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

/** Schema of `.migration-gate.yml`: the same keys as the Action's inputs. */
const fileSchema = z
  .object({
    migrations: stringList.optional(),
    format: z.string().optional(),
    dialect: z.string().optional(),
    base: z.string().nullable().optional(),
    database: z.string().optional(),
    'database-url': z.string().optional(),
    privileged: z.boolean().optional(),
    'stale-after': z.number().optional(),
    'column-order': z.string().optional(),
    'postgres-image': z.string().optional(),
    'naming-pattern': z.string().optional(),
    'requirement-pattern': z.string().optional(),
    'require-requirements': z.boolean().optional(),
    'fail-on': z.string().optional(),
    'step-timeout': z.number().optional(),
    data: z.union([z.boolean(), z.string()]).optional(),
    'clock-skew': z.number().optional(),
    'alembic-command': z.string().optional(),
    'baseline-schema': z.string().optional(),
    'baseline-database': z.string().optional(),
    'forbidden-patterns': z.union([z.array(forbiddenSchema), z.literal(false)]).optional(),
  })
  .strict();

/** Reads `.migration-gate.yml` (or the given file). Returns `{}` when the default file does not exist. */
export async function loadConfigFile(cwd: string, file: string | null): Promise<Settings> {
  const path = resolve(cwd, file ?? CONFIG_FILE);
  // A file of the repository (the default, or one named below the working directory) that leads out of it
  // is refused unread; a path the caller names outside is theirs to choose.
  const own = file === null || !(isAbsolute(file) || /^\.\.(?:[\\/]|$)/.test(file));
  const where = own ? await containment(await repositoryRoot(cwd), path) : null;
  if (where?.inside === false) {
    throw new GateError(`the configuration file ${file ?? CONFIG_FILE} ${where.message}`);
  }
  let text: string;
  try {
    text = await readFile(where?.inside ? where.real : path, 'utf8');
  } catch (error) {
    if (file === null && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new GateError(
      `cannot read the configuration file ${file ?? CONFIG_FILE}: ${(error as Error).message}`,
    );
  }
  const name = file ?? CONFIG_FILE;
  let data: unknown;
  try {
    data = parseYaml(text) ?? {};
  } catch (error) {
    const line = error instanceof YAMLParseError ? `:${error.linePos?.[0]?.line ?? 1}` : '';
    // The parser's first line ends in ':' before a code frame that is not shown here.
    const reason = ((error as Error).message.split('\n')[0] ?? '').replace(/:\s*$/, '');
    const hint = /escape sequence/i.test(reason)
      ? " (a regex in double quotes needs each backslash doubled: write it in single quotes, '\\d+')"
      : '';
    throw new GateError(`${name}${line}: invalid YAML: ${reason}${hint}`);
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join('.') || '(top level)';
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} (known: ${Object.keys(fileSchema.shape).join(', ')})`
        : `'${key}': ${issue.message}`;
    throw new GateError(`${name}: ${message}`);
  }
  return parsed.data;
}

const FORMAT_SETTINGS = ['auto', ...FORMATS] as const;
const DATABASES = ['auto', 'embedded', 'container', 'url', 'sqlite'] as const;
const LEVELS = ['error', 'warning'] as const;

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new GateError(`${key} must be one of ${allowed.join(', ')}; got '${value}'`);
}

function compileRegex(key: string, source: string, flags = ''): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new GateError(`${key} is not a valid regular expression: ${(error as Error).message}`);
  }
}

/** Compiles a naming preset name or a regex, checking the named groups the rules need. */
export function compileNamingPattern(value: string): RegExp {
  const regex = compileRegex('naming-pattern', NAMING_PRESETS[value] ?? value);
  const groups = new Set([...regex.source.matchAll(/\(\?<([a-zA-Z_]\w*)>/g)].map((m) => m[1]));
  if (!groups.has('timestamp') && !groups.has('version')) {
    throw new GateError(
      `naming-pattern '${value}' needs a named group 'timestamp' or 'version' (and 'slug'), ` +
        `e.g. ^(?<timestamp>\\d{12})_(?<slug>[a-z0-9_]+)$, or a preset: ${Object.keys(NAMING_PRESETS).join(', ')}`,
    );
  }
  return regex;
}

function positive(key: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new GateError(
      `${key} must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds; got '${value}'`,
    );
  }
  return value;
}

/**
 * The longest step timeout, in seconds: PostgreSQL's `statement_timeout` and Node's timers both stop at
 * 2^31-1 ms (about 24.8 days); past that the server refuses the setting and the timer fires at once.
 */
export const MAX_STEP_TIMEOUT_SEC = 2_000_000;

/**
 * Merges settings (later sources win: file, then flags or inputs) into one validated `GateConfig`.
 * `baseCwd` is where the process runs; `working-directory` is resolved against it.
 */
export function resolveConfig(baseCwd: string, ...sources: Settings[]): GateConfig {
  const s: Settings = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      if (value !== undefined && value !== '') (s as Record<string, unknown>)[key] = value;
    }
  }
  const cwd = s['working-directory'] ? resolve(baseCwd, s['working-directory']) : baseCwd;
  const config = defaultConfig(cwd);

  if (s.migrations && s.migrations.length > 0) {
    // One directory named twice (`db`, `./db/`) is gated once.
    const seen = new Set<string>();
    config.dirs = s.migrations
      .map((d) => d.trim())
      .filter((d) => d.length > 0)
      .filter((d) => {
        const key = resolve(cwd, d);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
  }
  if (s.format) config.format = oneOf<'auto' | Format>('format', s.format, FORMAT_SETTINGS);
  if (s.dialect) {
    const dialect = canonicalDialect(s.dialect.trim());
    if (!dialect) {
      throw new GateError(`dialect must be one of ${knownDialects().join(', ')}; got '${s.dialect}'`);
    }
    config.dialect = dialect;
  }
  if (s.base !== undefined) config.base = s.base;

  if (s.database) {
    if (/^postgres(ql)?:\/\//i.test(s.database)) {
      config.database = 'url';
      config.databaseUrl = s.database;
    } else {
      config.database = oneOf<DatabaseKind>('database', s.database, DATABASES);
    }
  }
  if (s['database-url']) {
    if (!/^postgres(ql)?:\/\//i.test(s['database-url'])) {
      throw new GateError(`database-url must start with postgres:// or postgresql://`);
    }
    config.databaseUrl = s['database-url'];
    if (!s.database || s.database === 'auto') config.database = 'url';
  }
  if (config.database === 'url' && !config.databaseUrl) {
    throw new GateError(
      `database 'url' needs a server URL: --database postgres://user@host/db or the database-url input`,
    );
  }
  if (s.privileged !== undefined) config.privileged = s.privileged;
  if (s['stale-after'] !== undefined) {
    if (!Number.isFinite(s['stale-after']) || s['stale-after'] <= 0) {
      throw new GateError(`stale-after must be a positive number of hours; got '${s['stale-after']}'`);
    }
    config.staleAfterHours = s['stale-after'];
  }
  if (s['column-order'] !== undefined) {
    const level = s['column-order'].trim();
    if (level !== 'warning' && level !== 'error' && level !== 'off') {
      throw new GateError(`column-order must be warning, error or off; got '${s['column-order']}'`);
    }
    config.columnOrder = level;
  }
  if (s['postgres-image']) config.postgresImage = s['postgres-image'];
  if (s['naming-pattern']) {
    config.namingPattern = compileNamingPattern(s['naming-pattern']);
    config.namingPatternSource = s['naming-pattern'];
  }
  if (s['requirement-pattern']) {
    config.requirementPattern = compileRegex('requirement-pattern', s['requirement-pattern']);
    if (config.requirementPattern.test('')) {
      throw new GateError(`requirement-pattern '${s['requirement-pattern']}' matches the empty string`);
    }
  }
  if (s['require-requirements'] !== undefined) config.requireRequirements = s['require-requirements'];
  if (s['fail-on']) config.failOn = oneOf<Severity>('fail-on', s['fail-on'], LEVELS);
  config.stepTimeoutSec = positive('step-timeout', s['step-timeout'], config.stepTimeoutSec);
  if (config.stepTimeoutSec > MAX_STEP_TIMEOUT_SEC) {
    throw new GateError(
      `step-timeout must be at most ${MAX_STEP_TIMEOUT_SEC} seconds (about 23 days); got '${config.stepTimeoutSec}'`,
    );
  }
  if (s.data !== undefined) config.data = onOff('data', s.data);
  config.clockSkewSec = positive('clock-skew', s['clock-skew'], config.clockSkewSec, true);
  if (s['alembic-command']) config.alembicCommand = s['alembic-command'];
  if (s['baseline-schema']) config.baselineSchema = s['baseline-schema'];
  if (s['baseline-database']) config.baselineDatabase = s['baseline-database'];
  if (s['forbidden-patterns'] !== undefined) {
    config.forbiddenPatterns =
      s['forbidden-patterns'] === false ? [] : compileForbidden(s['forbidden-patterns']);
  }
  if (s.json) config.jsonPath = resolve(baseCwd, s.json);
  if (s.markdown) config.markdownPath = resolve(baseCwd, s.markdown);
  if (s.debug !== undefined) config.debug = s.debug;
  return config;
}

/** `on` / `off` (or true / false, yes / no) as a boolean. */
function onOff(name: string, value: string | boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (/^(on|true|yes|1)$/i.test(value.trim())) return true;
  if (/^(off|false|no|0)$/i.test(value.trim())) return false;
  throw new GateError(`${name} must be on or off; got '${value}'`);
}

function compileForbidden(list: ForbiddenPatternSetting[]): ForbiddenPattern[] {
  return list.map((p) => ({
    id: p.id,
    pattern: compileRegex(`forbidden-patterns '${p.id}'`, p.pattern),
    reason: p.reason ?? `matches the forbidden pattern ${p.pattern}`,
    include: p.include ?? ['**/*'],
    // Added to the default exclusions, never replacing them: a pattern of one's own still skips tests,
    // node_modules, vendored and build folders.
    exclude: [...DEFAULT_SCAN_EXCLUDE, ...(p.exclude ?? []).filter((g) => !DEFAULT_SCAN_EXCLUDE.includes(g))],
  }));
}
