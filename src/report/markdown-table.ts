/**
 * The parts of the traceability report that describe migrations: links to files at a commit, the table row of
 * each changed migration (lint, up / down / re-up, impact, waiver) and the line of each finding.
 */
import { posix } from 'node:path';
import type { Finding, Report, ReportMigration, RuleId, StepResult } from '../types.js';
import { costLines } from './impact-cost.js';
import { codeSpan, encodePath, escapeMarkdown } from './escape.js';

const ROUNDTRIP_RULES: ReadonlySet<RuleId> = new Set<RuleId>([
  'up-failed',
  'down-failed',
  'reup-failed',
  'down-mismatch',
  'reup-mismatch',
  'timeout',
]);
const IMPACT_NAMES_SHOWN = 6;

export interface Links {
  repoUrl: string | null;
  headSha: string | null;
  baseSha: string | null;
  prefix: string;
  /** Paths that exist only on the base: linked at the base commit. */
  deletedPaths: ReadonlySet<string>;
}

export function safeUrl(url: string | undefined | null): string | null {
  if (!url || !/^https?:\/\/[^\s<>()"'`]+$/.test(url)) return null;
  return url.replace(/\/+$/, '');
}

export function safeSha(sha: string | undefined | null): string | null {
  return sha && /^[0-9a-f]{7,64}$/i.test(sha) ? sha.toLowerCase() : null;
}

export function normalizeDir(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
}

/** A link to the file at a commit; none for paths outside the repository (absolute, or `..` above its root). */
export function fileUrl(links: Links, path: string, sha: string | null, line?: number): string | null {
  if (!links.repoUrl || !sha) return null;
  const relative = normalizeDir(path);
  if (/^(\/|[A-Za-z]:)/.test(relative)) return null;
  const inRepo = posix.normalize(links.prefix + relative);
  if (/^\.\.(\/|$)/.test(inRepo) || inRepo === '.') return null;
  const anchor = line !== undefined && line > 0 ? `#L${line}` : '';
  return `${links.repoUrl}/blob/${sha}/${encodePath(inRepo)}${anchor}`;
}

export function shaText(links: Links, sha: string | null): string {
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

/** Findings of each report migration, matched by name (and directory when two share a name). */
export function findingsByMigration(report: Report): Map<ReportMigration, Finding[]> {
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

export function severityIcon(finding: Finding): string {
  return finding.severity === 'error' ? '❌' : '⚠️';
}

/** Errors first, then warnings; within a severity the report's (deterministic) order. */
export function ordered(findings: readonly Finding[]): Finding[] {
  return [
    ...findings.filter((f) => f.severity === 'error'),
    ...findings.filter((f) => f.severity !== 'error'),
  ];
}

export function stepCell(step: StepResult, skippedAs: string, mismatch: string | null): string {
  if (step.status === 'skipped') return `⏭️ ${skippedAs}`;
  // A step that ran without error but left the wrong schema failed all the same.
  if (mismatch !== null) return `❌ ${formatDuration(step.ms)}<br>${mismatch}`;
  const icon = step.status === 'pass' ? '✅' : '❌';
  return `${icon} ${formatDuration(step.ms)}`;
}

/** Up, down and re-up cells of a migration, read together with its findings. */
export function stepCells(migration: ReportMigration, findings: Finding[], lintOnly: boolean): string[] {
  const rt = migration.roundtrip;
  if (!rt || lintOnly) return ['not run', 'not run', 'not run'];
  const rules = new Set(findings.map((f) => f.rule));
  const waived = migration.waiver !== null;
  const downSkipped = waived ? 'waived' : rules.has('down-missing') ? 'no downgrade' : 'skipped';
  return [
    stepCell(rt.up, 'skipped', null),
    stepCell(rt.down, downSkipped, rules.has('down-mismatch') ? 'schema not restored' : null),
    stepCell(rt.reup, waived ? 'waived' : 'skipped', rules.has('reup-mismatch') ? 'schema differs' : null),
  ];
}

/** The lint rules a migration broke, errors first, each once with its count. */
export function lintCell(findings: Finding[]): string {
  const lint = ordered(findings.filter((f) => !ROUNDTRIP_RULES.has(f.rule)));
  if (lint.length === 0) return '✓';
  const counts = new Map<string, { finding: Finding; count: number }>();
  for (const finding of lint) {
    const key = `${finding.severity}:${finding.rule}`;
    const seen = counts.get(key);
    if (seen) seen.count += 1;
    else counts.set(key, { finding, count: 1 });
  }
  return [...counts.values()]
    .map(
      ({ finding, count }) =>
        `${severityIcon(finding)} ${codeSpan(finding.rule, { table: true })}${count > 1 ? ` ×${count}` : ''}`,
    )
    .join('<br>');
}

export function impactCell(migration: ReportMigration): string {
  const impact = migration.impact;
  if (!impact) return '—';
  const cost = costLines(impact).map((line) => escapeMarkdown(line));
  const total = impact.added.length + impact.removed.length + impact.changed.length;
  if (total === 0) return ['none', ...cost].join('<br>');
  const counts = `+${impact.added.length} −${impact.removed.length} ~${impact.changed.length}`;
  const names = [
    ...impact.added.map((n) => `+ ${n}`),
    ...impact.removed.map((n) => `− ${n}`),
    ...impact.changed.map((n) => `~ ${n}`),
  ];
  const shown = names.slice(0, IMPACT_NAMES_SHOWN).map((n) => codeSpan(n, { table: true }));
  if (names.length > IMPACT_NAMES_SHOWN) shown.push(`… ${names.length - IMPACT_NAMES_SHOWN} more`);
  return [counts, ...shown, ...cost].join('<br>');
}

export function waiverCell(migration: ReportMigration): string {
  const waiver = migration.waiver;
  if (!waiver) return '—';
  const extra = Object.entries(waiver)
    .filter(([key]) => key !== 'owner' && key !== 'rationale')
    .map(([key, value]) => escapeMarkdown(`${key}=${value}`));
  return [`${codeSpan(waiver.owner, { table: true })}: ${escapeMarkdown(waiver.rationale)}`, ...extra].join(
    '<br>',
  );
}

export function requirementsCell(migration: ReportMigration): string {
  if (migration.requirements.length === 0) return '—';
  const ids = migration.requirements.map((id) => escapeMarkdown(id)).join(', ');
  return migration.requirementsSource === 'pull-request' ? `${ids} <sub>(PR)</sub>` : ids;
}

export function nameCell(migration: ReportMigration, links: Links): string {
  const sha = migration.change === 'deleted' ? links.baseSha : links.headSha;
  const url = fileUrl(links, migration.path, sha);
  const name = escapeMarkdown(migration.name);
  return url ? `[${name}](${url})` : name;
}

export function migrationsTable(report: Report, links: Links): string[] {
  if (report.migrations.length === 0) return ['No changed migrations.'];
  const lintOnly = report.meta.command === 'lint';
  const findingsOf = findingsByMigration(report);
  const lines = [
    '| Migration | Change | Requirements | Lint | Up | Down | Re-up | Impact | Waiver |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const migration of report.migrations) {
    const findings = findingsOf.get(migration) ?? [];
    const cells = [
      nameCell(migration, links),
      escapeMarkdown(migration.change),
      requirementsCell(migration),
      lintCell(findings),
      ...stepCells(migration, findings, lintOnly),
      lintOnly ? 'not run' : impactCell(migration),
      waiverCell(migration),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

export function findingLine(finding: Finding, links: Links): string {
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
