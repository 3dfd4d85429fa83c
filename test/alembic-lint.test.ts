import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import { orderAlembic, parseAlembicFile } from '../src/discover/formats/alembic.js';
import { parseRevisions } from './helpers/alembic.js';
import { lintAlembic } from '../src/lint/alembic.js';
import type { Migration, MigrationSet } from '../src/types.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const config = defaultConfig(ROOT);

function fixtureSet(dir: string): MigrationSet {
  const migrations = orderAlembic(parseRevisions(ROOT, dir, config));
  return { dir, format: 'alembic', migrations, deleted: [], baseNames: null };
}

/** A set of revision files written in memory: each entry is `[name, revision, down_revision literal]`. */
function memorySet(entries: [string, string, string][]): MigrationSet {
  const migrations = entries.map(([name, revision, down]) =>
    parseAlembicFile(
      {
        absPath: `/p/versions/${name}.py`,
        relPath: `versions/${name}.py`,
        dir: 'versions',
        text: `revision = "${revision}"\ndown_revision = ${down}\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n`,
      },
      config,
    ),
  );
  return {
    dir: 'versions',
    format: 'alembic',
    migrations: orderAlembic(migrations),
    deleted: [],
    baseNames: null,
  };
}

describe('lintAlembic', () => {
  it('finds nothing wrong in the fixture project', () => {
    expect(lintAlembic(fixtureSet('fixtures/alembic/project/migrations/versions'), config)).toEqual([]);
  });

  it('reports a down_revision that names no revision, at its line', () => {
    const findings = lintAlembic(fixtureSet('fixtures/alembic/broken-chain'), config);
    // The detached chain's head is not reported again as a second head.
    expect(findings).toEqual([
      {
        rule: 'alembic-broken-chain',
        severity: 'error',
        migration: '202610030800_add_account_limits',
        path: 'fixtures/alembic/broken-chain/202610030800_add_account_limits.py',
        line: 10,
        message:
          "down_revision '0f0f0f0f0f0f' of '202610030800_add_account_limits' names no revision in fixtures/alembic/broken-chain; the chain is broken here",
      },
    ]);
  });

  it('reports more than one head and names every head', () => {
    const findings = lintAlembic(fixtureSet('fixtures/alembic/multiple-heads'), config);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'alembic-multiple-heads',
      severity: 'error',
      migration: '202610020900_add_order_totals',
      path: 'fixtures/alembic/multiple-heads/202610020900_add_order_totals.py',
      line: 10,
    });
    expect(findings[0]!.message).toMatchInlineSnapshot(
      `"2 head revisions: 5e6f7a8b9ca0 (202610020800_add_order_notes), 6f7a8b9cadb0 (202610020900_add_order_totals); the history must be one line: rebase the newest revision onto the other head (set its down_revision) or add a merge revision ('alembic merge heads')"`,
    );
  });

  it('accepts a merge revision that joins two branches into one head', () => {
    const set = memorySet([
      ['1_root', 'a', 'None'],
      ['2_left', 'b', '"a"'],
      ['3_right', 'c', '"a"'],
      ['4_merge', 'd', '("b", "c")'],
    ]);
    expect(lintAlembic(set, config)).toEqual([]);
  });

  it('reports more than one root', () => {
    const findings = lintAlembic(
      memorySet([
        ['1_a', 'a', 'None'],
        ['2_b', 'b', 'None'],
        ['3_c', 'c', '("a", "b")'],
      ]),
      config,
    );
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'alembic-broken-chain',
        migration: '2_b',
        line: 2,
        message:
          '2 root revisions (down_revision = None): a (1_a), b (2_b); only the first revision may have no parent: set down_revision of the others',
      }),
    ]);
  });

  it('reports a cycle and a self-reference', () => {
    const findings = lintAlembic(
      memorySet([
        ['1_root', 'a', 'None'],
        ['2_x', 'x', '("a", "y")'],
        ['3_y', 'y', '"x"'],
        ['4_self', 's', '"s"'],
      ]),
      config,
    );
    expect(
      findings.filter((f) => f.rule === 'alembic-broken-chain').map((f) => [f.migration, f.message]),
    ).toEqual([
      ['2_x', 'the revisions x (2_x), y (3_y) form a cycle through their down_revision'],
      ['4_self', "'4_self' names itself as its down_revision"],
    ]);
  });

  it('reports two files declaring the same revision', () => {
    const findings = lintAlembic(
      memorySet([
        ['1_a', 'a', 'None'],
        ['2_b', 'a', '"a"'],
      ]),
      config,
    );
    expect(findings.map((f) => [f.rule, f.migration, f.line])).toContainEqual([
      'alembic-broken-chain',
      '2_b',
      1,
    ]);
  });

  it('ignores other formats', () => {
    const set = fixtureSet('fixtures/alembic/multiple-heads');
    expect(lintAlembic({ ...set, format: 'sql' }, config)).toEqual([]);
  });

  it('does not count a file whose down_revision cannot be read as a root', () => {
    const set = memorySet([
      ['1_a', 'a', 'None'],
      ['2_b', 'b', 'parent_of("b")'],
    ]);
    const m = set.migrations.find((x: Migration) => x.name === '2_b')!;
    expect(m.parseProblems).toHaveLength(1);
    expect(lintAlembic(set, config).filter((f) => f.rule === 'alembic-broken-chain')).toEqual([]);
  });
});
