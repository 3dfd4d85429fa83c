import { describe, expect, it } from 'vitest';
import { lintRequirements, pullRequestRequirements } from '../src/lint/requirements.js';
import { lintFixture, migration, pairs, set, testConfig } from './helpers/migration.js';

const untagged = () => migration('202611010000_a', { requirements: [], requirementsLine: null });

describe('requirement-missing', () => {
  it('warns for a changed migration without a tag, not for a tagged or unchanged one', () => {
    const ms = [
      untagged(),
      migration('202611010001_b'),
      migration('202601010000_old', { requirements: [], requirementsLine: null, change: 'unchanged' }),
    ];
    const findings = lintRequirements(set(ms), testConfig(), []);
    expect(findings).toEqual([
      {
        rule: 'requirement-missing',
        severity: 'warning',
        migration: '202611010000_a',
        path: 'migrations/202611010000_a.up.sql',
        message: expect.any(String),
      },
    ]);
    expect(findings[0]!.message).toMatchInlineSnapshot(
      `"'202611010000_a' is mapped to no requirement; add a comment line 'requirements: <ID>' (IDs match /[A-Z][A-Z0-9]+-\\d+/) or name the ID in the pull request title or body"`,
    );
  });

  it('is an error under require-requirements', () => {
    const [finding] = lintRequirements(set([untagged()]), testConfig({ requireRequirements: true }), []);
    expect(finding!.severity).toBe('error');
  });

  it('points at a requirements line that names no ID', () => {
    const m = migration('202611010000_a', { requirements: [], requirementsLine: 3 });
    const [finding] = lintRequirements(set([m]), testConfig(), []);
    expect(finding).toMatchObject({ line: 3 });
    expect(finding!.message).toMatchInlineSnapshot(
      `"the requirements line of '202611010000_a' names no ID matching /[A-Z][A-Z0-9]+-\\d+/"`,
    );
  });

  it('is satisfied by IDs in the pull request text', () => {
    const config = testConfig({
      pullRequestText: 'Add invoices (RL-101, RL-101, and ops-3)\n\nAlso RL-204.',
    });
    expect(pullRequestRequirements(config)).toEqual(['RL-101', 'RL-204']);
    expect(lintRequirements(set([untagged()]), config, pullRequestRequirements(config))).toEqual([]);
    const none = testConfig({ pullRequestText: 'no ids here' });
    expect(pairs(lintRequirements(set([untagged()]), none, pullRequestRequirements(none)))).toEqual([
      'requirement-missing 202611010000_a',
    ]);
  });

  it('honours a custom requirement pattern', () => {
    const config = testConfig({ requirementPattern: /#\d+/, pullRequestText: 'fixes #42' });
    expect(pullRequestRequirements(config)).toEqual(['#42']);
  });
});

describe('requirement-missing fixture through discovery', () => {
  it('warns for the untagged migration only; an error under require-requirements; none with a PR ID', async () => {
    const warned = await lintFixture('requirement-missing');
    expect(warned.map((f) => `${f.rule} ${f.migration} ${f.severity}`)).toEqual([
      'requirement-missing 202611021015_add_customer_email warning',
    ]);
    const strict = await lintFixture('requirement-missing', { requireRequirements: true });
    expect(strict.map((f) => `${f.rule} ${f.severity}`)).toEqual(['requirement-missing error']);
    expect(await lintFixture('requirement-missing', { pullRequestText: 'Add email (RL-150)' })).toEqual([]);
  });
});
