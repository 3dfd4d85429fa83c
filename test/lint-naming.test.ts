import { describe, expect, it } from 'vitest';
import { NAMING_PRESETS } from '../src/config/defaults.js';
import { describeNamingPattern, lintNaming } from '../src/lint/naming.js';
import { lintFixture, migration, pairs, set, testConfig } from './helpers/migration.js';

describe('name-format', () => {
  it('reports a name that does not match the default pattern, at line 1 of the up file', () => {
    const findings = lintNaming(
      set([migration('2026-11-21_add x'), migration('202611211400_ok')]),
      testConfig(),
    );
    expect(findings).toEqual([
      {
        rule: 'name-format',
        severity: 'error',
        migration: '2026-11-21_add x',
        path: 'migrations/2026-11-21_add x.up.sql',
        line: 1,
        message: expect.any(String),
      },
    ]);
    expect(findings[0]!.message).toMatchInlineSnapshot(
      `"name '2026-11-21_add x' does not match the naming pattern utc-minute (<YYYYMMDDHHMM>_<slug>, slug [a-z0-9_])"`,
    );
  });

  it('rejects upper case, double underscores and second-precision names under utc-minute', () => {
    const names = ['202611211400_Add', '202611211400_a__b', '20261121140000_a', '202611211400_'];
    expect(pairs(lintNaming(set(names.map((n) => migration(n))), testConfig()))).toEqual(
      names.map((n) => `name-format ${n}`),
    );
  });

  it('names a custom regex by its source and a preset by its form', () => {
    const config = testConfig({
      namingPattern: /^V(?<version>\d+)__(?<slug>\w+)$/,
      namingPatternSource: 'custom',
    });
    const [finding] = lintNaming(set([migration('202611211400_x')]), config);
    expect(finding!.message).toMatchInlineSnapshot(
      `"name '202611211400_x' does not match the naming pattern /^V(?<version>\\d+)__(?<slug>\\w+)$/; 'utc-minute' reads it: set naming-pattern: utc-minute in .migration-gate.yml, or pass --naming-pattern utc-minute"`,
    );
    expect(
      describeNamingPattern(
        testConfig({
          namingPattern: new RegExp(NAMING_PRESETS.sequelize!),
          namingPatternSource: 'sequelize',
        }),
      ),
    ).toBe('sequelize (<YYYYMMDDHHMMSS>-<slug>, slug [a-z0-9-])');
  });

  describe('names the preset that reads the directory, and how to set it', () => {
    /** The hint of the first `name-format` finding for a directory of `names`, the last one added. */
    function hintFor(names: string[]): string {
      const migrations = names.map((n, i) =>
        migration(n, { change: i === names.length - 1 ? 'added' : 'unchanged' }),
      );
      const findings = lintNaming(set(migrations, { dir: 'db/migrations' }), testConfig());
      expect(findings.map((f) => f.rule)).toEqual(['name-format']);
      return findings[0]!.message.slice(findings[0]!.message.indexOf(';') + 2);
    }

    it('utc-second for 14-digit dbmate and golang-migrate names (not sequential, which reads them too)', () => {
      expect(
        hintFor(['20240105104512_create_users', '20240106090000_add_email', '20240107120000_add_index']),
      ).toBe(
        "'utc-second' reads it (and 3 of the 3 names in db/migrations): set naming-pattern: utc-second in .migration-gate.yml, or pass --naming-pattern utc-second",
      );
    });

    it('sequential for numbered names', () => {
      expect(hintFor(['0001_init', '0002_add_users'])).toMatch(
        /^'sequential' reads it \(and 2 of the 2 names in db\/migrations\): set naming-pattern: sequential in \.migration-gate\.yml, or pass --naming-pattern sequential$/,
      );
    });

    it('sequelize for its dash-separated names', () => {
      expect(hintFor(['20160619080644-create-users', '20160620080644-add-index'])).toMatch(
        /^'sequelize' reads it .*--naming-pattern sequelize$/,
      );
    });

    it("diesel for diesel's dated names and its setup migration", () => {
      expect(
        hintFor([
          '00000000000000_diesel_initial_setup',
          '2019-02-26-002946_create_users',
          '2019-03-01-101010_add_x',
        ]),
      ).toMatch(/^'diesel' reads it \(and 3 of the 3 names in db\/migrations\): .*--naming-pattern diesel$/);
    });

    it('the preset that reads most of the directory when several read the name', () => {
      // Sequential numbers read all four names, utc-second only the 14-digit ones.
      expect(hintFor(['0001_init', '0002_users', '20240105104512_orders', '20240106104512_items'])).toMatch(
        /^'sequential' reads it \(and 4 of the 4 names/,
      );
    });

    it('no hint when no preset reads the name', () => {
      const [finding] = lintNaming(set([migration('Add Users')]), testConfig());
      expect(finding!.message).not.toContain(';');
    });
  });

  it('leaves unchanged history alone', () => {
    expect(lintNaming(set([migration('Legacy', { change: 'unchanged' })]), testConfig())).toEqual([]);
  });
});

describe('name-timestamp', () => {
  it('reports month 13 and 31 February', () => {
    const findings = lintNaming(
      set([migration('202613011200_x'), migration('202602311200_y')]),
      testConfig(),
    );
    expect(pairs(findings)).toEqual(['name-timestamp 202613011200_x', 'name-timestamp 202602311200_y']);
    expect(findings[0]!.message).toMatchInlineSnapshot(
      `"timestamp 202613011200 of '202613011200_x' is not a real UTC date-time (expected YYYYMMDDHHMM, or YYYYMMDDHHMMSS to the second)"`,
    );
  });

  it('reports a timestamp beyond the clock skew, not one within it', () => {
    // now is 14:30; the skew is 300 s.
    const findings = lintNaming(
      set([migration('202611211435_within'), migration('202611211436_beyond')]),
      testConfig(),
    );
    expect(pairs(findings)).toEqual(['name-timestamp 202611211436_beyond']);
    expect(findings[0]!.message).toMatchInlineSnapshot(
      `"timestamp 202611211436 of '202611211436_beyond' lies in the future (2026-11-21 14:36 UTC, now 2026-11-21 14:30 UTC); name it with the current UTC time"`,
    );
    expect(
      pairs(lintNaming(set([migration('209901010000_far')]), testConfig({ clockSkewSec: 86400 }))),
    ).toEqual(['name-timestamp 209901010000_far']);
  });

  it('does not read a version group as a date', () => {
    const config = testConfig({
      namingPattern: new RegExp(NAMING_PRESETS.sequential!),
      namingPatternSource: 'sequential',
    });
    expect(lintNaming(set([migration('999999999999_x'), migration('0001_y')]), config)).toEqual([]);
  });
});

describe('name-duplicate', () => {
  it('reports each but the first of a version, naming the first', () => {
    const ms = [migration('202611211400_a'), migration('202611211400_b'), migration('202611211400_c')];
    const findings = lintNaming(set(ms), testConfig());
    expect(pairs(findings)).toEqual(['name-duplicate 202611211400_b', 'name-duplicate 202611211400_c']);
    expect(findings[0]!.message).toMatchInlineSnapshot(
      `"'202611211400_b' has the same version as '202611211400_a' (migrations/202611211400_a.up.sql); give it a version of its own"`,
    );
  });

  it('keeps the unchanged migration first and reports the new one', () => {
    const ms = [migration('202611211400_a'), migration('202611211400_b', { change: 'unchanged' })];
    const findings = lintNaming(set(ms), testConfig());
    expect(pairs(findings)).toEqual(['name-duplicate 202611211400_a']);
    expect(findings[0]!.message).toContain("same version as '202611211400_b'");
  });

  it('compares sequential versions numerically (007 = 7)', () => {
    const config = testConfig({
      namingPattern: new RegExp(NAMING_PRESETS.sequential!),
      namingPatternSource: 'sequential',
    });
    expect(pairs(lintNaming(set([migration('7_a'), migration('007_b'), migration('8_c')]), config))).toEqual([
      'name-duplicate 7_a',
    ]);
  });
});

describe('naming fixtures through discovery', () => {
  it('name-format: reports only the misnamed migration', async () => {
    const findings = await lintFixture('name-format');
    expect(pairs(findings)).toEqual(['name-format 2026-11-02_Add-Invoices']);
    expect(findings[0]).toMatchObject({ path: 'name-format/2026-11-02_Add-Invoices.up.sql', line: 1 });
  });

  it('name-timestamp: month 13 and a far-future timestamp', async () => {
    const findings = await lintFixture('name-timestamp');
    expect(pairs(findings)).toEqual([
      'name-timestamp 202613011200_month_thirteen',
      'name-timestamp 209901010000_far_future',
    ]);
    expect(findings[1]!.message).toContain('lies in the future (2099-01-01 00:00 UTC');
  });

  it('name-duplicate: reports the second of two migrations sharing a version', async () => {
    const findings = await lintFixture('name-duplicate');
    expect(pairs(findings)).toEqual(['name-duplicate 202611010900_create_invoices']);
    expect(findings[0]!.message).toContain("'202611010900_create_customers'");
  });
});
