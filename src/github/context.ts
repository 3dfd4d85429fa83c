import { readFileSync } from 'node:fs';
import { GateError } from '../types.js';

/** The run a `workflow_run` event reports on (the untrusted half of the two-workflow setup). */
export interface WorkflowRunContext {
  /** Id of that run (its artifacts are read from it). */
  id: number | null;
  /** The event that started it, e.g. `pull_request`. */
  event: string | null;
  /** The commit it ran on: for a pull request, the pull request's head commit. */
  headSha: string | null;
  /** The branch it ran on (for a pull request from a fork, the fork's branch). */
  headBranch: string | null;
  /** `owner/repo` the head commit comes from (the fork for a pull request from a fork). */
  headRepository: string | null;
  /** Pull requests GitHub lists for the run; empty for pull requests from forks. */
  pullNumbers: number[];
}

/** What the gate needs to know about the workflow run that started it. */
export interface GitHubContext {
  eventName: string;
  owner: string;
  repo: string;
  /** The pull request's number, or null for events without one (push, workflow_dispatch…). */
  pullNumber: number | null;
  headSha: string | null;
  /** The commit to compare with: the PR's base, the merge group's base, or the push's `before`. */
  baseSha: string | null;
  /** Branch name of the base (`main`), or null. */
  baseRef: string | null;
  prTitle: string | null;
  prBody: string | null;
  /** True when the PR comes from another repository (its token is read-only). */
  isFork: boolean;
  /** e.g. `https://github.com/o/r`. */
  repoUrl: string;
  /** The run's page (its job summaries are there), or null without `GITHUB_RUN_ID`. */
  runUrl: string | null;
  /** REST API root. */
  apiUrl: string;
  serverUrl: string;
  /** The reported run of a `workflow_run` event, else null. */
  workflowRun: WorkflowRunContext | null;
}

type Json = Record<string, unknown>;

function object(value: unknown): Json | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function sha(value: unknown): string | null {
  const s = text(value);
  return s && /^[0-9a-f]{7,64}$/i.test(s) && !/^0+$/.test(s) ? s : null;
}

function branch(ref: unknown): string | null {
  const s = text(ref);
  return s ? s.replace(/^refs\/heads\//, '') : null;
}

function readEvent(path: string | undefined): Json {
  if (!path) return {};
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    throw new GateError(
      `cannot read the event file ${path} (GITHUB_EVENT_PATH): ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new GateError(
      `the event file ${path} (GITHUB_EVENT_PATH) is not JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const payload = object(parsed);
  if (!payload) throw new GateError(`the event file ${path} (GITHUB_EVENT_PATH) does not hold a JSON object`);
  return payload;
}

function readWorkflowRun(run: Json): WorkflowRunContext {
  const pulls = Array.isArray(run.pull_requests) ? run.pull_requests : [];
  const pullNumbers = pulls
    .map((p) => object(p)?.number)
    .filter((n): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0);
  return {
    id: typeof run.id === 'number' ? run.id : null,
    event: text(run.event),
    headSha: sha(run.head_sha),
    headBranch: text(run.head_branch),
    headRepository: text(object(run.head_repository)?.full_name),
    pullNumbers,
  };
}

/**
 * Reads the run's context from the environment GitHub sets (`GITHUB_EVENT_NAME`, `GITHUB_EVENT_PATH`,
 * `GITHUB_REPOSITORY`, `GITHUB_SERVER_URL`, `GITHUB_API_URL`, `GITHUB_RUN_ID`, `GITHUB_SHA`).
 */
export function readGitHubContext(env: NodeJS.ProcessEnv = process.env): GitHubContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(repository);
  if (!match) {
    throw new GateError(
      `GITHUB_REPOSITORY is ${repository ? `"${repository}"` : 'not set'}; expected owner/repo`,
    );
  }
  const [, owner, repo] = match as unknown as [string, string, string];
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const payload = readEvent(env.GITHUB_EVENT_PATH);
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const repoUrl = `${serverUrl}/${owner}/${repo}`;
  const runUrl = env.GITHUB_RUN_ID ? `${repoUrl}/actions/runs/${env.GITHUB_RUN_ID}` : null;

  const context: GitHubContext = {
    eventName,
    owner,
    repo,
    pullNumber: null,
    headSha: sha(env.GITHUB_SHA),
    baseSha: null,
    baseRef: null,
    prTitle: null,
    prBody: null,
    isFork: false,
    repoUrl,
    runUrl,
    apiUrl,
    serverUrl,
    workflowRun: null,
  };

  const pull = object(payload.pull_request);
  const mergeGroup = object(payload.merge_group);
  const workflowRun = object(payload.workflow_run);
  if (workflowRun && eventName === 'workflow_run') {
    context.workflowRun = readWorkflowRun(workflowRun);
  } else if (pull) {
    const head = object(pull.head);
    const base = object(pull.base);
    const headRepo = object(head?.repo)?.full_name;
    const baseRepo = object(base?.repo)?.full_name ?? repository;
    context.pullNumber = typeof pull.number === 'number' ? pull.number : null;
    context.headSha = sha(head?.sha) ?? context.headSha;
    context.baseSha = sha(base?.sha);
    context.baseRef = branch(base?.ref);
    context.prTitle = text(pull.title);
    context.prBody = text(pull.body);
    context.isFork =
      typeof headRepo !== 'string' || headRepo.toLowerCase() !== String(baseRepo).toLowerCase();
  } else if (mergeGroup) {
    context.headSha = sha(mergeGroup.head_sha) ?? context.headSha;
    context.baseSha = sha(mergeGroup.base_sha);
    context.baseRef = branch(mergeGroup.base_ref);
  } else if (eventName === 'push') {
    context.headSha = sha(payload.after) ?? context.headSha;
    context.baseSha = sha(payload.before);
  }
  return context;
}
