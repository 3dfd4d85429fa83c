import { describe, expect, it } from 'vitest';
import { lintDowngrade } from '../src/lint/downgrade.js';
import { lintFixture, migration, pairs, set, waiver } from './helpers/migration.js';

describe('down-missing', () => {
  it('reports a pair without a down file at the up file', () => {
    const findings = lintDowngrade(
      set([migration('202611010000_a', { down: null }), migration('202611010001_b')]),
    );
    expect(findings).toEqual([
      {
        rule: 'down-missing',
        severity: 'error',
        migration: '202611010000_a',
        path: 'migrations/202611010000_a.up.sql',
        message: expect.any(String),
      },
    ]);
    expect(findings[0]!.message).toMatchInlineSnapshot(
      `"'202611010000_a' has no downgrade; write one that undoes the upgrade, or add a comment line 'downgrade-waiver: owner=@team; rationale=why it cannot be undone'"`,
    );
  });

  it('reports an empty .down.sql at that file, line 1', () => {
    const m = migration('202611010000_a');
    m.down = { path: 'migrations/202611010000_a.down.sql', text: '  \n\n', startLine: 1, empty: true };
    const [finding] = lintDowngrade(set([m]));
    expect(finding).toMatchObject({
      rule: 'down-missing',
      path: 'migrations/202611010000_a.down.sql',
      line: 1,
    });
    expect(finding!.message).toContain('has an empty downgrade');
  });

  it('does not call a .down.sql that exists but cannot be read missing: its parse-error says why', () => {
    const m = migration('202611010000_a', {
      down: null,
      parseProblems: [
        {
          path: 'migrations/202611010000_a.down.sql',
          line: null,
          message: 'cannot read the file: permission denied (EACCES)',
        },
      ],
    });
    expect(lintDowngrade(set([m]))).toEqual([]);
    // A problem of the up file itself does not excuse a missing down file.
    m.parseProblems[0]!.path = m.path;
    expect(pairs(lintDowngrade(set([m])))).toEqual(['down-missing 202611010000_a']);
  });

  it('reports an empty down section of a marker file at its marker line', () => {
    const path = 'migrations/202611010000_a.sql';
    const m = migration('202611010000_a', {
      path,
      files: [path],
      dialect: 'dbmate',
      down: { path, text: '\n-- nothing\n', startLine: 5, empty: true },
    });
    const [finding] = lintDowngrade(set([m]));
    expect(finding).toMatchObject({ rule: 'down-missing', path, line: 4 });
    expect(finding!.message).toContain('has an empty downgrade');
  });

  it('needs no downgrade for an Alembic merge revision that does nothing, but does for one that does', () => {
    const path = 'versions/202611010000_merge.py';
    const pass = { path, text: 'pass', startLine: 9, empty: true };
    const merge = (up: typeof pass, downRevisions: string[]) =>
      migration('202611010000_merge', {
        path,
        files: [path],
        format: 'alembic',
        dialect: null,
        up,
        down: pass,
        alembic: { revision: 'c3', downRevisions, branchLabels: [], dependsOn: [] },
      });
    expect(lintDowngrade(set([merge({ ...pass, startLine: 5 }, ['a1', 'b2'])]))).toEqual([]);
    const working = {
      path,
      text: "op.add_column('t', sa.Column('x', sa.Integer()))",
      startLine: 5,
      empty: false,
    };
    expect(lintDowngrade(set([merge(working, ['a1', 'b2'])])).map((f) => f.rule)).toEqual(['down-missing']);
    expect(lintDowngrade(set([merge({ ...pass, startLine: 5 }, ['a1'])])).map((f) => f.rule)).toEqual([
      'down-missing',
    ]);
  });

  it('accepts a complete waiver instead of a down, and skips unchanged history', () => {
    const m = migration('202611010000_a', { down: null });
    m.waiver = waiver(m, { owner: '@payments', rationale: 'backfill cannot be undone' });
    const old = migration('202601010000_old', { down: null, change: 'unchanged' });
    expect(lintDowngrade(set([m, old]))).toEqual([]);
  });
});

describe('waiver-incomplete', () => {
  it('names the missing field at the waiver line and still reports the missing down', () => {
    const noOwner = migration('202611010000_a', { down: null });
    noOwner.waiver = waiver(noOwner, { rationale: 'too big', ticket: 'OPS-1' }, 7);
    const noRationale = migration('202611010001_b');
    noRationale.waiver = waiver(noRationale, { owner: '@x', rationale: '' }, 3);
    const neither = migration('202611010002_c', { down: null });
    neither.waiver = waiver(neither, {});

    const findings = lintDowngrade(set([noOwner, noRationale, neither]));
    expect(pairs(findings)).toEqual([
      'waiver-incomplete 202611010000_a',
      'down-missing 202611010000_a',
      'waiver-incomplete 202611010001_b',
      'waiver-incomplete 202611010002_c',
      'down-missing 202611010002_c',
    ]);
    expect(findings[0]).toMatchObject({
      path: 'migrations/202611010000_a.up.sql',
      line: 7,
      severity: 'error',
    });
    expect(findings.filter((f) => f.rule === 'waiver-incomplete').map((f) => f.message))
      .toMatchInlineSnapshot(`
      [
        "the downgrade waiver of '202611010000_a' lacks owner (expected downgrade-waiver: owner=@team; rationale=why it cannot be undone)",
        "the downgrade waiver of '202611010001_b' lacks rationale (expected downgrade-waiver: owner=@team; rationale=why it cannot be undone)",
        "the downgrade waiver of '202611010002_c' lacks owner and rationale (expected downgrade-waiver: owner=@team; rationale=why it cannot be undone)",
      ]
    `);
    expect(findings[1]!.message).toContain('and its waiver is incomplete');
  });
});

describe('downgrade fixtures through discovery', () => {
  it('down-missing: an up file without its .down.sql', async () => {
    const findings = await lintFixture('down-missing');
    expect(pairs(findings)).toEqual(['down-missing 202611021015_add_customer_email']);
    expect(findings[0]).toMatchObject({ path: 'down-missing/202611021015_add_customer_email.up.sql' });
    expect(findings[0]!.line).toBeUndefined();
  });

  it('down-empty: a dbmate down section holding only a comment, at its marker line', async () => {
    const findings = await lintFixture('down-empty');
    expect(pairs(findings)).toEqual(['down-missing 202611021015_add_customer_email']);
    expect(findings[0]).toMatchObject({ path: 'down-empty/202611021015_add_customer_email.sql', line: 5 });
    expect(findings[0]!.message).toContain('an empty downgrade');
  });

  it('waiver-complete: no finding for a waived migration without a down', async () => {
    expect(await lintFixture('waiver-complete')).toEqual([]);
  });

  it('waiver-incomplete: names the missing rationale at the waiver line and keeps down-missing', async () => {
    const findings = await lintFixture('waiver-incomplete');
    expect(findings.map((f) => `${f.rule} ${f.migration} ${f.line ?? '-'}`)).toEqual([
      'down-missing 202611021015_drop_legacy_code -',
      'waiver-incomplete 202611021015_drop_legacy_code 3',
    ]);
    expect(findings[1]!.message).toContain('lacks rationale');
  });
});
