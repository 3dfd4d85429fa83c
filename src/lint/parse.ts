import type { Finding, MigrationSet } from '../types.js';

/**
 * `parse-error` for every problem discovery met while reading a migration (duplicate markers, …), and for
 * every file or directory refused because it leads outside the repository.
 */
export function lintParse(set: MigrationSet): Finding[] {
  const findings: Finding[] = [];
  // A file or directory leading outside the repository that no migration reports: a finding of its own.
  const reported = new Set(set.migrations.flatMap((m) => m.parseProblems.map((p) => p.path)));
  for (const refused of set.outside ?? []) {
    if (reported.has(refused.path)) continue;
    findings.push({
      rule: 'parse-error',
      severity: 'error',
      migration: null,
      path: refused.path,
      message: refused.message,
    });
  }
  for (const m of set.migrations) {
    for (const problem of m.parseProblems) {
      findings.push({
        rule: 'parse-error',
        severity: 'error',
        migration: m.name,
        path: problem.path,
        ...(problem.line === null ? {} : { line: problem.line }),
        message: problem.message,
      });
    }
  }
  return findings;
}
