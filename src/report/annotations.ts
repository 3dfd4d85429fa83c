import type { Report, RuleId } from '../types.js';

/** One GitHub annotation, in the shape `core.error/warning(message, { file, startLine, title })` takes. */
export interface Annotation {
  level: 'error' | 'warning';
  /** Plain text (annotations do not render markdown). */
  message: string;
  /** File relative to the repository root; absent for findings about no file. */
  file?: string;
  /** The finding's line; 1 when it names a file but no line. */
  startLine?: number;
  /** The rule ID. */
  title: RuleId;
}

const DETAIL_LINES_SHOWN = 20;

/**
 * One annotation per finding, errors first. `pathPrefix` is the working directory inside the repository,
 * since annotations need repository-relative paths.
 */
export function annotationsFor(report: Report, options: { pathPrefix?: string } = {}): Annotation[] {
  const prefix = (options.pathPrefix ?? '')
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+|^\.$/, '')
    .replace(/\/+$/, '');
  const annotations = report.findings.map((finding): Annotation => {
    const details = finding.details ?? [];
    const shown = details.slice(0, DETAIL_LINES_SHOWN);
    if (details.length > shown.length) shown.push(`… ${details.length - shown.length} more`);
    const message = [finding.message, ...shown].join('\n');
    const annotation: Annotation = { level: finding.severity, message, title: finding.rule };
    if (finding.path !== null) {
      const path = finding.path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
      annotation.file = prefix ? `${prefix}/${path}` : path;
      // Without a line GitHub keeps the annotation off the diff; the first line puts it on the file.
      annotation.startLine = finding.line !== undefined && finding.line > 0 ? finding.line : 1;
    }
    return annotation;
  });
  return [
    ...annotations.filter((a) => a.level === 'error'),
    ...annotations.filter((a) => a.level !== 'error'),
  ];
}
