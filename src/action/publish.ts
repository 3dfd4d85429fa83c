import * as core from '@actions/core';
import type { GitHubClient } from '../github/client.js';
import { CommentTooLongError, findComment, shouldComment, upsertComment } from '../github/comment.js';
import type { GitHubContext } from '../github/context.js';
import { redact, redactDeep } from '../redact.js';
import { annotationsFor } from '../report/annotations.js';
import {
  COMMENT_LIMIT,
  renderMarkdown,
  renderWithinBytes,
  type MarkdownContext,
} from '../report/markdown.js';
import type { Report } from '../types.js';
import type { ActionInputs } from './inputs.js';
import { out } from './output.js';
import { countsLine } from '../report/counts.js';

/** GitHub's limit on one step's job summary is 1 MiB of UTF-8; a little is kept in reserve. */
const SUMMARY_BYTES = 1_000_000;

/** Where the report is published: the pieces `publish` needs besides the report. */
export interface Publication {
  gh: GitHubContext;
  inputs: ActionInputs;
  /** The pull request to comment on; null: no comment. */
  pullNumber: number | null;
  /** Working directory relative to the repository root (file links and annotations). */
  pathPrefix: string;
  /** Branch name of the base when the report's base is the pull request's base commit. */
  baseRef: string | null;
  markerKey: string;
  reportPath: string;
}

/** The job, the directories and (when chosen) the PostgreSQL image: a matrix over images gets one comment per image. */
export function defaultMarkerKey(dirs: string[], pathPrefix: string, image: string | undefined): string {
  const job = process.env.GITHUB_JOB ? `${process.env.GITHUB_JOB}:` : '';
  const where = dirs.map((d) => (pathPrefix ? `${pathPrefix}/${d}` : d)).join(',');
  return job + where + (image ? `@${image}` : '');
}

/**
 * Publishes the report: annotations, job summary, the sticky comment, outputs, and the step's result. Every
 * string of the report is redacted before anything is rendered from it (a secret split by markdown
 * escaping would no longer be found in the rendered text).
 */
export async function publish(
  unredacted: Report,
  octokit: GitHubClient | null,
  p: Publication,
): Promise<void> {
  const report = redactDeep(unredacted);
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
    if (a.level === 'error') out.error(a.message, props);
    else out.warning(a.message, props);
  }

  try {
    const summary = renderWithinBytes(report, { ...ctx, target: 'job-summary' }, SUMMARY_BYTES);
    await core.summary.addRaw(redact(summary)).write();
  } catch (error) {
    out.warning(`cannot write the job summary: ${(error as Error).message}`);
  }

  let commentUrl = '';
  if (p.pullNumber !== null && octokit && inputs.comment !== 'never') {
    commentUrl = await comment(report, octokit, p, ctx);
  }

  core.setOutput('verdict', report.verdict);
  core.setOutput('report-path', p.reportPath);
  core.setOutput('changed-count', String(report.migrations.length));
  core.setOutput('comment-url', commentUrl);

  const line = `migration-gate: ${countsLine(report)}`;
  if (report.verdict === 'fail') out.setFailed(`${line}: the gate fails (see the job summary)`);
  else out.info(`${line}: the gate passes`);
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
      const body = redact(renderMarkdown(report, { ...ctx, marker: p.markerKey, maxLength }));
      try {
        const result = await upsertComment(octokit, { ...target, body, existing });
        if (result.action === 'skipped') {
          out.warning(
            `the traceability comment was not posted: ${result.reason}. The job summary carries the report; ` +
              'the verdict is unchanged.',
          );
          return '';
        }
        out.info(`traceability comment ${result.action}: ${result.url}`);
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
    out.warning(
      `the traceability comment could not be written (${(error as Error).message}); the job summary ` +
        'carries the report.',
    );
    return '';
  }
}
