import { describe, expect, it } from 'vitest';
import { annotationsFor } from '../src/report/annotations.js';
import type { Finding, Report } from '../src/types.js';

function report(findings: Finding[]): Report {
  return {
    version: 1,
    verdict: 'fail',
    base: 'main',
    database: null,
    migrations: [],
    findings,
    meta: {
      tool: 'migration-gate',
      command: 'lint',
      dirs: ['migrations'],
      failOn: 'error',
      headSha: null,
      baseSha: null,
      durationMs: 1,
      notes: [],
    },
  };
}

const findings: Finding[] = [
  {
    rule: 'requirement-missing',
    severity: 'warning',
    migration: 'm1',
    path: 'migrations/m1.sql',
    message: 'no requirement mapped',
  },
  {
    rule: 'down-mismatch',
    severity: 'error',
    migration: 'm2',
    path: './migrations/m2.sql',
    line: 12,
    message: 'the schema after down differs',
    details: Array.from({ length: 25 }, (_, i) => `- column t.c${i}`),
  },
  { rule: 'baseline-drift', severity: 'error', migration: null, path: null, message: 'drift' },
];

describe('annotationsFor', () => {
  it('makes one annotation per finding, errors first, titled by rule', () => {
    const annotations = annotationsFor(report(findings));
    expect(annotations.map((a) => [a.level, a.title, a.file, a.startLine])).toEqual([
      ['error', 'down-mismatch', 'migrations/m2.sql', 12],
      ['error', 'baseline-drift', undefined, undefined],
      ['warning', 'requirement-missing', 'migrations/m1.sql', 1],
    ]);
    expect(annotations[1]).toEqual({ level: 'error', message: 'drift', title: 'baseline-drift' });
  });

  it('adds the first detail lines to the message', () => {
    const message = annotationsFor(report(findings))[0]!.message.split('\n');
    expect(message[0]).toBe('the schema after down differs');
    expect(message.slice(1, 3)).toEqual(['- column t.c0', '- column t.c1']);
    expect(message).toHaveLength(22);
    expect(message.at(-1)).toBe('… 5 more');
  });

  it('prefixes paths with the working directory inside the repository', () => {
    const annotations = annotationsFor(report(findings), { pathPrefix: './services/api/' });
    expect(annotations.map((a) => a.file)).toEqual([
      'services/api/migrations/m2.sql',
      undefined,
      'services/api/migrations/m1.sql',
    ]);
    expect(annotationsFor(report(findings), { pathPrefix: '.' })[0]?.file).toBe('migrations/m2.sql');
  });
});
