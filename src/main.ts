import * as core from '@actions/core';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { readInputs, type ActionInputs } from './action/inputs.js';
import { loadConfigFile, resolveConfig } from './config/load.js';
import { redactUrl } from './redact.js';
import type { ChangedFile } from './discover/git.js';
import { runGate } from './engine.js';
import { listPullRequestFiles } from './github/changes.js';
import { createOctokit, type GitHubClient } from './github/client.js';
import { CommentTooLongError, findComment, shouldComment, upsertComment } from './github/comment.js';
import { readGitHubContext, type GitHubContext } from './github/context.js';
import { annotationsFor } from './report/annotations.js';
import { failsAt, parseReport } from './report/json.js';
import { COMMENT_LIMIT, renderMarkdown, renderWithinBytes, type MarkdownContext } from './report/markdown.js';
import { GateError, type Report } from './types.js';

/** GitHub's limit on one step's job summary is 1 MiB of UTF-8; a little is kept in reserve. */
const SUMMARY_BYTES = 1_000_000;

/** Where the report is published: the pieces `publish` needs besides the report. */
interface Publication {
  gh: GitHubContext;
  inputs: ActionInputs;
  pullNumber: number | null;
  /** Working directory relative to the repository root (file links and annotations). */
  pathPrefix: string;
  /** Branch name of the base when the report's base is the pull request's base commit. */
  baseRef: string | null;
  markerKey: string;
  reportPath: string;
}

/** The Action: reads inputs and the event, runs the gate, publishes comment, summary, annotations and outputs. */
export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    core.info(`migration-gate: mode ${inputs.mode}`);
    const gh = readGitHubContext(process.env);
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    if (inputs.mode === 'report') {
      await publishStoredReport(inputs, gh, workspace);
      return;
    }
    if (gh.eventName === 'pull_request_target' && !inputs.allowPullRequestTarget) {
      throw new GateError(
        'refusing to run under pull_request_target: the checked-out migrations may come from the pull request ' +
          'and would run with a write token. Run mode check on pull_request and post the comment from a ' +
          'workflow_run job with mode report (see the README), or set allow-pull-request-target: true if this ' +
          'checkout is trusted.',
      );
    }

    const workDir = resolve(workspace, inputs.settings['working-directory'] ?? '.');
    const config = resolveConfig(workspace, await loadConfigFile(workDir, null), inputs.settings);
    config.base ??= gh.baseSha;
    config.pullRequestText = [gh.prTitle, gh.prBody].filter(Boolean).join('\n') || null;
    const reportPath = inputs.reportJson
      ? resolve(workspace, inputs.reportJson)
      : join(process.env.RUNNER_TEMP || tmpdir(), 'migration-gate-report.json');
    config.jsonPath = reportPath;
    const pathPrefix = relative(workspace, config.cwd).split('\\').join('/');

    let octokit: GitHubClient | null = null;
    if (inputs.token) octokit = createOctokit(inputs.token, { baseUrl: gh.apiUrl, log: clientLog });

    let changes: ChangedFile[] | undefined;
    if (gh.pullNumber !== null && octokit && config.base === gh.baseSha) {
      changes = await pullRequestChanges(octokit, gh, gh.pullNumber, pathPrefix);
    }

    const markerKey =
      inputs.commentKey ?? defaultMarkerKey(config.dirs, pathPrefix, inputs.settings['postgres-image']);
    const report = await runGate(config, {
      command: inputs.mode,
      progress: (line) => core.info(line),
      changes,
      markdown: { repoUrl: gh.repoUrl, headSha: gh.headSha ?? undefined },
    });
    await publish(report, octokit, {
      gh,
      inputs,
      pullNumber: gh.pullNumber,
      pathPrefix,
      baseRef: config.base === gh.baseSha ? gh.baseRef : null,
      markerKey,
      reportPath,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    core.setFailed(redactUrl(message));
    if (error instanceof Error && error.stack && !(error instanceof GateError))
      core.debug(redactUrl(error.stack));
  }
}

const clientLog = {
  debug: (m: string) => core.debug(m),
  info: (m: string) => core.info(m),
  warn: (m: string) => core.warning(m),
  error: (m: string) => core.error(m),
};

/** The job, the directories and (when chosen) the PostgreSQL image: a matrix over images gets one comment per image. */
function defaultMarkerKey(dirs: string[], pathPrefix: string, image: string | undefined): string {
  const job = process.env.GITHUB_JOB ? `${process.env.GITHUB_JOB}:` : '';
  const where = dirs.map((d) => (pathPrefix ? `${pathPrefix}/${d}` : d)).join(',');
  return job + where + (image ? `@${image}` : '');
}

/**
 * The PR's files from the API, as changes relative to the working directory. Undefined (git diff decides)
 * when GitHub's listing is incomplete (over 3,000 files) or the API cannot be read.
 */
async function pullRequestChanges(
  octokit: GitHubClient,
  gh: GitHubContext,
  pullNumber: number,
  pathPrefix: string,
): Promise<ChangedFile[] | undefined> {
  try {
    const { files, complete } = await listPullRequestFiles(octokit, {
      owner: gh.owner,
      repo: gh.repo,
      pullNumber,
    });
    if (!complete) {
      core.info(
        'the pull request changes more files than GitHub lists (3,000): using git diff against the merge base',
      );
      return undefined;
    }
    const local = (p: string) =>
      pathPrefix ? (p.startsWith(`${pathPrefix}/`) ? p.slice(pathPrefix.length + 1) : null) : p;
    const changes: ChangedFile[] = [];
    for (const f of files) {
      const path = local(f.path);
      if (path === null || f.status === 'unchanged') continue;
      const previousPath = f.previousPath ? local(f.previousPath) : null;
      changes.push({
        status: f.status === 'deleted' ? 'deleted' : f.status,
        path,
        previousPath,
      } as ChangedFile);
    }
    return changes;
  } catch (error) {
    core.warning(
      `cannot list the pull request's files (${(error as Error).message}); using git diff against the merge base`,
    );
    return undefined;
  }
}

/** Mode report: publishes a JSON report made by an earlier (untrusted) job. */
async function publishStoredReport(
  inputs: ActionInputs,
  gh: GitHubContext,
  workspace: string,
): Promise<void> {
  if (!inputs.reportJson) throw new GateError('mode report needs report-json: the JSON report to publish');
  const reportPath = resolve(workspace, inputs.reportJson);
  let text: string;
  try {
    text = await readFile(reportPath, 'utf8');
  } catch (error) {
    throw new GateError(`cannot read report-json ${inputs.reportJson}: ${(error as Error).message}`);
  }
  const report = parseReport(text, inputs.reportJson);
  // The stored verdict comes from an untrusted job: derive it from the findings again.
  report.verdict = report.findings.some((f) => failsAt(f.severity, report.meta.failOn)) ? 'fail' : 'pass';
  const pullNumber = inputs.pullRequestNumber ?? gh.pullNumber;
  if (pullNumber === null && inputs.comment !== 'never') {
    core.warning(
      'mode report: no pull request to comment on (the event names none; set pull-request-number). The job ' +
        'summary carries the report.',
    );
  }
  const octokit = inputs.token ? createOctokit(inputs.token, { baseUrl: gh.apiUrl, log: clientLog }) : null;
  const markerKey =
    inputs.commentKey ?? defaultMarkerKey(report.meta.dirs, '', inputs.settings['postgres-image']);
  await publish(report, octokit, {
    gh,
    inputs,
    pullNumber,
    pathPrefix: '',
    baseRef: null,
    markerKey,
    reportPath,
  });
}

async function publish(report: Report, octokit: GitHubClient | null, p: Publication): Promise<void> {
  const { gh, inputs } = p;
  const ctx: MarkdownContext = {
    repoUrl: gh.repoUrl,
    headSha: report.meta.headSha ?? gh.headSha ?? undefined,
    jobSummaryUrl: gh.runUrl ?? undefined,
    pathPrefix: p.pathPrefix,
    baseRef: p.baseRef ?? undefined,
  };

  for (const a of annotationsFor(report, { pathPrefix: p.pathPrefix })) {
    const props = { file: a.file, startLine: a.startLine, title: a.title };
    if (a.level === 'error') core.error(a.message, props);
    else core.warning(a.message, props);
  }

  try {
    const summary = renderWithinBytes(report, { ...ctx, target: 'job-summary' }, SUMMARY_BYTES);
    await core.summary.addRaw(summary).write();
  } catch (error) {
    core.warning(`cannot write the job summary: ${(error as Error).message}`);
  }

  let commentUrl = '';
  if (p.pullNumber !== null && octokit && inputs.comment !== 'never') {
    commentUrl = await comment(report, octokit, p, ctx);
  }

  core.setOutput('verdict', report.verdict);
  core.setOutput('report-path', p.reportPath);
  core.setOutput('changed-count', String(report.migrations.length));
  core.setOutput('comment-url', commentUrl);

  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  const line = `migration-gate: ${report.migrations.length} changed migration(s), ${errors} error(s), ${warnings} warning(s)`;
  if (report.verdict === 'fail') core.setFailed(`${line}: the gate fails (see the job summary)`);
  else core.info(`${line}: the gate passes`);
}

/** Posts or updates the sticky comment; returns its URL, or '' when none was written. */
async function comment(
  report: Report,
  octokit: GitHubClient,
  p: Publication,
  ctx: MarkdownContext,
): Promise<string> {
  const target = { owner: p.gh.owner, repo: p.gh.repo, issueNumber: p.pullNumber!, marker: p.markerKey };
  try {
    const existing = await findComment(octokit, target);
    if (!shouldComment(p.inputs.comment, report.verdict, existing !== null)) return existing?.url ?? '';
    let maxLength = COMMENT_LIMIT;
    for (;;) {
      const body = renderMarkdown(report, { ...ctx, marker: p.markerKey, maxLength });
      try {
        const result = await upsertComment(octokit, { ...target, body, existing });
        if (result.action === 'skipped') {
          core.warning(
            `the traceability comment was not posted: ${result.reason}. The job summary carries the report; ` +
              'the verdict is unchanged.',
          );
          return '';
        }
        core.info(`traceability comment ${result.action}: ${result.url}`);
        return result.url;
      } catch (error) {
        if (error instanceof CommentTooLongError && maxLength > 4_000) {
          maxLength = Math.floor(maxLength / 2);
          continue;
        }
        throw error;
      }
    }
  } catch (error) {
    core.warning(
      `the traceability comment could not be written (${redactUrl((error as Error).message)}); the job summary ` +
        'carries the report.',
    );
    return '';
  }
}
