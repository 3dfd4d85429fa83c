import { describe, expect, it } from 'vitest';
import { lintParse } from '../src/lint/parse.js';
import { lintFixture, migration, set } from './helpers/migration.js';

describe('parse-error', () => {
  it('reports each parse problem with its file and line, also for unchanged migrations', () => {
    const m = migration('202611010000_a', {
      parseProblems: [
        { path: 'migrations/202611010000_a.up.sql', line: 4, message: 'a second -- migrate:up marker' },
        { path: 'migrations/202611010000_a.down.sql', line: null, message: 'cannot read the file' },
      ],
    });
    const old = migration('202601010000_old', {
      change: 'unchanged',
      parseProblems: [{ path: 'migrations/202601010000_old.up.sql', line: 1, message: 'bad' }],
    });
    expect(lintParse(set([m, old, migration('202611010001_b')]))).toEqual([
      {
        rule: 'parse-error',
        severity: 'error',
        migration: '202611010000_a',
        path: 'migrations/202611010000_a.up.sql',
        line: 4,
        message: 'a second -- migrate:up marker',
      },
      {
        rule: 'parse-error',
        severity: 'error',
        migration: '202611010000_a',
        path: 'migrations/202611010000_a.down.sql',
        message: 'cannot read the file',
      },
      {
        rule: 'parse-error',
        severity: 'error',
        migration: '202601010000_old',
        path: 'migrations/202601010000_old.up.sql',
        line: 1,
        message: 'bad',
      },
    ]);
  });
});

describe('markers-twice fixture through discovery', () => {
  it('reports the second up marker with its line', async () => {
    const findings = await lintFixture('markers-twice');
    expect(findings.map((f) => `${f.rule} ${f.migration} ${f.path}:${f.line}`)).toEqual([
      'parse-error 202611021015_add_customer_email markers-twice/202611021015_add_customer_email.sql:5',
    ]);
  });
});
