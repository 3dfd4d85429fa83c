import { parsers } from 'prettier/plugins/markdown';
import { describe, expect, it } from 'vitest';
import { commentMarker, COMMENT_LIMIT, formatDuration, renderMarkdown } from '../src/report/markdown.js';
import type { Finding, Report, ReportMigration } from '../src/types.js';

interface Node {
  type: string;
  value?: string;
  url?: string;
  lang?: string;
  children?: Node[];
}

async function parse(markdown: string): Promise<Node> {
  return (await parsers.markdown.parse(markdown, {} as Parameters<typeof parsers.markdown.parse>[1])) as Node;
}

function nodes(root: Node): Node[] {
  return [root, ...(root.children ?? []).flatMap(nodes)];
}

function text(root: Node): string {
  return nodes(root)
    .filter((n) => n.type === 'text' || n.type === 'inlineCode')
    .map((n) => n.value ?? '')
    .join('')
    .replace(/\u200D/g, '');
}

const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const BASE = 'ffeeddccbbaa99887766554433221100ffeeddcc';
const REPO = 'https://github.com/acme/shop';

function row(name: string, overrides: Partial<ReportMigration> = {}): ReportMigration {
  return {
    name,
    path: `migrations/${name}.sql`,
    format: 'sql',
    change: 'added',
    requirements: ['RL-101'],
    requirementsSource: 'tag',
    waiver: null,
    roundtrip: {
      up: { status: 'pass', ms: 12 },
      down: { status: 'pass', ms: 8 },
      reup: { status: 'pass', ms: 1500 },
    },
    impact: { added: ['index public.invoice_customer_idx'], removed: [], changed: [] },
    dir: 'migrations',
    ...overrides,
  };
}

function report(overrides: Partial<Report> = {}, meta: Partial<Report['meta']> = {}): Report {
  return {
    version: 1,
    verdict: 'pass',
    base: 'main',
    database: { provider: 'container', serverVersion: '17.2' },
    migrations: [row('202611211430_add_invoice_index')],
    findings: [],
    meta: {
      tool: 'migration-gate',
      command: 'check',
      dirs: ['migrations'],
      failOn: 'error',
      headSha: HEAD,
      baseSha: BASE,
      durationMs: 4200,
      notes: [],
      ...meta,
    },
    ...overrides,
  };
}

function mismatch(name: string, lines: number): Finding {
  return {
    rule: 'down-mismatch',
    severity: 'error',
    migration: name,
    path: `migrations/${name}.sql`,
    line: 12,
    message: 'the schema after down differs from the schema before up',
    details: Array.from({ length: lines }, (_, i) => `- column public.t.c${i} integer not null`),
  };
}

describe('renderMarkdown', () => {
  it('starts with the marker, then the verdict, SHAs and database', () => {
    const md = renderMarkdown(report(), { repoUrl: REPO, marker: 'migrations' });
    const lines = md.split('\n');
    expect(lines[0]).toBe('<!-- migration-gate:migrations -->');
    expect(lines[1]).toBe('### ✅ Migration gate passed');
    expect(md).toContain(`[\`${BASE.slice(0, 7)}\`](${REPO}/commit/${BASE})`);
    expect(md).toContain(`[\`${HEAD.slice(0, 7)}\`](${REPO}/commit/${HEAD})`);
    expect(md).toContain('**Database:** PostgreSQL 17.2 (container)');
    expect(renderMarkdown(report({ verdict: 'fail' })).split('\n')[0]).toBe('### ❌ Migration gate failed');
  });

  it('renders one table row per migration with link, timings, impact and waiver', async () => {
    const waived = row('202611211500_backfill', {
      requirements: ['RL-204'],
      requirementsSource: 'pull-request',
      waiver: {
        owner: '@payments-team',
        rationale: 'backfill rewrites 40M rows; cannot be undone',
        ticket: 'PAY-9',
      },
      roundtrip: {
        up: { status: 'pass', ms: 40 },
        down: { status: 'skipped', ms: 0 },
        reup: { status: 'skipped', ms: 0 },
      },
      impact: { added: [], removed: [], changed: [] },
    });
    const failed = row('202611211600_broken', {
      roundtrip: {
        up: { status: 'fail', ms: 3 },
        down: { status: 'skipped', ms: 0 },
        reup: { status: 'skipped', ms: 0 },
      },
      impact: null,
    });
    const findings: Finding[] = [
      {
        rule: 'up-failed',
        severity: 'error',
        migration: failed.name,
        path: failed.path,
        line: 3,
        message: 'boom',
      },
      {
        rule: 'name-format',
        severity: 'error',
        migration: failed.name,
        path: failed.path,
        message: 'bad name',
      },
      {
        rule: 'requirement-missing',
        severity: 'warning',
        migration: failed.name,
        path: failed.path,
        message: 'x',
      },
    ];
    const md = renderMarkdown(
      report({ migrations: [row('202611211430_add_invoice_index'), waived, failed], findings }),
      {
        repoUrl: REPO,
      },
    );
    const root = await parse(md);
    const rows = nodes(root).filter((n) => n.type === 'tableRow');
    expect(rows.slice(0, 4).map((r) => r.children?.length)).toEqual([9, 9, 9, 9]);
    const cells = (r: Node) => (r.children ?? []).map((c) => text(c));
    expect(cells(rows[0]!)).toEqual([
      'Migration',
      'Change',
      'Requirements',
      'Lint',
      'Up',
      'Down',
      'Re-up',
      'Impact',
      'Waiver',
    ]);
    expect(cells(rows[1]!)).toEqual([
      '202611211430_add_invoice_index',
      'added',
      'RL-101',
      '✓',
      '✅ 12 ms',
      '✅ 8 ms',
      '✅ 1.5 s',
      '+1 −0 ~0+ index public.invoice_customer_idx',
      '—',
    ]);
    expect(cells(rows[2]!)).toEqual([
      '202611211500_backfill',
      'added',
      'RL-204 (PR)',
      '✓',
      '✅ 40 ms',
      '⏭️ waived',
      '⏭️ waived',
      'none',
      '@payments-team: backfill rewrites 40M rows; cannot be undoneticket=PAY-9',
    ]);
    expect(cells(rows[3]!).slice(3, 8)).toEqual(['❌ 1 ⚠️ 1', '❌ 3 ms', '⏭️ skipped', '⏭️ skipped', '—']);
    const link = nodes(rows[1]!).find((n) => n.type === 'link');
    expect(link?.url).toBe(`${REPO}/blob/${HEAD}/migrations/202611211430_add_invoice_index.sql`);
  });

  it('lists findings with path:line links, errors first, and a collapsed diff per mismatch', async () => {
    const name = '202611211430_add_invoice_index';
    const findings: Finding[] = [
      {
        rule: 'requirement-missing',
        severity: 'warning',
        migration: name,
        path: null,
        message: 'no requirement',
      },
      mismatch(name, 2),
    ];
    const md = renderMarkdown(report({ verdict: 'fail', findings }), {
      repoUrl: REPO,
      pathPrefix: './services/api/',
    });
    const root = await parse(md);
    const items = nodes(root).filter((n) => n.type === 'listItem');
    expect(items.map((i) => text(i))).toEqual([
      `❌ down-mismatch migrations/${name}.sql:12 ${name}: the schema after down differs from the schema before up`,
      `⚠️ requirement-missing ${name}: no requirement`,
    ]);
    const link = nodes(items[0]!).find((n) => n.type === 'link');
    expect(link?.url).toBe(`${REPO}/blob/${HEAD}/services/api/migrations/${name}.sql#L12`);
    const html = nodes(root)
      .filter((n) => n.type === 'html')
      .map((n) => n.value);
    expect(html).toContain(
      `<details><summary>${name}: Schema after down differs from before up (2 differences)</summary>`,
    );
    const code = nodes(root).find((n) => n.type === 'code');
    expect(code).toMatchObject({ lang: 'diff', value: mismatch(name, 2).details!.join('\n') });
  });

  it('links deleted migrations at the base commit', () => {
    const gone = row('202601010000_gone', {
      change: 'deleted',
      roundtrip: null,
      impact: null,
      requirements: [],
    });
    const md = renderMarkdown(
      report({
        migrations: [gone],
        findings: [
          {
            rule: 'history-deleted',
            severity: 'error',
            migration: gone.name,
            path: gone.path,
            message: 'a migration of the base branch was deleted',
          },
        ],
      }),
      { repoUrl: REPO },
    );
    expect(md).toContain(`(${REPO}/blob/${BASE}/migrations/202601010000_gone.sql)`);
    expect(md).not.toContain(`${HEAD}/migrations/202601010000_gone.sql`);
  });

  it('maps requirements to migrations and names the unmapped ones', async () => {
    const md = renderMarkdown(
      report({
        migrations: [
          row('202601010000_a', { requirements: ['RL-2', 'RL-1'] }),
          row('202601020000_b', { requirements: ['RL-1'] }),
          row('202601030000_c', { requirements: [], requirementsSource: 'none' }),
        ],
      }),
    );
    const section = md.slice(md.indexOf('### Requirements'));
    const root = await parse(section);
    const rows = nodes(root)
      .filter((n) => n.type === 'tableRow')
      .map((r) => (r.children ?? []).map((c) => text(c)));
    expect(rows).toEqual([
      ['Requirement', 'Migrations'],
      ['RL-1', '202601010000_a, 202601020000_b'],
      ['RL-2', '202601010000_a'],
    ]);
    expect(section).toContain('Not mapped to a requirement: `202601030000_c`');
  });

  it('says "not run" for the round-trip columns of a lint report', () => {
    const md = renderMarkdown(report({ database: null }, { command: 'lint' }));
    expect(md).toContain('| not run | not run | not run | not run |');
    expect(md).toContain('**Database:** not used (lint only)');
    expect(md).not.toContain('✅ 12 ms');
  });

  it('escapes hostile names, messages, waivers and notes', async () => {
    const hostile = '<img src=x onerror=alert(1)>@octocat**bold**| pipe |[link](http://evil)`#123';
    const m = row(hostile, {
      path: `migrations/${hostile}.sql`,
      requirements: [],
      waiver: { owner: '@octocat', rationale: hostile },
      impact: { added: [`index public.${hostile}`], removed: [], changed: [] },
    });
    const findings: Finding[] = [{ ...mismatch(hostile, 1), message: hostile, details: [hostile, '```'] }];
    const md = renderMarkdown(
      report({ verdict: 'fail', migrations: [m], findings, base: hostile }, { notes: [hostile] }),
      {
        repoUrl: REPO,
      },
    );
    const root = await parse(md);
    // Outside code (where GitHub neither renders markup nor links mentions) no text may mention or link.
    for (const node of nodes(root).filter((n) => n.type === 'text')) {
      expect(node.value).not.toMatch(/@octocat|#123|http:\/\/evil/);
    }
    const html = nodes(root)
      .filter((n) => n.type === 'html')
      .map((n) => n.value ?? '');
    for (const tag of html) {
      expect(tag).toMatch(/^(<\/?(code|sub|br|details)>|<br>|<details><summary>[^<>]*<\/summary>)$/);
    }
    const links = nodes(root).filter((n) => n.type === 'link');
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(link.url?.startsWith(`${REPO}/`)).toBe(true);
    const tableRows = nodes(root).filter((n) => n.type === 'tableRow');
    expect(tableRows[1]?.children).toHaveLength(9);
    expect(text(tableRows[1]!.children![0]!)).toBe(hostile);
    const code = nodes(root).find((n) => n.type === 'code');
    expect(code?.value).toBe(`${hostile}\n\`\`\``);
  });

  it('drops the diffs first when the full text is too long', () => {
    const name = '202611211430_add_invoice_index';
    const big = report({ verdict: 'fail', findings: [mismatch(name, 2000)] });
    const full = renderMarkdown(big, { maxLength: 10_000_000 });
    expect(full.length).toBeGreaterThan(COMMENT_LIMIT);
    const md = renderMarkdown(big, { marker: 'm', jobSummaryUrl: `${REPO}/actions/runs/1` });
    expect(md.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(md).toContain('| Migration | Change |');
    expect(md).not.toContain('<details>');
    expect(md).toContain(
      `The schema diffs are longer than a comment may be: the full report is in the [job summary](${REPO}/actions/runs/1).`,
    );
  });

  it('degrades to a summary under the limit that points at the job summary', () => {
    const migrations = Array.from({ length: 400 }, (_, i) =>
      row(`2026010100${String(i).padStart(2, '0')}_m${i}`),
    );
    const findings: Finding[] = migrations.map((m, i) => ({
      rule: i % 2 ? 'requirement-missing' : 'order',
      severity: i % 2 ? 'warning' : 'error',
      migration: m.name,
      path: m.path,
      line: 1,
      message: `finding ${i} ${'x'.repeat(200)}`,
    }));
    const big = report({ verdict: 'fail', migrations, findings });
    const md = renderMarkdown(big, {
      marker: 'migrations',
      repoUrl: REPO,
      jobSummaryUrl: `${REPO}/actions/runs/9`,
    });
    expect(md.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(md.startsWith('<!-- migration-gate:migrations -->\n### ❌ Migration gate failed')).toBe(true);
    expect(md).toContain('400 changed migrations · 200 errors · 200 warnings');
    expect(md).toContain(`[job summary](${REPO}/actions/runs/9)`);
    expect(md).not.toContain('| Migration |');
    expect(md).toMatch(/- … and \d+ more findings\n$/);
    const shown = md.split('\n').filter((l) => l.startsWith('- ❌') || l.startsWith('- ⚠️'));
    expect(shown.length).toBeGreaterThan(10);
    expect(shown[0]).toContain('`order`');
  });

  it.each([3000, 500, 120, 10])('never exceeds a maxLength of %i', (maxLength) => {
    const findings = Array.from({ length: 50 }, () => mismatch('202611211430_add_invoice_index', 30));
    const md = renderMarkdown(report({ verdict: 'fail', findings }), { maxLength, marker: 'k' });
    expect(md.length).toBeLessThanOrEqual(maxLength);
  });

  it('links nothing without a repository URL and ignores unsafe URLs', () => {
    const md = renderMarkdown(report(), { repoUrl: 'javascript:alert(1)', jobSummaryUrl: 'http://x) [y' });
    expect(md).not.toContain('](');
  });
});

describe('commentMarker', () => {
  it('keeps the key inside one HTML comment', () => {
    expect(commentMarker('db/main')).toBe('<!-- migration-gate:db/main -->');
    expect(commentMarker('a --> <b>')).toBe('<!-- migration-gate:a_-___b_ -->');
  });
});

describe('formatDuration', () => {
  it('picks the unit', () => {
    expect([formatDuration(12.4), formatDuration(4200), formatDuration(185_000)]).toEqual([
      '12 ms',
      '4.2 s',
      '3 min 5 s',
    ]);
  });
});
