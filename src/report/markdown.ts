import type { Finding, Report, ReportMigration, RuleId, StepResult } from '../types.js';
import { codeBlock, codeSpan, encodePath, escapeHtml, escapeMarkdown } from './escape.js';

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
}

const ROUNDTRIP_RULES: ReadonlySet<RuleId> = new Set<RuleId>([
  'up-failed',
  'down-failed',
  'reup-failed',
  'down-mismatch',
  'reup-mismatch',
  'timeout',
]);
const MISMATCH_RULES: ReadonlySet<RuleId> = new Set<RuleId>(['down-mismatch', 'reup-mismatch']);
const IMPACT_NAMES_SHOWN = 6;

/** The hidden first line that identifies the gate's comment for one key (directory, matrix job…). */
export function commentMarker(key: string): string {
  const safe = key.replace(/[^A-Za-z0-9._/:@+=,-]/g, '_').replace(/-{2,}/g, '-');
  return `<!-- migration-gate:${safe} -->`;
}

interface Links {
  repoUrl: string | null;
  headSha: string | null;
  baseSha: string | null;
  prefix: string;
  /** Paths that exist only on the base: linked at the base commit. */
  deletedPaths: ReadonlySet<string>;
}

function safeUrl(url: string | undefined | null): string | null {
  if (!url || !/^https?:\/\/[^\s<>()"'`]+$/.test(url)) return null;
  return url.replace(/\/+$/, '');
}

function safeSha(sha: string | undefined | null): string | null {
  return sha && /^[0-9a-f]{7,64}$/i.test(sha) ? sha.toLowerCase() : null;
}

function normalizeDir(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
}

function fileUrl(links: Links, path: string, sha: string | null, line?: number): string | null {
  if (!links.repoUrl || !sha) return null;
  const anchor = line !== undefined && line > 0 ? `#L${line}` : '';
  return `${links.repoUrl}/blob/${sha}/${encodePath(links.prefix + normalizeDir(path))}${anchor}`;
}

function shaText(links: Links, sha: string | null): string {
  if (!sha) return 'unknown';
  const short = codeSpan(sha.slice(0, 7));
  return links.repoUrl ? `[${short}](${links.repoUrl}/commit/${sha})` : short;
}

/** Milliseconds as `12 ms`, `4.2 s` or `3 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Findings of each report migration, matched by name (and directory when two share a name). */
function findingsByMigration(report: Report): Map<ReportMigration, Finding[]> {
  const byName = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    if (finding.migration === null) continue;
    byName.set(finding.migration, [...(byName.get(finding.migration) ?? []), finding]);
  }
  const nameCount = new Map<string, number>();
  for (const m of report.migrations) nameCount.set(m.name, (nameCount.get(m.name) ?? 0) + 1);
  const result = new Map<ReportMigration, Finding[]>();
  for (const migration of report.migrations) {
    const candidates = byName.get(migration.name) ?? [];
    const dir = normalizeDir(migration.dir);
    const ambiguous = (nameCount.get(migration.name) ?? 0) > 1 && dir !== '' && dir !== '.';
    result.set(
      migration,
      ambiguous
        ? candidates.filter((f) => f.path === null || normalizeDir(f.path).startsWith(`${dir}/`))
        : candidates,
    );
  }
  return result;
}

function severityIcon(finding: Finding): string {
  return finding.severity === 'error' ? '❌' : '⚠️';
}

/** Errors first, then warnings; within a severity the report's (deterministic) order. */
function ordered(findings: readonly Finding[]): Finding[] {
  return [
    ...findings.filter((f) => f.severity === 'error'),
    ...findings.filter((f) => f.severity !== 'error'),
  ];
}

function stepCell(step: StepResult, waived: boolean): string {
  if (step.status === 'skipped') return waived ? '⏭️ waived' : '⏭️ skipped';
  const icon = step.status === 'pass' ? '✅' : '❌';
  return `${icon} ${formatDuration(step.ms)}`;
}

function lintCell(findings: Finding[]): string {
  const lint = findings.filter((f) => !ROUNDTRIP_RULES.has(f.rule));
  if (lint.length === 0) return '✓';
  const errors = lint.filter((f) => f.severity === 'error').length;
  const warnings = lint.length - errors;
  return [errors ? `❌ ${errors}` : '', warnings ? `⚠️ ${warnings}` : ''].filter(Boolean).join(' ');
}

function impactCell(migration: ReportMigration): string {
  const impact = migration.impact;
  if (!impact) return '—';
  const total = impact.added.length + impact.removed.length + impact.changed.length;
  if (total === 0) return 'none';
  const counts = `+${impact.added.length} −${impact.removed.length} ~${impact.changed.length}`;
  const names = [
    ...impact.added.map((n) => `+ ${n}`),
    ...impact.removed.map((n) => `− ${n}`),
    ...impact.changed.map((n) => `~ ${n}`),
  ];
  const shown = names.slice(0, IMPACT_NAMES_SHOWN).map((n) => codeSpan(n, { table: true }));
  if (names.length > IMPACT_NAMES_SHOWN) shown.push(`… ${names.length - IMPACT_NAMES_SHOWN} more`);
  return [counts, ...shown].join('<br>');
}

function waiverCell(migration: ReportMigration): string {
  const waiver = migration.waiver;
  if (!waiver) return '—';
  const extra = Object.entries(waiver)
    .filter(([key]) => key !== 'owner' && key !== 'rationale')
    .map(([key, value]) => escapeMarkdown(`${key}=${value}`));
  return [`${codeSpan(waiver.owner, { table: true })}: ${escapeMarkdown(waiver.rationale)}`, ...extra].join(
    '<br>',
  );
}

function requirementsCell(migration: ReportMigration): string {
  if (migration.requirements.length === 0) return '—';
  const ids = migration.requirements.map((id) => escapeMarkdown(id)).join(', ');
  return migration.requirementsSource === 'pull-request' ? `${ids} <sub>(PR)</sub>` : ids;
}

function nameCell(migration: ReportMigration, links: Links): string {
  const sha = migration.change === 'deleted' ? links.baseSha : links.headSha;
  const url = fileUrl(links, migration.path, sha);
  const name = escapeMarkdown(migration.name);
  return url ? `[${name}](${url})` : name;
}

function migrationsTable(report: Report, links: Links): string[] {
  if (report.migrations.length === 0) return ['No changed migrations.'];
  const lintOnly = report.meta.command === 'lint';
  const findingsOf = findingsByMigration(report);
  const lines = [
    '| Migration | Change | Requirements | Lint | Up | Down | Re-up | Impact | Waiver |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const migration of report.migrations) {
    const findings = findingsOf.get(migration) ?? [];
    const rt = migration.roundtrip;
    const waived = migration.waiver !== null;
    const steps =
      rt && !lintOnly
        ? [stepCell(rt.up, false), stepCell(rt.down, waived), stepCell(rt.reup, waived)]
        : ['not run', 'not run', 'not run'];
    const cells = [
      nameCell(migration, links),
      escapeMarkdown(migration.change),
      requirementsCell(migration),
      lintCell(findings),
      ...steps,
      lintOnly ? 'not run' : impactCell(migration),
      waiverCell(migration),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

function findingLine(finding: Finding, links: Links): string {
  const parts = [severityIcon(finding), codeSpan(finding.rule)];
  if (finding.path !== null) {
    const deleted = links.deletedPaths.has(finding.path) || finding.rule === 'history-deleted';
    const sha = deleted ? links.baseSha : links.headSha;
    const label = escapeMarkdown(finding.line ? `${finding.path}:${finding.line}` : finding.path);
    const url = fileUrl(links, finding.path, sha, finding.line);
    parts.push(url ? `[${label}](${url})` : label);
  }
  if (finding.migration !== null) parts.push(`**${escapeMarkdown(finding.migration)}**`);
  return `- ${parts.join(' ')}: ${escapeMarkdown(finding.message)}`;
}

function detailsBlocks(report: Report): string[] {
  const blocks: string[] = [];
  for (const finding of ordered(report.findings)) {
    if (!finding.details?.length) continue;
    const mismatch = MISMATCH_RULES.has(finding.rule);
    const what =
      finding.rule === 'down-mismatch'
        ? 'Schema after down differs from before up'
        : finding.rule === 'reup-mismatch'
          ? 'Schema after re-up differs from after up'
          : finding.rule;
    const who = finding.migration ?? finding.path ?? '';
    blocks.push(
      `<details><summary>${escapeHtml(`${who ? `${who}: ` : ''}${what} (${plural(finding.details.length, mismatch ? 'difference' : 'line')})`)}</summary>`,
      '',
      codeBlock(finding.details.join('\n'), mismatch ? 'diff' : 'text'),
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
  }
  const unmapped = live.filter((m) => m.requirements.length === 0);
  if (unmapped.length > 0) {
    if (coverage.size > 0) lines.push('');
    lines.push(`Not mapped to a requirement: ${unmapped.map((m) => codeSpan(m.name)).join(', ')}`);
  }
  lines.push('');
  return lines;
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
  const base = report.base === null ? 'none (every migration counts as changed)' : codeSpan(report.base);
  const baseSha = report.base === null ? '' : ` (${shaText(links, links.baseSha)})`;
  lines.push(`**Base:** ${base}${baseSha} · **Head:** ${shaText(links, links.headSha)}  `);
  const db = report.database;
  if (db) {
    const version = /^postgres/i.test(db.serverVersion) ? db.serverVersion : `PostgreSQL ${db.serverVersion}`;
    lines.push(`**Database:** ${escapeMarkdown(version)} (${escapeMarkdown(db.provider)})`);
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
  const url = safeUrl(ctx.jobSummaryUrl);
  const target = url ? `[job summary](${url})` : 'job summary of this run';
  return `> ${what} longer than a comment may be: the full report is in the ${target}.`;
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
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

function renderSummary(report: Report, ctx: MarkdownContext, links: Links, max: number): string {
  const head = [...headerLines(report, ctx, links), summaryPointer(ctx, 'This report is'), ''];
  const findings = ordered(report.findings);
  let text = `${head.join('\n')}\n`;
  if (findings.length > 0) {
    text += `### Findings (${findings.length})\n\n`;
    let shown = 0;
    for (const finding of findings) {
      const line = `${findingLine(finding, links)}\n`;
      const rest = findings.length - shown - 1;
      const tail = rest > 0 ? `- … and ${plural(rest, 'more finding')}\n` : '';
      if (text.length + line.length + tail.length > max) break;
      text += line;
      shown += 1;
    }
    if (shown < findings.length) text += `- … and ${plural(findings.length - shown, 'more finding')}\n`;
  }
  return text;
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 2));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…\n`.slice(0, max);
}

/**
 * Renders the traceability report: the text of the PR comment and of the job summary. When the full
 * text exceeds `maxLength` it drops the schema diffs, then degrades to a summary (verdict, counts, the
 * first findings) pointing at the job summary; the result never exceeds `maxLength`.
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
  return truncate(renderSummary(report, ctx, links, max), max);
}
