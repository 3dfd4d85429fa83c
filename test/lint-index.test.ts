import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discover } from '../src/discover/index.js';
import { formatTimestamp } from '../src/discover/naming.js';
import { lint } from '../src/lint/index.js';
import type { Migration } from '../src/types.js';
import { lintFixture, migration, set, testConfig } from './helpers/migration.js';

describe('lint', () => {
  it('runs every rule group over every set and sorts by path, line, rule', () => {
    const a = migration('202611010000_a', { down: null, requirements: [], requirementsLine: null });
    a.waiver = { owner: '@x', rationale: null, fields: { owner: '@x' }, path: a.path, line: 3 };
    const other = set([migration('bad name', { dir: 'other', path: 'other/bad name.up.sql' })], {
      dir: 'other',
    });
    const findings = lint(
      [
        set([migration('202611010001_b', { change: 'modified' }), a], {
          baseNames: ['202611010001_b'],
          deleted: [
            {
              name: '202601010000_gone',
              dir: 'migrations',
              path: 'migrations/202601010000_gone.up.sql',
              renamedTo: null,
            },
          ],
        }),
        other,
      ],
      testConfig(),
    );
    expect(findings.map((f) => `${f.path}:${f.line ?? '-'} ${f.rule} ${f.severity}`)).toEqual([
      'migrations/202601010000_gone.up.sql:- history-deleted error',
      'migrations/202611010000_a.up.sql:- down-missing error',
      'migrations/202611010000_a.up.sql:- requirement-missing warning',
      'migrations/202611010000_a.up.sql:1 order error',
      'migrations/202611010000_a.up.sql:3 waiver-incomplete error',
      'migrations/202611010001_b.up.sql:- history-modified error',
      'other/bad name.up.sql:1 name-format error',
    ]);
  });

  it('reports only the parse error of a migration discovery could not read', () => {
    const path = 'migrations/202611010000_a.up.sql';
    const m = migration('202611010000_a', {
      up: null,
      down: null,
      requirements: [],
      requirementsLine: null,
      parseProblems: [{ path, line: 3, message: 'not valid UTF-8 text: save the migration as UTF-8' }],
    });
    expect(lint([set([m])], testConfig()).map((f) => `${f.rule} ${f.path}:${f.line}`)).toEqual([
      `parse-error ${path}:3`,
    ]);
  });

  it('adds the revision-graph rules for alembic directories only', () => {
    const revision = (name: string, revision: string, downRevisions: string[], format: 'alembic' | 'sql') =>
      migration(name, {
        format,
        path: `versions/${name}.py`,
        alembic: {
          revision,
          downRevisions,
          branchLabels: [],
          dependsOn: [],
          revisionLine: 1,
          downRevisionLine: 2,
        },
      });
    const heads = (format: 'alembic' | 'sql') => [
      revision('202611010000_root', 'a1', [], format),
      revision('202611020000_left', 'b2', ['a1'], format),
      revision('202611030000_right', 'c3', ['a1'], format),
    ];
    const alembic = lint([set(heads('alembic'), { dir: 'versions', format: 'alembic' })], testConfig());
    expect(alembic.map((f) => `${f.rule} ${f.migration}`)).toEqual([
      'alembic-multiple-heads 202611030000_right',
    ]);
    expect(lint([set(heads('sql'))], testConfig())).toEqual([]);
  });

  it('is deterministic whatever the order of sets and migrations', () => {
    const ms = [migration('202611010000_a', { down: null }), migration('202611010000_b'), migration('x')];
    const forward = lint(
      [set(ms), set([migration('y', { dir: 'd', path: 'd/y.up.sql' })], { dir: 'd' })],
      testConfig(),
    );
    const backward = lint(
      [set([migration('y', { dir: 'd', path: 'd/y.up.sql' })], { dir: 'd' }), set([...ms].reverse())],
      testConfig(),
    );
    expect(backward).toEqual(forward);
    expect(forward).toHaveLength(4);
  });

  it('finds every duplicate and missing down among 20,000 migrations (timings live in npm run bench)', () => {
    const build = (n: number) => {
      const ms: Migration[] = [];
      const start = Date.UTC(2025, 0, 1);
      for (let i = 0; i < n; i++) {
        const version = formatTimestamp(new Date(start + Math.floor(i / 2) * 60_000));
        const overrides: Partial<Migration> = { change: i < n / 2 ? 'unchanged' : 'added' };
        if (i % 3 === 0) overrides.down = null;
        ms.push(migration(`${version}_m${i}`, overrides));
      }
      return set(ms, { baseNames: ms.filter((m) => m.change === 'unchanged').map((m) => m.name) });
    };
    const large = build(20_000);
    const findings = lint([large], testConfig());
    const count = (rule: string) => findings.filter((f) => f.rule === rule).length;
    expect([count('name-duplicate'), count('down-missing'), findings.length]).toEqual([5_000, 3_333, 8_333]);
  });
});

describe('clean fixture through discovery', () => {
  it('has no finding at all', async () => {
    expect(await lintFixture('clean')).toEqual([]);
  });

  it('reaches the alembic rules through discovery', async () => {
    const config = testConfig({
      cwd: fileURLToPath(new URL('../fixtures/alembic/', import.meta.url)),
      dirs: ['multiple-heads'],
    });
    const findings = lint(await discover(config), config);
    expect(findings.map((f) => f.rule)).toEqual(['alembic-multiple-heads']);
  });

  it('lints several directories in one call, sorted by path', async () => {
    const findings = await lintFixture('down-missing', { dirs: ['name-format', 'clean', 'down-missing'] });
    expect(findings.map((f) => `${f.rule} ${f.path}`)).toEqual([
      'down-missing down-missing/202611021015_add_customer_email.up.sql',
      'name-format name-format/2026-11-02_Add-Invoices.up.sql',
    ]);
  });
});
