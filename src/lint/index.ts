import type { GateConfig } from '../config/types.js';
import type { Finding, MigrationSet } from '../types.js';
import { lintAlembic } from './alembic.js';
import { lintDowngrade } from './downgrade.js';
import { lintHistory } from './history.js';
import { lintNaming } from './naming.js';
import { lintParse } from './parse.js';
import { lintRequirements, pullRequestRequirements } from './requirements.js';
import { lintUnsupported } from './unsupported.js';

/** Orders findings by path, line, rule (then migration and message, so equal keys stay deterministic). */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    cmp(a.path ?? '', b.path ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    cmp(a.rule, b.rule) ||
    cmp(a.migration ?? '', b.migration ?? '') ||
    cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The static rules over every migration directory: naming, history, downgrade, waiver, requirement and
 * parse problems (plus the revision-graph rules for alembic directories). Pure: no I/O, no clock other
 * than `config.now`; findings come sorted by path, line and rule.
 */
export function lint(sets: MigrationSet[], config: GateConfig): Finding[] {
  const prRequirements = pullRequestRequirements(config);
  const groups: Finding[][] = [];
  for (const set of sets) {
    groups.push(
      lintNaming(set, config),
      lintHistory(set, config),
      lintDowngrade(set),
      lintRequirements(set, config, prRequirements),
      lintParse(set),
      lintUnsupported(set),
    );
    if (set.format === 'alembic') groups.push(lintAlembic(set, config));
  }
  return groups.flat().sort(compareFindings);
}
