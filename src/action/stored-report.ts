import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createOctokit, type GitHubClient } from '../github/client.js';
import type { GitHubContext } from '../github/context.js';
import { checkPullRequestHead, sameName } from '../github/pulls.js';
import { failsAt, parseReport } from '../report/json.js';
import { GateError, type Report } from '../types.js';
import type { ActionInputs } from './inputs.js';
import { clientLog, out } from './output.js';
import { defaultMarkerKey, publish } from './publish.js';

/**
 * The commit the report must be about: the head of the run a `workflow_run` event reports on, else the
 * event's own head (a later job of the same pull_request run).
 */
function eventHead(gh: GitHubContext): string | null {
  return gh.eventName === 'workflow_run' ? (gh.workflowRun?.headSha ?? null) : gh.headSha;
}

/**
 * The report comes from an untrusted job: it is bound to the event before anything is published. Its head
 * commit must be the event's; the pull request it names must be the event's, if the event names one.
 */
function bindToEvent(report: Report, gh: GitHubContext, inputs: ActionInputs): number | null {
  const head = eventHead(gh);
  const refuse = (why: string) =>
    new GateError(`mode report: refusing to publish ${inputs.reportJson}: ${why}`);
  if (!head)
    throw refuse(`the ${gh.eventName || 'unknown'} event names no head commit to check the report against`);
  if (!report.meta.headSha) throw refuse('the report names no head commit');
  if (!sameName(report.meta.headSha, head)) {
    throw refuse(
      `it is about commit ${report.meta.headSha.slice(0, 12)}, the ${gh.eventName} event about ${head.slice(0, 12)}`,
    );
  }
  const listed = gh.eventName === 'workflow_run' ? (gh.workflowRun?.pullNumbers ?? []) : [];
  const eventPull = gh.pullNumber ?? (listed.length === 1 ? listed[0]! : null);
  const pullNumber = inputs.pullRequestNumber ?? eventPull;
  if (pullNumber !== null && gh.pullNumber !== null && pullNumber !== gh.pullNumber) {
    throw refuse(`pull-request-number is #${pullNumber}, the event's pull request #${gh.pullNumber}`);
  }
  if (pullNumber !== null && listed.length > 0 && !listed.includes(pullNumber)) {
    throw refuse(
      `pull-request-number is #${pullNumber}, the run was for ${listed.map((n) => `#${n}`).join(', ')}`,
    );
  }
  return pullNumber;
}

/**
 * Whether to comment on the pull request: it must have the report's commit as its head (checked through the
 * API, with the head repository and branch of a pull request from a fork). A pull request that has moved on
 * gets no comment (a newer run reports on it); any other pull request is refused.
 */
async function commentTarget(
  octokit: GitHubClient,
  gh: GitHubContext,
  pullNumber: number,
  headSha: string,
): Promise<number | null> {
  const run = gh.eventName === 'workflow_run' ? gh.workflowRun : null;
  const result = await checkPullRequestHead(octokit, {
    owner: gh.owner,
    repo: gh.repo,
    pullNumber,
    headSha,
    headRepository: run?.headRepository ?? null,
    headBranch: run?.headBranch ?? null,
  });
  if (result === 'current') return pullNumber;
  out.warning(
    `mode report: pull request #${pullNumber} has moved on from ${headSha.slice(0, 7)}; the comment is left ` +
      'to the run of its new head. The job summary carries this report.',
  );
  return null;
}

/** Mode report: publishes a JSON report made by an earlier (untrusted) job, once it is bound to the event. */
export async function publishStoredReport(
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
  let pullNumber = bindToEvent(report, gh, inputs);
  const octokit = inputs.token ? createOctokit(inputs.token, { baseUrl: gh.apiUrl, log: clientLog }) : null;
  if (pullNumber !== null && octokit && inputs.comment !== 'never') {
    pullNumber = await commentTarget(octokit, gh, pullNumber, report.meta.headSha!);
  } else if (pullNumber === null && inputs.comment !== 'never') {
    out.warning(
      'mode report: no pull request to comment on (the event names none; set pull-request-number). The job ' +
        'summary carries the report.',
    );
  }
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
