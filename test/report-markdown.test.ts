import { parsers } from 'prettier/plugins/markdown';
import { describe, expect, it } from 'vitest';
import {
  commentMarker,
  COMMENT_LIMIT,
  diffLine,
  renderMarkdown,
  renderWithinBytes,
} from '../src/report/markdown.js';
import { formatDuration } from '../src/report/markdown-table.js';
import { describeDifference } from '../src/roundtrip/diff.js';
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
    expect(md).toContain(`**Base:** \`main\` (merge base [\`${BASE.slice(0, 7)}\`](${REPO}/commit/${BASE}))`);
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
    expect(cells(rows[3]!).slice(3, 8)).toEqual([
      '❌ name-format⚠️ requirement-missing',
      '❌ 3 ms',
      '⏭️ skipped',
      '⏭️ skipped',
      '—',
    ]);
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
    expect(code).toMatchObject({
      lang: 'diff',
      value: mismatch(name, 2)
        .details!.map((d) => `~ ${d}`)
        .join('\n'),
    });
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
    expect(code?.value).toBe(`~ ${hostile}\n~ \`\`\``);
  });

  it('holds no comment delimiter but its own marker line, whatever names, SQL, errors and diffs say', async () => {
    const forged = '<!-- migration-gate:B -->';
    const m = row(`202611211430_${forged}`, {
      path: `migrations/${forged}.sql`,
      requirements: [],
      waiver: { owner: forged, rationale: forged, ticket: forged },
      impact: { added: [`table public."${forged}"`], removed: [forged], changed: [] },
    });
    const findings: Finding[] = [
      { ...mismatch(m.name, 0), message: forged, details: [`table public."${forged}": present after down`] },
      {
        ...mismatch(m.name, 0),
        rule: 'up-failed',
        message: `syntax error at "${forged}"`,
        details: [forged],
      },
    ];
    const base = report(
      { verdict: 'fail', migrations: [m], findings, base: forged },
      { notes: [forged], pullRequestRequirements: [forged] },
    );
    for (const target of ['comment', 'job-summary'] as const) {
      for (const maxLength of [COMMENT_LIMIT, 1_500]) {
        const md = renderMarkdown(base, { repoUrl: REPO, marker: 'A', baseRef: forged, target, maxLength });
        const [first, ...rest] = md.split('\n');
        expect(first).toBe('<!-- migration-gate:A -->');
        expect(rest.join('\n')).not.toMatch(/<!--|-->/);
      }
    }
    // The diff still shows the name as it is.
    const code = nodes(await parse(renderMarkdown(base, { repoUrl: REPO }))).filter((n) => n.type === 'code');
    expect(code.map((n) => (n.value ?? '').replace(/\u200D/g, ''))).toContain(
      `~ table public."${forged}": present after down`,
    );
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

describe('renderMarkdown: what a reviewer reads in each row', () => {
  const name = '202611211430_add_invoice_index';

  async function cellsOf(md: string): Promise<string[][]> {
    const root = await parse(md);
    return nodes(root)
      .filter((n) => n.type === 'tableRow')
      .map((r) => (r.children ?? []).map((c) => text(c)));
  }

  it('marks a down that ran but left the schema changed, and a re-up that differs', async () => {
    const findings: Finding[] = [
      mismatch(name, 1),
      { ...mismatch(name, 1), rule: 'reup-mismatch', path: `migrations/${name}.sql` },
    ];
    const rows = await cellsOf(renderMarkdown(report({ verdict: 'fail', findings })));
    expect(rows[1]!.slice(3, 7)).toEqual([
      '✓',
      '✅ 12 ms',
      '❌ 8 msschema not restored',
      '❌ 1.5 sschema differs',
    ]);
  });

  it('says "no downgrade" when the down step was skipped for lack of one', async () => {
    const m = row(name, {
      roundtrip: {
        up: { status: 'pass', ms: 5 },
        down: { status: 'skipped', ms: 0 },
        reup: { status: 'skipped', ms: 0 },
      },
    });
    const findings: Finding[] = [
      { rule: 'down-missing', severity: 'error', migration: name, path: m.path, message: 'no downgrade' },
      { rule: 'order', severity: 'error', migration: name, path: m.path, line: 1, message: 'a' },
      { rule: 'order', severity: 'error', migration: name, path: m.path, line: 1, message: 'b' },
    ];
    const rows = await cellsOf(renderMarkdown(report({ verdict: 'fail', migrations: [m], findings })));
    expect(rows[1]!.slice(3, 7)).toEqual([
      '❌ down-missing❌ order ×2',
      '✅ 5 ms',
      '⏭️ no downgrade',
      '⏭️ skipped',
    ]);
  });

  it('shows schema differences as diff lines: + left behind, - taken away, ~ changed', () => {
    const labels = { before: 'before up', after: 'after down' };
    const added = describeDifference(
      {
        change: 'added',
        kind: 'index',
        name: 'public.orders_created_at_idx',
        table: 'public.orders',
        props: [],
      },
      labels,
    );
    const removed = describeDifference(
      { change: 'removed', kind: 'table', name: 'public.audit_log', table: null, props: [] },
      labels,
    );
    const changed = describeDifference(
      {
        change: 'changed',
        kind: 'column',
        name: 'public.orders.status',
        table: 'public.orders',
        props: [{ prop: 'default', before: null, after: "'new'::text" }],
      },
      labels,
    );
    expect([diffLine(added), diffLine(removed), diffLine(changed)].map((l) => l.slice(0, 2))).toEqual([
      '+ ',
      '- ',
      '~ ',
    ]);
    const md = renderMarkdown(
      report({ verdict: 'fail', findings: [{ ...mismatch(name, 0), details: [added, removed] }] }),
    );
    expect(md).toContain(`\`\`\`diff\n+ ${added}\n- ${removed}\n\`\`\``);
  });

  it('names the base branch once and the merge base by SHA', () => {
    const md = (base: string, baseRef?: string) =>
      renderMarkdown(report({ base }), { repoUrl: REPO, baseRef }).split('\n')[4];
    const link = (sha: string) => `[\`${sha.slice(0, 7)}\`](${REPO}/commit/${sha})`;
    // A pull request's base commit that is the merge base: the SHA once, with the branch name when known.
    expect(md(BASE)).toBe(`**Base:** ${link(BASE)} · **Head:** ${link(HEAD)}  `);
    expect(md(BASE, 'main')).toBe(
      `**Base:** \`main\` (merge base ${link(BASE)}) · **Head:** ${link(HEAD)}  `,
    );
    const tip = '0123456789abcdef0123456789abcdef01234567';
    expect(md(tip)).toBe(`**Base:** ${link(tip)} (merge base ${link(BASE)}) · **Head:** ${link(HEAD)}  `);
  });

  it('says which kind of database ran the round-trip', () => {
    const db = (provider: 'embedded' | 'container' | 'url', serverVersion: string) =>
      renderMarkdown(report({ database: { provider, serverVersion } }))
        .split('\n')
        .find((l) => l.startsWith('**Database:**'));
    expect(db('url', '15.18')).toBe('**Database:** PostgreSQL 15.18 (server URL)');
    expect(db('embedded', '18.6')).toBe('**Database:** PostgreSQL 18.6 (embedded PGlite)');
  });

  it('links no file outside the repository', () => {
    const findings: Finding[] = ['/home/runner/db/x.sql', '../../../outside/x.sql', '../db/y.sql'].map(
      (path) => ({ rule: 'parse-error', severity: 'error', migration: null, path, message: 'm' }),
    );
    const md = renderMarkdown(report({ verdict: 'fail', findings }), {
      repoUrl: REPO,
      pathPrefix: 'services/api',
    });
    const items = md.split('\n').filter((l) => l.startsWith('- ❌'));
    expect(items).toEqual([
      '- ❌ `parse-error` /home/runner/db/x.sql: m',
      '- ❌ `parse-error` ../../../outside/x.sql: m',
      `- ❌ \`parse-error\` [../db/y.sql](${REPO}/blob/${HEAD}/services/db/y.sql): m`,
    ]);
  });

  it('shows requirement IDs of the pull request that no migration is mapped to', () => {
    const md = renderMarkdown(report({}, { pullRequestRequirements: ['RL-101', 'RL-200'] }));
    expect(md).toContain(
      "Named in the pull request: RL-101, RL-200; mapped to no migration: RL-200 (a migration's own `requirements:` tag takes precedence)",
    );
    const all = renderMarkdown(report({}, { pullRequestRequirements: ['RL-101'] }));
    expect(all).toContain('Named in the pull request: RL-101\n');
  });
});

describe('renderMarkdown: a report longer than a comment', () => {
  const migrations = Array.from({ length: 5 }, (_, i) => row(`20260101000${i}_m${i}`));
  const findings: Finding[] = Array.from({ length: 3000 }, (_, i) => ({
    rule: i % 3 ? 'forbidden-pattern' : 'requirement-missing',
    severity: i % 3 ? 'error' : 'warning',
    migration: null,
    path: `app/models/file_${i}.py`,
    line: i + 1,
    message: `create_all() changes the schema outside the migration history (sqlalchemy-create-all) ${i}`,
    details: ['Base.metadata.create_all(engine)'],
  }));
  const big = report({ verdict: 'fail', migrations, findings });

  it('keeps the migrations table and a count per rule, and as many findings as fit', async () => {
    const md = renderMarkdown(big, { marker: 'db', repoUrl: REPO, jobSummaryUrl: `${REPO}/actions/runs/7` });
    expect(md.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(md.length).toBeGreaterThan(COMMENT_LIMIT - 2000);
    expect(md).toContain(`[job summary](${REPO}/actions/runs/7)`);
    expect(md).not.toContain('<details>');
    const root = await parse(md);
    const rows = nodes(root)
      .filter((n) => n.type === 'tableRow')
      .map((r) => (r.children ?? []).map((c) => text(c)));
    expect(rows.filter((r) => r.length === 9)).toHaveLength(6);
    expect(rows).toContainEqual(['❌ forbidden-pattern', '2000']);
    expect(rows).toContainEqual(['⚠️ requirement-missing', '1000']);
    expect(md).toMatch(/- … and \d+ more findings\n/);
    expect(md).toContain('### Requirements');
  });

  it('points the shortened job summary at the JSON report', () => {
    const md = renderMarkdown(big, { maxLength: 20_000, target: 'job-summary', jobSummaryUrl: `${REPO}/x` });
    expect(md.length).toBeLessThanOrEqual(20_000);
    expect(md).toContain('the full report is the JSON report (the `report-path` output)');
    expect(md).not.toContain('job summary](');
  });
});

describe('renderWithinBytes', () => {
  it('keeps a text of multi-byte characters within a limit of UTF-8 bytes', () => {
    const findings: Finding[] = Array.from({ length: 2000 }, (_, i) => ({
      rule: 'parse-error',
      severity: 'error',
      migration: null,
      path: `migrations/${'表'.repeat(40)}_${i}.sql`,
      message: '無効な移行ファイル'.repeat(10),
    }));
    const big = report({ verdict: 'fail', findings });
    expect(Buffer.byteLength(renderMarkdown(big, { maxLength: 100_000 }))).toBeGreaterThan(200_000);
    const md = renderWithinBytes(big, { target: 'job-summary' }, 100_000);
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(100_000);
    expect(Buffer.byteLength(md)).toBeGreaterThan(90_000);
    expect(md).toContain('| Migration | Change |');
    expect(md).toContain('the full report is the JSON report');
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
