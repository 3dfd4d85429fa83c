import type { Finding, MigrationSet } from '../types.js';

/** `parse-error` for every problem discovery met while reading a migration (duplicate markers, …). */
export function lintParse(set: MigrationSet): Finding[] {
  const findings: Finding[] = [];
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
