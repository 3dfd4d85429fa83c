import type { GateConfig } from '../config/types.js';
import { compareVersions, parseName } from '../discover/naming.js';
import type { Finding, Migration, MigrationSet } from '../types.js';

/** The newest base migration by version, or null when the base has none that matches the naming pattern. */
function newestOnBase(baseNames: string[], pattern: RegExp): { name: string; version: string } | null {
  let newest: { name: string; version: string } | null = null;
  for (const name of baseNames) {
    const { version } = parseName(name, pattern);
    if (version === null) continue;
    if (!newest || compareVersions(version, newest.version) > 0) newest = { name, version };
  }
  return newest;
}

/**
 * `order`, `history-modified` and `history-deleted` for one directory: history on the base is append-only,
 * and a new migration must sort after the newest one the base already has.
 */
export function lintHistory(set: MigrationSet, config: GateConfig): Finding[] {
  const findings: Finding[] = [];
  const newest = set.baseNames ? newestOnBase(set.baseNames, config.namingPattern) : null;

  for (const m of set.migrations) {
    if (m.change === 'modified') {
      findings.push({
        rule: 'history-modified',
        severity: 'error',
        migration: m.name,
        path: m.path,
        message: `'${m.name}' exists on the base branch and was edited; history is append-only: revert the edit and add a new migration instead`,
      });
    }
    if (newest && (m.change === 'added' || m.change === 'renamed')) {
      const { version } = parseName(m.name, config.namingPattern);
      if (version !== null && compareVersions(version, newest.version) <= 0) {
        findings.push({
          rule: 'order',
          severity: 'error',
          migration: m.name,
          path: m.path,
          line: 1,
          message: `'${m.name}' sorts at or before '${newest.name}', the newest migration on the base branch; rename it with a later version`,
        });
      }
    }
  }

  const byFile = new Map<string, Migration>();
  if (set.deleted.some((d) => d.renamedTo)) {
    for (const m of set.migrations) for (const file of m.files) byFile.set(file, m);
  }
  for (const d of set.deleted) {
    const target = d.renamedTo ? byFile.get(d.renamedTo) : undefined;
    const to = target ? `'${target.name}' (${target.path})` : d.renamedTo;
    const what = d.renamedTo
      ? `was renamed to ${to}; keep the name it has on the base branch`
      : 'was deleted; restore it and add a new migration that undoes it instead';
    findings.push({
      rule: 'history-deleted',
      severity: 'error',
      migration: d.name,
      path: d.path,
      message: `'${d.name}' exists on the base branch and ${what}`,
    });
  }
  return findings;
}
