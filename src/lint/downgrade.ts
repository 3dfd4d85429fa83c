import type { Finding, Migration, MigrationSet } from '../types.js';

const WAIVER_FORM = 'downgrade-waiver: owner=@team; rationale=why it cannot be undone';

function missingWaiverFields(m: Migration): string[] {
  if (!m.waiver) return [];
  const missing: string[] = [];
  if (!m.waiver.owner) missing.push('owner');
  if (!m.waiver.rationale) missing.push('rationale');
  return missing;
}

/**
 * Where to point at an empty downgrade: its own file (a `.down.sql`), an SQL down marker in the up file, or the
 * down function.
 */
function downPlace(m: Migration): { path: string; line?: number } {
  if (!m.down) return { path: m.path };
  if (m.down.path !== m.path) return { path: m.down.path, line: m.down.startLine };
  // An SQL part starts on the line after its marker; a module's or revision's part starts at the function.
  return { path: m.path, line: m.format === 'sql' ? Math.max(1, m.down.startLine - 1) : m.down.startLine };
}

/**
 * Discovery could not read the migration at all (its `parse-error` says why), or cannot run it (its
 * `unsupported-migration` says why): a missing down would be noise.
 */
export function unreadable(m: Migration): boolean {
  return (m.up === null && m.parseProblems.length > 0) || m.unsupported !== undefined;
}

/**
 * An SQL migration whose up and down both exist and are both empty: a deliberate no-op (e.g. for one dialect
 * of several), nothing to undo.
 */
function noOp(m: Migration): boolean {
  return m.format === 'sql' && m.up !== null && m.up.empty && m.down !== null && m.down.empty;
}

/** A downgrade file exists but could not be read (its `parse-error` says why): it is not missing. */
function downUnreadable(m: Migration): boolean {
  return m.down === null && m.parseProblems.some((p) => p.path !== m.path && m.files.includes(p.path));
}

/** An Alembic merge revision whose upgrade does nothing: downgrading it is only a step of the graph. */
function emptyMerge(m: Migration): boolean {
  return (m.alembic?.downRevisions.length ?? 0) > 1 && m.up !== null && m.up.empty;
}

/**
 * `down-missing` and `waiver-incomplete` for every migration that is not unchanged history. An incomplete
 * waiver does not excuse a missing downgrade.
 */
export function lintDowngrade(set: MigrationSet): Finding[] {
  const findings: Finding[] = [];
  for (const m of set.migrations) {
    if (m.change === 'unchanged') continue;
    const missing = missingWaiverFields(m);
    if (m.waiver && missing.length > 0) {
      findings.push({
        rule: 'waiver-incomplete',
        severity: 'error',
        migration: m.name,
        path: m.waiver.path,
        line: m.waiver.line,
        message: `the downgrade waiver of '${m.name}' lacks ${missing.join(' and ')} (expected ${WAIVER_FORM})`,
      });
    }
    const waived = m.waiver !== null && missing.length === 0;
    if (
      waived ||
      (m.down && !m.down.empty) ||
      unreadable(m) ||
      downUnreadable(m) ||
      emptyMerge(m) ||
      noOp(m)
    ) {
      continue;
    }
    const what = m.down ? 'an empty downgrade' : 'no downgrade';
    const place = downPlace(m);
    findings.push({
      rule: 'down-missing',
      severity: 'error',
      migration: m.name,
      ...place,
      message: `'${m.name}' has ${what}${m.waiver ? ' and its waiver is incomplete' : ''}; write one that undoes the upgrade, or add a comment line '${WAIVER_FORM}'`,
    });
  }
  return findings;
}
