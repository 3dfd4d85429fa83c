import { mkdir, writeFile } from 'node:fs/promises';
import { requirementsInText } from '../discover/annotations.js';
import { dirname } from 'node:path';
import { z } from 'zod';
import { redactDeep } from '../redact.js';
import type { GateConfig } from '../config/types.js';
import {
  FORMATS,
  GateError,
  type DatabaseInfo,
  type Finding,
  type Impact,
  type Migration,
  type MigrationSet,
  type Report,
  type ReportMigration,
  type RoundTrip,
  type RuleId,
  type Severity,
  type StepResult,
} from '../types.js';

/** What the round-trip learned about one migration, keyed by the migration's path. */
export interface MigrationResult {
  roundtrip: RoundTrip | null;
  impact: Impact | null;
  /** True when the down step was skipped because of a waiver. */
  waived: boolean;
}

/** Everything `buildReport` turns into a report. */
export interface BuildReportInput {
  command: Report['meta']['command'];
  /** The base ref as the user gave it, or null. */
  base: string | null;
  baseSha: string | null;
  headSha: string | null;
  database: DatabaseInfo | null;
  sets: MigrationSet[];
  /** Round-trip results by migration path; absent for `lint`. */
  results?: Map<string, MigrationResult>;
  findings: Finding[];
  config: GateConfig;
  durationMs: number;
  notes: string[];
}

/** Name written to `meta.tool`. */
export const TOOL_NAME = 'migration-gate';

const SEVERITY_RANK: Record<Severity, number> = { warning: 1, error: 2 };

/** True when a finding of this severity fails the gate at the given `failOn` level. */
export function failsAt(severity: Severity, failOn: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[failOn];
}

export { requirementsInText };

function compareText(a: string | null | undefined, b: string | null | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic order: by file (file-less findings last), line, rule, migration, message. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      compareText(a.path, b.path) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      compareText(a.rule, b.rule) ||
      compareText(a.migration, b.migration) ||
      compareText(a.message, b.message),
  );
}

function reportWaiver(migration: Migration): ReportMigration['waiver'] {
  const waiver = migration.waiver;
  if (!waiver?.owner || !waiver.rationale) return null;
  return { ...waiver.fields, owner: waiver.owner, rationale: waiver.rationale };
}

/**
 * Builds the JSON report (version 1). `migrations` lists the changed migrations (every migration when
 * there is no base), deleted ones with their base path; the verdict fails when a finding reaches
 * `config.failOn`. Every text in it is redacted (`redact`).
 */
export function buildReport(input: BuildReportInput): Report {
  const { config } = input;
  const prRequirements = requirementsInText(config.pullRequestText, config.requirementPattern);
  const migrations: ReportMigration[] = [];

  for (const set of input.sets) {
    const listed = set.migrations.filter((m) => input.base === null || m.change !== 'unchanged');
    for (const migration of listed) {
      const result = input.results?.get(migration.path);
      const own = migration.requirements;
      const requirements = own.length > 0 ? [...own] : [...prRequirements];
      migrations.push({
        name: migration.name,
        path: migration.path,
        format: migration.format,
        change: migration.change,
        requirements,
        requirementsSource: own.length > 0 ? 'tag' : requirements.length > 0 ? 'pull-request' : 'none',
        waiver: reportWaiver(migration),
        roundtrip: withMismatches(result?.roundtrip ?? null, migration, input.findings),
        impact: result?.impact ?? null,
        dir: migration.dir,
      });
    }
    const present = new Set(set.migrations.map((m) => m.path));
    const deleted = [...set.deleted]
      .filter((d) => d.renamedTo === null || !present.has(d.renamedTo))
      .sort((a, b) => compareText(a.path, b.path));
    for (const gone of deleted) {
      migrations.push({
        name: gone.name,
        path: gone.path,
        format: set.format,
        change: 'deleted',
        requirements: [],
        requirementsSource: 'none',
        waiver: null,
        roundtrip: null,
        impact: null,
        dir: gone.dir,
      });
    }
  }

  const findings = sortFindings(input.findings);
  const failing = findings.some((f) => failsAt(f.severity, config.failOn));
  // Findings and notes quote error text (a migration can throw anything it can reach): this run's secrets go.
  return redactDeep<Report>({
    version: 1,
    verdict: failing ? 'fail' : 'pass',
    base: input.base,
    database: input.database,
    migrations,
    findings,
    meta: {
      tool: TOOL_NAME,
      command: input.command,
      dirs: input.sets.map((s) => s.dir),
      failOn: config.failOn,
      headSha: input.headSha,
      baseSha: input.baseSha,
      durationMs: Math.round(input.durationMs),
      notes: [...input.notes],
      ...(config.pullRequestText === null ? {} : { pullRequestRequirements: prRequirements }),
    },
  });
}

/**
 * Writes the report as indented JSON (this run's secrets redacted), creating the folder; a failure is a
 * `GateError` naming the file.
 */
export async function writeJsonReport(path: string, report: Report): Promise<void> {
  await writeReportFile(path, `${JSON.stringify(redactDeep(report), null, 2)}\n`, 'JSON');
}

/** Writes a report file (its folder made when missing); a failure is a `GateError` naming the file. */
export async function writeReportFile(path: string, text: string, what: 'JSON' | 'Markdown'): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GateError(`cannot write the ${what} report to ${path}: ${reason}`, { cause: error });
  }
}

/** Exit status for a finished run: 0 when the gate passes, 1 when it fails. */
export function exitCodeFor(report: Report): 0 | 1 {
  return report.verdict === 'fail' ? 1 : 0;
}

const step = z.object({
  status: z.enum(['pass', 'fail', 'mismatch', 'skipped']),
  ms: z.number().nonnegative(),
});
const names = z.array(z.string());

const reportSchema = z.object({
  version: z.literal(1),
  verdict: z.enum(['pass', 'fail']),
  base: z.string().nullable(),
  database: z
    .object({ provider: z.enum(['embedded', 'container', 'url']), serverVersion: z.string() })
    .nullable(),
  migrations: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      format: z.enum(FORMATS),
      change: z.enum(['added', 'modified', 'deleted', 'renamed', 'unchanged']),
      requirements: names,
      requirementsSource: z.enum(['tag', 'pull-request', 'none']).optional(),
      waiver: z
        .record(z.string(), z.string())
        .refine((w) => Boolean(w.owner && w.rationale), 'a waiver needs owner and rationale')
        .nullable(),
      roundtrip: z.object({ up: step, down: step, reup: step }).nullable(),
      impact: z
        .object({
          added: names,
          removed: names,
          changed: names,
          locks: z.array(z.object({ relation: z.string(), mode: z.string() })).optional(),
          rewrites: names.optional(),
          data: z
            .object({
              sampleRows: z.number(),
              up: z.array(
                z.object({
                  table: z.string(),
                  column: z.string().optional(),
                  what: z.string(),
                  rows: z.number(),
                }),
              ),
              down: z
                .array(
                  z.object({
                    table: z.string(),
                    columns: names,
                    rows: z.number(),
                    example: z.string().nullable(),
                  }),
                )
                .nullable(),
            })
            .nullable()
            .optional(),
          notes: names.optional(),
        })
        .nullable(),
      dir: z.string().optional(),
    }),
  ),
  findings: z.array(
    z.object({
      rule: z.string().regex(/^[a-z0-9-]+$/),
      severity: z.enum(['error', 'warning']),
      migration: z.string().nullable(),
      path: z.string().nullable(),
      line: z.number().int().positive().optional(),
      message: z.string(),
      details: names.optional(),
    }),
  ),
  meta: z
    .object({
      tool: z.string(),
      command: z.enum(['lint', 'check', 'report']),
      dirs: names,
      failOn: z.enum(['error', 'warning']),
      headSha: z.string().nullable(),
      baseSha: z.string().nullable(),
      durationMs: z.number().nonnegative(),
      notes: names,
      pullRequestRequirements: names.optional(),
    })
    .optional(),
});

/**
 * Reads a JSON report written by `writeJsonReport` (possibly by another, untrusted job) and checks its
 * shape; `displayPath` names the file in the `GateError` thrown for anything else.
 */
export function parseReport(text: string, displayPath: string): Report {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new GateError(`${displayPath} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = reportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new GateError(
      `${displayPath} is not a migration-gate report (version 1)${where}: ${issue?.message ?? ''}`,
    );
  }
  const value = parsed.data;
  return {
    ...value,
    migrations: value.migrations.map((m) => ({
      ...m,
      requirementsSource: m.requirementsSource ?? (m.requirements.length > 0 ? 'tag' : 'none'),
      waiver: m.waiver as ReportMigration['waiver'],
      dir: m.dir ?? dirname(m.path),
    })),
    findings: value.findings.map((f) => ({ ...f, rule: f.rule as RuleId })),
    meta: value.meta ?? {
      tool: TOOL_NAME,
      command: 'report',
      dirs: [],
      failOn: 'error',
      headSha: null,
      baseSha: null,
      durationMs: 0,
      notes: [],
    },
  };
}

/**
 * The round-trip with `mismatch` as the status of a down that did not restore the schema and of a re-up that
 * differs from the first up: the step ran without error, but it is not a pass (JSON, Markdown, terminal and
 * annotations then say the same).
 */
function withMismatches(
  roundtrip: RoundTrip | null,
  migration: Migration,
  findings: readonly Finding[],
): RoundTrip | null {
  if (!roundtrip) return null;
  const own = (rule: RuleId) =>
    findings.some(
      (f) =>
        f.rule === rule &&
        f.migration === migration.name &&
        f.path !== null &&
        migration.files.includes(f.path),
    );
  const mark = (step: StepResult, rule: RuleId): StepResult =>
    step.status === 'pass' && own(rule) ? { ...step, status: 'mismatch' } : step;
  return {
    up: roundtrip.up,
    down: mark(roundtrip.down, 'down-mismatch'),
    reup: mark(roundtrip.reup, 'reup-mismatch'),
  };
}
