import type { DatabaseInfo, Finding, Report, ReportMigration, RuleId } from '../types.js';
import { codeBlock, codeSpan, escapeHtml, escapeMarkdown } from './escape.js';
import {
  type Links,
  findingLine,
  formatDuration,
  migrationsTable,
  normalizeDir,
  ordered,
  safeSha,
  safeUrl,
  severityIcon,
  shaText,
} from './markdown-table.js';
import { plural } from './counts.js';

/** GitHub's limit on the body of an issue comment, in characters. */
export const COMMENT_LIMIT = 65_536;

/** Where links point and how the text is framed. */
export interface MarkdownContext {
  /** Repository web URL, e.g. `https://github.com/o/r`; without it nothing is linked. */
  repoUrl?: string;
  /** Commit the file links point at; default: the report's `meta.headSha`. */
  headSha?: string;
  /** Key of the hidden marker line (`<!-- migration-gate:<key> -->`) written first when given. */
  marker?: string;
  /** Where the full report can be read when this text has to be shortened (the job summary). */
  jobSummaryUrl?: string;
  /** Upper bound of the text's length; default `COMMENT_LIMIT`. */
  maxLength?: number;
  /** Path of the working directory inside the repository (`services/api`), prefixed to file links. */
  pathPrefix?: string;
  /** Branch name of the base (`main`) when the report's base is a commit SHA, as in a pull request. */
  baseRef?: string;
  /**
   * What the text is for: the PR comment (default; when shortened it points at the job summary) or the job
   * summary itself (when shortened it points at the JSON report).
   */
  target?: 'comment' | 'job-summary';
}

/** Findings whose details are schema differences, each a line of `describeDifference`. */
const SCHEMA_DIFF_RULES: ReadonlySet<RuleId> = new Set<RuleId>([
  'down-mismatch',
  'reup-mismatch',
  'baseline-drift',
  'model-drift',
]);
const SCHEMA_DIFF_TITLES: Partial<Record<RuleId, string>> = {
  'down-mismatch': 'Schema after down differs from before up',
  'reup-mismatch': 'Schema after re-up differs from after up',
  'baseline-drift': 'Schema after all migrations differs from the baseline',
  'model-drift': 'Operations autogenerate would emit to make the schema match the models',
};
const PROVIDER_LABELS: Record<DatabaseInfo['provider'], string> = {
  embedded: 'embedded PGlite',
  container: 'container',
  url: 'server URL',
  sqlite: 'SQLite file',
};

/** The hidden first line that identifies the gate's comment for one key (directory, matrix job…). */
export function commentMarker(key: string): string {
  const safe = key.replace(/[^A-Za-z0-9._/:@+=,-]/g, '_').replace(/-{2,}/g, '-');
  return `<!-- migration-gate:${safe} -->`;
}

/**
 * A schema difference as a line of a diff from the expected schema to the one found: `+` an object that
 * should not be there, `-` one that is missing, `~` one whose properties differ.
 */
export function diffLine(detail: string): string {
  if (/: present [^,:]*, absent [^,:]*$/.test(detail)) return `+ ${detail}`;
  if (/: absent [^,:]*, present [^,:]*$/.test(detail)) return `- ${detail}`;
  return `~ ${detail}`;
}

function detailsBlocks(report: Report): string[] {
  const blocks: string[] = [];
  for (const finding of ordered(report.findings)) {
    if (!finding.details?.length) continue;
    const schemaDiff = SCHEMA_DIFF_RULES.has(finding.rule);
    const what = SCHEMA_DIFF_TITLES[finding.rule] ?? finding.rule;
    const who = finding.migration ?? finding.path ?? '';
    const lines = schemaDiff ? finding.details.map(diffLine) : finding.details;
    blocks.push(
      `<details><summary>${escapeHtml(`${who ? `${who}: ` : ''}${what} (${plural(finding.details.length, schemaDiff ? 'difference' : 'line')})`)}</summary>`,
      '',
      codeBlock(lines.join('\n'), schemaDiff ? 'diff' : 'text'),
      '</details>',
      '',
    );
  }
  return blocks;
}

function requirementsSection(report: Report): string[] {
  const live = report.migrations.filter((m) => m.change !== 'deleted');
  if (live.length === 0) return [];
  const coverage = new Map<string, ReportMigration[]>();
  for (const migration of live) {
    for (const id of migration.requirements) coverage.set(id, [...(coverage.get(id) ?? []), migration]);
  }
  const lines = ['### Requirements', ''];
  if (coverage.size > 0) {
    lines.push('| Requirement | Migrations |', '| --- | --- |');
    for (const [id, migrations] of [...coverage].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const names = migrations.map((m) => codeSpan(m.name, { table: true }));
      const fromPr = migrations.some((m) => m.requirementsSource === 'pull-request')
        ? ' <sub>(PR)</sub>'
        : '';
      lines.push(`| ${escapeMarkdown(id)}${fromPr} | ${names.join(', ')} |`);
    }
    lines.push('');
  }
  const ids = (list: string[]) => list.map((id) => escapeMarkdown(id)).join(', ');
  const fromPr = report.meta.pullRequestRequirements ?? [];
  if (fromPr.length > 0) {
    const unused = fromPr.filter((id) => !coverage.has(id));
    lines.push(
      `Named in the pull request: ${ids(fromPr)}` +
        (unused.length === 0
          ? ''
          : `; mapped to no migration: ${ids(unused)} (a migration's own \`requirements:\` tag takes precedence)`),
      '',
    );
  }
  const unmapped = live.filter((m) => m.requirements.length === 0);
  if (unmapped.length > 0) {
    lines.push(`Not mapped to a requirement: ${unmapped.map((m) => codeSpan(m.name)).join(', ')}`, '');
  }
  return lines;
}

function baseText(report: Report, ctx: MarkdownContext, links: Links): string {
  if (report.base === null) return 'none (every migration counts as changed)';
  const label = ctx.baseRef?.trim() || report.base;
  const sha = shaText(links, links.baseSha);
  // A base given as a SHA (a pull request's base commit) is not repeated when it is the merge base itself.
  const labelIsSha = /^[0-9a-f]{7,64}$/i.test(label);
  if (labelIsSha && links.baseSha?.startsWith(label.toLowerCase())) return sha;
  const shown = labelIsSha ? shaText(links, label.toLowerCase()) : codeSpan(label);
  return `${shown} (merge base ${sha})`;
}

function headerLines(report: Report, ctx: MarkdownContext, links: Links): string[] {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  const verdict = report.verdict === 'pass' ? '✅ Migration gate passed' : '❌ Migration gate failed';
  const lines: string[] = [];
  if (ctx.marker !== undefined) lines.push(commentMarker(ctx.marker));
  lines.push(`### ${verdict}`, '');
  lines.push(
    `${plural(report.migrations.length, report.base === null ? 'migration' : 'changed migration')} · ` +
      `${plural(errors, 'error')} · ` +
      `${plural(warnings, 'warning')} · ${escapeMarkdown(report.meta.command)} in ${formatDuration(report.meta.durationMs)}`,
    '',
  );
  lines.push(`**Base:** ${baseText(report, ctx, links)} · **Head:** ${shaText(links, links.headSha)}  `);
  const db = report.database;
  if (db) {
    const version = /^postgres/i.test(db.serverVersion) ? db.serverVersion : `PostgreSQL ${db.serverVersion}`;
    const provider = PROVIDER_LABELS[db.provider] ?? db.provider;
    lines.push(`**Database:** ${escapeMarkdown(version)} (${escapeMarkdown(provider)})`);
  } else {
    lines.push(`**Database:** not used${report.meta.command === 'lint' ? ' (lint only)' : ''}`);
  }
  lines.push('');
  return lines;
}

function notesLines(report: Report): string[] {
  if (report.meta.notes.length === 0) return [];
  return ['**Notes**', '', ...report.meta.notes.map((n) => `- ${escapeMarkdown(n)}`), ''];
}

function summaryPointer(ctx: MarkdownContext, what: string): string {
  if (ctx.target === 'job-summary') {
    return `> ${what} longer than a job summary may be: the full report is the JSON report (the \`report-path\` output).`;
  }
  const url = safeUrl(ctx.jobSummaryUrl);
  const target = url ? `[job summary](${url})` : 'job summary of this run';
  return `> ${what} longer than a comment may be: the full report is in the ${target}.`;
}

function finish(lines: string[]): string {
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

function renderFull(report: Report, ctx: MarkdownContext, links: Links, withDetails: boolean): string {
  const lines = [...headerLines(report, ctx, links), ...migrationsTable(report, links), ''];
  if (report.findings.length > 0) {
    lines.push(`### Findings (${report.findings.length})`, '');
    for (const finding of ordered(report.findings)) lines.push(findingLine(finding, links));
    lines.push('');
  }
  const details = detailsBlocks(report);
  if (details.length > 0) {
    lines.push('### Details', '');
    if (withDetails) lines.push(...details);
    else lines.push(summaryPointer(ctx, 'The schema diffs are'), '');
  }
  lines.push(...requirementsSection(report), ...notesLines(report));
  return finish(lines);
}

/** How many findings each rule has, errors first: what a shortened report keeps of every finding. */
function ruleCounts(findings: readonly Finding[]): string[] {
  const counts = new Map<string, { finding: Finding; count: number }>();
  for (const finding of ordered(findings)) {
    const key = `${finding.severity}:${finding.rule}`;
    const seen = counts.get(key);
    if (seen) seen.count += 1;
    else counts.set(key, { finding, count: 1 });
  }
  return [
    '| Rule | Findings |',
    '| --- | --- |',
    ...[...counts.values()].map(
      ({ finding, count }) =>
        `| ${severityIcon(finding)} ${codeSpan(finding.rule, { table: true })} | ${count} |`,
    ),
    '',
  ];
}

/**
 * The shortened report: header, pointer, the migrations table (when `withTable`), findings counted by
 * rule and as many findings as fit, then requirements and notes. Null when even that does not fit.
 */
function renderCompact(
  report: Report,
  ctx: MarkdownContext,
  links: Links,
  max: number,
  withTable: boolean,
): string | null {
  const head = [...headerLines(report, ctx, links), summaryPointer(ctx, 'This report is'), ''];
  if (withTable) head.push(...migrationsTable(report, links), '');
  const tail = withTable ? [...requirementsSection(report), ...notesLines(report)] : [];
  const findings = ordered(report.findings);
  if (findings.length === 0) {
    const text = finish([...head, ...tail]);
    return text.length <= max ? text : null;
  }
  head.push(`### Findings (${findings.length})`, '', ...ruleCounts(findings));
  const more = (n: number) => `- … and ${plural(n, 'more finding')}`;
  const fixed = finish([...head, more(findings.length), '', ...tail]).length;
  if (fixed > max) return null;
  let budget = max - fixed;
  const shown: string[] = [];
  for (const finding of findings) {
    const line = findingLine(finding, links);
    if (line.length + 1 > budget) break;
    shown.push(line);
    budget -= line.length + 1;
  }
  const rest = findings.length - shown.length;
  return finish([...head, ...shown, ...(rest > 0 ? [more(rest)] : []), '', ...tail]);
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 2));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…\n`.slice(0, max);
}

/**
 * Renders the traceability report: the text of the PR comment and of the job summary. When the full
 * text exceeds `maxLength` it drops the schema diffs, then the findings that do not fit (keeping the
 * migrations table and a count per rule), then the table; a shortened text points at the job summary
 * (at the JSON report for `target: 'job-summary'`). The result never exceeds `maxLength`.
 */
export function renderMarkdown(report: Report, ctx: MarkdownContext = {}): string {
  const max = ctx.maxLength ?? COMMENT_LIMIT;
  const prefix = ctx.pathPrefix ? `${normalizeDir(ctx.pathPrefix)}/`.replace(/^\/+/, '') : '';
  const links: Links = {
    repoUrl: safeUrl(ctx.repoUrl),
    headSha: safeSha(ctx.headSha ?? report.meta.headSha),
    baseSha: safeSha(report.meta.baseSha),
    prefix: prefix === '/' || prefix === './' ? '' : prefix,
    deletedPaths: new Set(report.migrations.filter((m) => m.change === 'deleted').map((m) => m.path)),
  };
  const full = renderFull(report, ctx, links, true);
  if (full.length <= max) return full;
  const withoutDetails = renderFull(report, ctx, links, false);
  if (withoutDetails.length <= max) return withoutDetails;
  const compact =
    renderCompact(report, ctx, links, max, true) ?? renderCompact(report, ctx, links, max, false);
  return (
    compact ??
    truncate(finish([...headerLines(report, ctx, links), summaryPointer(ctx, 'This report is')]), max)
  );
}

/**
 * `renderMarkdown` within a limit of UTF-8 bytes (GitHub's job summary allows 1 MiB per step): a text of
 * mostly multi-byte characters is rendered again, shorter, until it fits.
 */
export function renderWithinBytes(report: Report, ctx: MarkdownContext, maxBytes: number): string {
  let maxLength = maxBytes;
  for (;;) {
    const text = renderMarkdown(report, { ...ctx, maxLength });
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes <= maxBytes || maxLength <= 1) return text;
    maxLength = Math.max(1, Math.min(maxLength - 1, Math.floor((maxLength * maxBytes) / bytes)));
  }
}
