import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import type { GateConfig } from '../src/config/types.js';
import {
  buildReport,
  exitCodeFor,
  parseReport,
  requirementsInText,
  writeJsonReport,
  type BuildReportInput,
  type MigrationResult,
} from '../src/report/json.js';
import { addSecret, clearSecrets } from '../src/redact.js';
import { GateError, type Finding, type Migration, type MigrationSet } from '../src/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'gate-json-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function migration(name: string, overrides: Partial<Migration> = {}): Migration {
  const path = `migrations/${name}.sql`;
  return {
    name,
    version: name.slice(0, 12),
    slug: name.slice(13),
    dir: 'migrations',
    path,
    files: [path],
    format: 'sql',
    dialect: 'dbmate',
    up: { path, text: 'create table t (id int);', startLine: 2, empty: false },
    down: { path, text: 'drop table t;', startLine: 5, empty: false },
    transaction: true,
    waiver: null,
    requirements: [],
    requirementsLine: null,
    change: 'added',
    previousPath: null,
    alembic: null,
    parseProblems: [],
    ...overrides,
  };
}

function set(migrations: Migration[], overrides: Partial<MigrationSet> = {}): MigrationSet {
  return { dir: 'migrations', format: 'sql', migrations, deleted: [], baseNames: [], ...overrides };
}

function config(overrides: Partial<GateConfig> = {}): GateConfig {
  return { ...defaultConfig('/repo'), ...overrides };
}

function input(overrides: Partial<BuildReportInput> = {}): BuildReportInput {
  return {
    command: 'check',
    base: 'main',
    baseSha: 'b'.repeat(40),
    headSha: 'a'.repeat(40),
    database: { provider: 'url', serverVersion: '15.8' },
    sets: [],
    findings: [],
    config: config(),
    durationMs: 1234.4,
    notes: [],
    ...overrides,
  };
}

function finding(rule: Finding['rule'], overrides: Partial<Finding> = {}): Finding {
  return { rule, severity: 'error', migration: null, path: null, message: rule, ...overrides };
}

describe('buildReport', () => {
  it('lists changed migrations, deleted ones with their base path, not unchanged ones', () => {
    const sets = [
      set(
        [
          migration('202601010000_old', { change: 'unchanged' }),
          migration('202601020000_edited', { change: 'modified' }),
          migration('202601030000_moved', {
            change: 'renamed',
            previousPath: 'migrations/202601030000_was.sql',
          }),
          migration('202611211430_add_invoice_index'),
        ],
        {
          deleted: [
            {
              name: '202601040000_gone',
              dir: 'migrations',
              path: 'migrations/202601040000_gone.sql',
              renamedTo: null,
            },
            {
              name: '202601030000_was',
              dir: 'migrations',
              path: 'migrations/202601030000_was.sql',
              renamedTo: 'migrations/202601030000_moved.sql',
            },
          ],
        },
      ),
    ];
    const report = buildReport(input({ sets }));
    expect(report.migrations.map((m) => [m.name, m.change, m.path])).toEqual([
      ['202601020000_edited', 'modified', 'migrations/202601020000_edited.sql'],
      ['202601030000_moved', 'renamed', 'migrations/202601030000_moved.sql'],
      ['202611211430_add_invoice_index', 'added', 'migrations/202611211430_add_invoice_index.sql'],
      ['202601040000_gone', 'deleted', 'migrations/202601040000_gone.sql'],
    ]);
    expect(report.migrations[3]).toMatchObject({
      format: 'sql',
      roundtrip: null,
      impact: null,
      waiver: null,
    });
  });

  it('lists every migration when there is no base', () => {
    const sets = [set([migration('202601010000_a', { change: 'unchanged' }), migration('202601020000_b')])];
    const report = buildReport(input({ base: null, baseSha: null, sets }));
    expect(report.migrations.map((m) => m.name)).toEqual(['202601010000_a', '202601020000_b']);
    expect(report.base).toBeNull();
  });

  it('takes requirements from the tag, else from the PR text, else none', () => {
    const sets = [
      set([
        migration('202601010000_tagged', { requirements: ['RL-101'], requirementsLine: 1 }),
        migration('202601020000_untagged'),
      ]),
    ];
    const withPr = buildReport(
      input({ sets, config: config({ pullRequestText: 'Invoices RL-204 and RL-205, again RL-204' }) }),
    );
    expect(withPr.migrations.map((m) => [m.requirements, m.requirementsSource])).toEqual([
      [['RL-101'], 'tag'],
      [['RL-204', 'RL-205'], 'pull-request'],
    ]);
    const withoutPr = buildReport(input({ sets }));
    expect(withoutPr.migrations[1]).toMatchObject({ requirements: [], requirementsSource: 'none' });
    // The PR's own IDs are kept for the coverage section, and survive the round trip through JSON.
    expect(withPr.meta.pullRequestRequirements).toEqual(['RL-204', 'RL-205']);
    expect(parseReport(JSON.stringify(withPr), 'r.json').meta.pullRequestRequirements).toEqual([
      'RL-204',
      'RL-205',
    ]);
    expect(withoutPr.meta).not.toHaveProperty('pullRequestRequirements');
  });

  it('shows a complete waiver with all its fields, an incomplete one as null', () => {
    const waived = migration('202601010000_backfill', {
      down: null,
      waiver: {
        owner: '@payments-team',
        rationale: 'backfill rewrites 40M rows; cannot be undone',
        fields: {
          owner: '@payments-team',
          rationale: 'backfill rewrites 40M rows; cannot be undone',
          ticket: 'PAY-9',
        },
        path: 'migrations/202601010000_backfill.sql',
        line: 3,
      },
    });
    const incomplete = migration('202601020000_half', {
      waiver: { owner: '@x', rationale: null, fields: { owner: '@x' }, path: 'p', line: 1 },
    });
    const report = buildReport(input({ sets: [set([waived, incomplete])] }));
    expect(report.migrations[0]?.waiver).toEqual({
      owner: '@payments-team',
      rationale: 'backfill rewrites 40M rows; cannot be undone',
      ticket: 'PAY-9',
    });
    expect(report.migrations[1]?.waiver).toBeNull();
  });

  it('attaches round-trip results and impact by path', () => {
    const m = migration('202601010000_a');
    const results = new Map<string, MigrationResult>([
      [
        m.path,
        {
          roundtrip: {
            up: { status: 'pass', ms: 12 },
            down: { status: 'pass', ms: 8 },
            reup: { status: 'pass', ms: 10 },
          },
          impact: { added: ['table public.t'], removed: [], changed: [] },
          waived: false,
        },
      ],
    ]);
    const report = buildReport(input({ sets: [set([m])], results }));
    expect(report.migrations[0]?.roundtrip?.down).toEqual({ status: 'pass', ms: 8 });
    expect(report.migrations[0]?.impact?.added).toEqual(['table public.t']);
  });

  it('gives a down that did not restore the schema, and a re-up that differs, the status mismatch', () => {
    const m = migration('202601010000_a');
    const other = migration('202601010100_b');
    const pass = { status: 'pass', ms: 5 } as const;
    const results = new Map<string, MigrationResult>(
      [m, other].map((x) => [
        x.path,
        { roundtrip: { up: pass, down: pass, reup: pass }, impact: null, waived: false },
      ]),
    );
    const findings = [
      finding('down-mismatch', { migration: m.name, path: m.path }),
      finding('reup-mismatch', { migration: m.name, path: m.path }),
    ];
    const report = buildReport(input({ sets: [set([m, other])], results, findings }));
    expect(report.migrations[0]?.roundtrip).toEqual({
      up: pass,
      down: { status: 'mismatch', ms: 5 },
      reup: { status: 'mismatch', ms: 5 },
    });
    // Another migration's finding does not mark this one.
    expect(report.migrations[1]?.roundtrip).toEqual({ up: pass, down: pass, reup: pass });
    // A stored report with the new status reads back.
    expect(parseReport(JSON.stringify(report), 'r.json').migrations[0]?.roundtrip?.down.status).toBe(
      'mismatch',
    );
  });

  it('fails on errors, passes on warnings unless fail-on is warning', () => {
    const warning = finding('requirement-missing', { severity: 'warning' });
    expect(buildReport(input({ findings: [warning] })).verdict).toBe('pass');
    expect(buildReport(input({ findings: [warning], config: config({ failOn: 'warning' }) })).verdict).toBe(
      'fail',
    );
    expect(buildReport(input({ findings: [warning, finding('order')] })).verdict).toBe('fail');
    expect(buildReport(input()).verdict).toBe('pass');
  });

  it('sorts findings the same way whatever order they come in', () => {
    const findings = [
      finding('order', { path: 'migrations/b.sql', line: 1 }),
      finding('baseline-drift'),
      finding('down-missing', { path: 'migrations/a.sql', line: 9 }),
      finding('name-format', { path: 'migrations/a.sql', line: 2 }),
      finding('down-failed', { path: 'migrations/a.sql', line: 2 }),
    ];
    const forward = buildReport(input({ findings }));
    const backward = buildReport(input({ findings: [...findings].reverse() }));
    expect(forward.findings).toEqual(backward.findings);
    expect(forward.findings.map((f) => f.rule)).toEqual([
      'down-failed',
      'name-format',
      'down-missing',
      'order',
      'baseline-drift',
    ]);
  });

  it('fills the stable fields and meta', () => {
    const report = buildReport(input({ command: 'lint', database: null, notes: ['embedded database'] }));
    expect(report).toEqual({
      version: 1,
      verdict: 'pass',
      base: 'main',
      database: null,
      migrations: [],
      findings: [],
      meta: {
        tool: 'migration-gate',
        command: 'lint',
        dirs: [],
        failOn: 'error',
        headSha: 'a'.repeat(40),
        baseSha: 'b'.repeat(40),
        durationMs: 1234,
        notes: ['embedded database'],
      },
    });
  });
});

describe('requirementsInText', () => {
  it('finds IDs with the configured pattern', () => {
    expect(requirementsInText('JIRA-1 and rl-2 and RL-3', /[A-Z][A-Z0-9]+-\d+/)).toEqual(['JIRA-1', 'RL-3']);
    expect(requirementsInText(null, /X-\d+/)).toEqual([]);
  });
});

describe('writeJsonReport and exitCodeFor', () => {
  it('writes indented JSON that reads back equal, creating folders', async () => {
    const report = buildReport(input({ findings: [finding('order')] }));
    const path = join(tmp, 'out', 'nested', 'report.json');
    await writeJsonReport(path, report);
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "verdict": "fail",\n');
    expect(JSON.parse(text)).toEqual(report);
    expect(exitCodeFor(report)).toBe(1);
    expect(exitCodeFor(buildReport(input()))).toBe(0);
  });

  it('names the file when it cannot write', async () => {
    const blocker = join(tmp, 'a-file');
    writeFileSync(blocker, 'x');
    const target = join(blocker, 'report.json');
    const error = await writeJsonReport(target, buildReport(input())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GateError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot write the JSON report to ${target}: `));
  });
});

describe('redaction', () => {
  afterAll(() => clearSecrets());

  it('removes registered secrets and URL passwords from every text of the report, in memory and on disk', async () => {
    const secret = 'r3dact-me-0123456789';
    addSecret(secret);
    const leaky = `connect as postgres://app:${secret}@db/app failed: ${secret}`;
    const report = buildReport(
      input({
        sets: [set([migration(`202601010000_a`)])],
        findings: [finding('up-failed', { message: leaky, details: [secret] })],
        notes: [`note ${secret}`],
      }),
    );
    expect(report.findings[0]).toMatchObject({
      message: 'connect as postgres://app:***@db/app failed: ***',
      details: ['***'],
    });
    expect(report.meta.notes).toEqual(['note ***']);
    expect(report.verdict).toBe('fail');
    // A report made elsewhere (not through buildReport) is redacted when written.
    const path = join(tmp, 'redacted.json');
    await writeJsonReport(path, { ...report, findings: [finding('up-failed', { message: leaky })] });
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).toContain('failed: ***');
  });
});

describe('parseReport', () => {
  it('reads back what buildReport made', () => {
    const m = migration('202601010000_a', { requirements: ['RL-1'] });
    const report = buildReport(
      input({ sets: [set([m])], findings: [finding('order', { path: m.path, line: 3 })] }),
    );
    expect(parseReport(JSON.stringify(report), 'report.json')).toEqual(report);
  });

  it('fills what older or foreign reports lack', () => {
    const minimal = {
      version: 1,
      verdict: 'pass',
      base: null,
      database: null,
      migrations: [
        {
          name: 'a',
          path: 'db/a.sql',
          format: 'sql',
          change: 'added',
          requirements: [],
          waiver: null,
          roundtrip: null,
          impact: null,
        },
      ],
      findings: [],
    };
    const report = parseReport(JSON.stringify(minimal), 'r.json');
    expect(report.migrations[0]).toMatchObject({ dir: 'db', requirementsSource: 'none' });
    expect(report.meta).toMatchObject({ command: 'report', headSha: null, dirs: [] });
  });

  it('names the file and the bad field', () => {
    expect(() => parseReport('{"version": 1,', 'out/report.json')).toThrow(
      /^out\/report\.json is not JSON: /,
    );
    const report = buildReport(input({ findings: [finding('order')] })) as unknown as Record<string, unknown>;
    const broken = { ...report, findings: [{ ...finding('order'), severity: 'fatal' }] };
    expect(() => parseReport(JSON.stringify(broken), 'r.json')).toThrow(
      /^r\.json is not a migration-gate report \(version 1\) at findings\.0\.severity: /,
    );
    expect(() => parseReport(JSON.stringify({ ...report, version: 2 }), 'r.json')).toThrow(GateError);
  });
});
