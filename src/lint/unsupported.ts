import type { Finding, MigrationSet } from '../types.js';

/**
 * `unsupported-migration` for every migration of a known tool the gate cannot run (a goose `.go` file, …) that is
 * new or changed, or that lies in the history before a changed migration: the round-trip of the directory stops
 * before it, so what comes after it is not proven.
 */
export function lintUnsupported(set: MigrationSet): Finding[] {
  const findings: Finding[] = [];
  const lastChanged = set.migrations.findLastIndex((m) => m.change !== 'unchanged');
  set.migrations.forEach((m, index) => {
    if (!m.unsupported || (m.change === 'unchanged' && index > lastChanged)) return;
    const after = set.migrations.slice(index + 1).filter((n) => n.change !== 'unchanged').length;
    findings.push({
      rule: 'unsupported-migration',
      severity: 'error',
      migration: m.name,
      path: m.path,
      message:
        `'${m.name}' is ${m.unsupported}. The round-trip of ${set.dir} stops before it` +
        (after > 0 ? ` (${after} changed migration(s) after it not run)` : ''),
    });
  });
  return findings;
}
