import type { GateConfig } from '../config/types.js';
import { NAMING_PRESETS } from '../config/defaults.js';
import { parseName, timestampToDate } from '../discover/naming.js';
import type { Finding, Migration, MigrationSet } from '../types.js';

const PRESET_FORMS: Record<string, string> = {
  'utc-minute': '<YYYYMMDDHHMM>_<slug>, slug [a-z0-9_]',
  'utc-second': '<YYYYMMDDHHMMSS>_<slug>, slug [a-z0-9_]',
  sequential: '<number>_<slug>, slug [a-z0-9_]',
  sequelize: '<YYYYMMDDHHMMSS>-<slug>, slug [a-z0-9-]',
  diesel: '<YYYY-MM-DD-HHMMSS>_<slug>, slug [a-z0-9_], or 00000000000000_<slug>',
  flyway: 'V<version>__<description>, version digits with . or _',
  knex: '<YYYYMMDDHHMMSS>_<slug>, slug [A-Za-z0-9_-]',
  'node-pg-migrate': '<millisecond epoch>_<slug>, slug [A-Za-z0-9_-]',
};

/**
 * The naming pattern as users read it: `utc-minute (<YYYYMMDDHHMM>_<slug>, slug [a-z0-9_])` for a preset,
 * `/^…$/` for a custom regex.
 */
export function describeNamingPattern(
  config: Pick<GateConfig, 'namingPattern' | 'namingPatternSource'>,
): string {
  const source = config.namingPatternSource;
  const form = PRESET_FORMS[source];
  if (form && NAMING_PRESETS[source] === config.namingPattern.source) return `${source} (${form})`;
  return `/${config.namingPattern.source}/`;
}

/** Digits of a version with leading zeros dropped, so `007` and `7` count as one version. */
function versionKey(version: string): string {
  return /^\d+$/.test(version) ? version.replace(/^0+(?=\d)/, '') : version;
}

function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

interface RankedPreset {
  name: string;
  pattern: RegExp;
  /** How many of the directory's names it reads. */
  reads: number;
}

/**
 * The other presets, the one that reads most of `names` first (ties keep the presets' order: timestamps before
 * plain numbers): a name's `name-format` finding suggests the first that reads it.
 */
function otherPresets(names: string[], config: GateConfig): RankedPreset[] {
  return Object.entries(NAMING_PRESETS)
    .filter(([, source]) => source !== config.namingPattern.source)
    .map(([name, source]) => {
      const pattern = new RegExp(source);
      return { name, pattern, reads: names.filter((n) => pattern.test(n)).length };
    })
    .sort((a, b) => b.reads - a.reads);
}

/**
 * `; 'utc-second' reads it (and 3 of the 3 names in db/migrations): set naming-pattern: utc-second in
 * .migration-gate.yml, or pass --naming-pattern utc-second` when another preset reads the name.
 */
function presetHint(name: string, presets: RankedPreset[], set: MigrationSet): string {
  const preset = presets.find((p) => p.pattern.test(name));
  if (!preset) return '';
  const total = set.migrations.length;
  const share = total > 1 ? ` (and ${preset.reads} of the ${total} names in ${set.dir})` : '';
  return (
    `; '${preset.name}' reads it${share}: set naming-pattern: ${preset.name} in .migration-gate.yml, ` +
    `or pass --naming-pattern ${preset.name}`
  );
}

function nameFindings(
  m: Migration,
  config: GateConfig,
  described: string,
  nowMs: number,
  hint: (name: string) => string,
): Finding[] {
  const parsed = parseName(m.name, config.namingPattern);
  const at = { migration: m.name, path: m.path, line: 1 };
  if (!parsed.matches) {
    return [
      {
        rule: 'name-format',
        severity: 'error',
        ...at,
        message: `name '${m.name}' does not match the naming pattern ${described}${hint(m.name)}`,
      },
    ];
  }
  if (!parsed.isTimestamp || parsed.version === null) return [];
  const timestamp = parsed.version;
  const date = timestampToDate(timestamp);
  if (!date) {
    return [
      {
        rule: 'name-timestamp',
        severity: 'error',
        ...at,
        message:
          `timestamp ${timestamp} of '${m.name}' is not a real UTC date-time ` +
          `(expected YYYYMMDDHHMM, or YYYYMMDDHHMMSS to the second)`,
      },
    ];
  }
  if (date.getTime() - nowMs > config.clockSkewSec * 1000) {
    return [
      {
        rule: 'name-timestamp',
        severity: 'error',
        ...at,
        message:
          `timestamp ${timestamp} of '${m.name}' lies in the future (${formatUtc(date)}, now ${formatUtc(new Date(nowMs))}); ` +
          `name it with the current UTC time`,
      },
    ];
  }
  return [];
}

/**
 * `name-format`, `name-timestamp` and `name-duplicate` for one directory. Names of unchanged migrations
 * (history already on the base) are not judged: they cannot be renamed without rewriting history.
 */
export function lintNaming(set: MigrationSet, config: GateConfig): Finding[] {
  const findings: Finding[] = [];
  const described = describeNamingPattern(config);
  const nowMs = config.now().getTime();
  const byVersion = new Map<string, Migration[]>();
  let ranked: RankedPreset[] | null = null;
  const hint = (name: string) =>
    presetHint(
      name,
      (ranked ??= otherPresets(
        set.migrations.map((m) => m.name),
        config,
      )),
      set,
    );

  for (const m of set.migrations) {
    const parsed = parseName(m.name, config.namingPattern);
    if (parsed.version !== null) {
      const key = versionKey(parsed.version);
      const group = byVersion.get(key);
      if (group) group.push(m);
      else byVersion.set(key, [m]);
    }
    if (m.change !== 'unchanged') findings.push(...nameFindings(m, config, described, nowMs, hint));
  }

  for (const group of byVersion.values()) {
    if (group.length < 2) continue;
    // History keeps its place: the first of a group is an unchanged migration when there is one.
    const ordered = [...group].sort(
      (a, b) =>
        Number(a.change !== 'unchanged') - Number(b.change !== 'unchanged') ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    const first = ordered[0]!;
    for (const m of ordered.slice(1)) {
      if (m.change === 'unchanged') continue;
      findings.push({
        rule: 'name-duplicate',
        severity: 'error',
        migration: m.name,
        path: m.path,
        line: 1,
        message: `'${m.name}' has the same version as '${first.name}' (${first.path}); give it a version of its own`,
      });
    }
  }
  return findings;
}
