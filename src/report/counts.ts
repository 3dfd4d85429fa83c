import type { Report } from '../types.js';

/** `1 error`, `2 errors`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** `2 changed migrations, 1 error, 0 warnings`: the same words on the terminal and in the Action's log. */
export function countsLine(report: Report): string {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  return `${plural(report.migrations.length, 'changed migration')}, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
