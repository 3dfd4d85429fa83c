import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { GateConfig } from './config/types.js';
import { discover } from './discover/index.js';
import { changedFiles, headSha, resolveBase, type ChangedFile } from './discover/git.js';
import { containment, repositoryRoot } from './repository.js';
import { lint } from './lint/index.js';
import { scanForbidden } from './lint/forbidden.js';
import { plural } from './report/counts.js';
import { buildReport, writeJsonReport, writeReportFile } from './report/json.js';
import { renderMarkdown } from './report/markdown.js';
import { redact, registerUrlPassword } from './redact.js';
import { GateError, type Finding, type MigrationSet, type Report } from './types.js';

/** Options of one gate run. */
export interface GateRunOptions {
  command: 'lint' | 'check';
  /** Receives progress lines (phase, migration, step, elapsed). */
  progress?: (line: string) => void;
  /**
   * Changed files as the pull request files API lists them (relative to the working directory); without it,
   * a git diff against the merge base decides.
   */
  changes?: ChangedFile[];
  /** Extra context for the Markdown report (links). */
  markdown?: { repoUrl?: string; headSha?: string; marker?: string; jobSummaryUrl?: string };
}

/**
 * The whole pipeline: config → discover → lint → round-trip → report. Writes the JSON and Markdown reports
 * when the configuration names files, and returns the report. Throws `GateError` for exit-2 conditions.
 */
export async function runGate(config: GateConfig, options: GateRunOptions): Promise<Report> {
  registerUrlPassword(config.databaseUrl);
  registerUrlPassword(config.baselineDatabase);
  try {
    return await gate(config, options);
  } catch (error) {
    // The error's text is output too (the CLI's one line, the Action's failure message).
    if (error instanceof Error) {
      error.message = redact(error.message);
      if (error.stack) error.stack = redact(error.stack);
    }
    throw error;
  }
}

async function gate(config: GateConfig, options: GateRunOptions): Promise<Report> {
  const started = Date.now();
  const progress = (line: string) => options.progress?.(redact(line));
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;

  const baseSha = config.base ? await resolveBase(config.cwd, config.base) : null;
  progress(`[discover] ${config.dirs.join(', ')}${config.base ? ` against ${config.base}` : ''}`);
  const sets = await discover(config, { changes: options.changes, baseSha: baseSha ?? undefined });
  refuseReportOverInput(config, sets);
  await checkReportPaths(config);

  const count = sets.reduce((n, s) => n + s.migrations.length, 0);
  progress(`[lint] ${plural(count, 'migration')} (${elapsed()})`);
  const findings: Finding[] = [...lint(sets, config), ...(await scanForbidden(config))];
  const baselineOutside = await baselineLeavesRepository(config);
  if (baselineOutside) findings.push(baselineOutside);

  let database: Report['database'] = null;
  let results;
  const notes: string[] = sets.flatMap((s) => s.notes ?? []);
  if (options.command === 'check') {
    // What leads outside the repository is never run: its directory is skipped, and the baseline with it
    // (from empty it would lack those migrations).
    const refused = sets.filter((s) => s.outside?.length);
    for (const set of refused) {
      notes.push(
        `the round-trip of ${set.dir} was skipped: ${set.outside!.length} path(s) lead outside the repository`,
      );
    }
    // A migration the gate cannot run ends its directory's round-trip: what comes after it would run without it.
    const kept = sets.filter((s) => !refused.includes(s));
    const runnable = kept.map((s) => untilUnsupported(s, notes));
    const cut = runnable.some((s, i) => s !== kept[i]);
    // A baseline (file or live database) compares with every migration applied: not with a shortened history.
    const shortened = refused.length > 0 || cut;
    const skipSchema = config.baselineSchema !== null && (baselineOutside !== null || shortened);
    const skipDatabase = config.baselineDatabase !== null && shortened;
    const skipped = [
      ...(skipSchema && !baselineOutside ? [config.baselineSchema] : []),
      ...(skipDatabase ? ['baseline-database'] : []),
    ];
    if (skipped.length > 0) {
      notes.push(
        `the baseline check of ${skipped.join(' and ')} was skipped: a migration directory was ` +
          (refused.length > 0 ? 'skipped' : 'not run to its end'),
      );
    }
    const { runRoundTrips } = await import('./roundtrip/index.js');
    const outcome = await runRoundTrips(
      runnable,
      {
        ...config,
        ...(skipSchema ? { baselineSchema: null } : {}),
        ...(skipDatabase ? { baselineDatabase: null } : {}),
      },
      {
        progress: (line) => progress(`[round-trip ${elapsed()}] ${line}`),
        changedFiles: (files) => touched(config, baseSha, options.changes, files),
      },
    );
    database = outcome.database;
    results = outcome.results;
    findings.push(...outcome.findings);
    notes.push(...outcome.notes);
  }

  const report = buildReport({
    command: options.command,
    base: config.base,
    baseSha,
    headSha: options.markdown?.headSha ?? (await headSha(config.cwd)),
    database,
    sets,
    results,
    findings,
    config,
    durationMs: Date.now() - started,
    notes,
  });
  if (config.jsonPath) await writeJsonReport(config.jsonPath, report);
  if (config.markdownPath)
    await writeReportFile(
      config.markdownPath,
      redact(renderMarkdown(report, options.markdown ?? {})),
      'Markdown',
    );
  progress(`[done] ${report.verdict} in ${elapsed()}`);
  return report;
}

/**
 * Which of `files` the change set touched: the pull request's files when given, else a git diff against the
 * merge base; without a base, every file.
 */
async function touched(
  config: GateConfig,
  baseSha: string | null,
  changes: ChangedFile[] | undefined,
  files: string[],
): Promise<ReadonlySet<string>> {
  if (files.length === 0) return new Set();
  if (changes) {
    const paths = new Set(changes.map((c) => c.path));
    return new Set(files.filter((f) => paths.has(f)));
  }
  if (!baseSha) return new Set(files);
  const inside = files.filter((f) => !f.startsWith('../') && !f.startsWith('/'));
  if (inside.length === 0) return new Set();
  return new Set((await changedFiles(config.cwd, baseSha, inside)).map((c) => c.path));
}

/**
 * The set as far as the round-trip can run it: up to its first unsupported migration (a note says where it
 * stopped and what was not run).
 */
function untilUnsupported(set: MigrationSet, notes: string[]): MigrationSet {
  const stop = set.migrations.findIndex((m) => m.unsupported !== undefined);
  if (stop === -1) return set;
  const rest = set.migrations.slice(stop).filter((m) => m.change !== 'unchanged' && !m.unsupported).length;
  const at = set.migrations[stop]!;
  notes.push(
    `the round-trip of ${set.dir} stopped at '${at.name}' (${at.path}), a migration it cannot run` +
      (rest > 0 ? `: ${rest} changed migration(s) after it were not run` : ''),
  );
  return { ...set, migrations: set.migrations.slice(0, stop) };
}

/** A `parse-error` when the baseline schema's real path leaves the repository (it is then never read). */
async function baselineLeavesRepository(config: GateConfig): Promise<Finding | null> {
  if (!config.baselineSchema) return null;
  const where = await containment(
    await repositoryRoot(config.cwd),
    resolve(config.cwd, config.baselineSchema),
  );
  if (where.inside !== false) return null;
  return {
    rule: 'parse-error',
    severity: 'error',
    migration: null,
    path: config.baselineSchema,
    message: `the baseline schema ${where.message}`,
  };
}

/** A report path that names a file the gate reads (a migration, the baseline) would destroy it: refused. */
function refuseReportOverInput(config: GateConfig, sets: MigrationSet[]): void {
  const inputs = new Map<string, string>();
  for (const set of sets) {
    for (const m of set.migrations) for (const file of m.files) inputs.set(resolve(config.cwd, file), file);
  }
  if (config.baselineSchema) inputs.set(resolve(config.cwd, config.baselineSchema), config.baselineSchema);
  for (const [what, path] of [
    ['JSON', config.jsonPath],
    ['Markdown', config.markdownPath],
  ] as const) {
    const input = path ? inputs.get(resolve(path)) : undefined;
    if (input !== undefined) {
      throw new GateError(
        `the ${what} report ${path} would overwrite ${input}, a file the gate reads: write the report somewhere else`,
      );
    }
  }
}

/**
 * Finds out before the work whether the reports can be written (their folder exists or can be made and takes
 * files; the path is no directory), so that a long `check` is not lost to a typo in `--json`.
 */
async function checkReportPaths(config: GateConfig): Promise<void> {
  for (const [what, path] of [
    ['JSON', config.jsonPath],
    ['Markdown', config.markdownPath],
  ] as const) {
    if (!path) continue;
    try {
      await mkdir(dirname(path), { recursive: true });
      await access(dirname(path), constants.W_OK);
      if ((await stat(path).catch(() => null))?.isDirectory()) throw new Error('it is a directory');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new GateError(`cannot write the ${what} report to ${path}: ${reason}`, { cause: error });
    }
  }
}
