import { GateError } from '../types.js';
import { apiError, errorStatus, type GitHubClient } from './client.js';

/** The pull request a report is about to be posted on, and the commit the report must be about. */
export interface PullRequestBinding {
  owner: string;
  repo: string;
  pullNumber: number;
  /** The head commit of the run that made the report. */
  headSha: string;
  /** `owner/repo` the head commit comes from, when the event names it (a fork's for a pull request from a fork). */
  headRepository?: string | null;
  /** The branch the run ran on, when the event names it. */
  headBranch?: string | null;
}

/**
 * `current`: the pull request's head is the commit. `superseded`: the commit was a head of that pull request,
 * which has moved on since (a newer run reports on the newer head).
 */
export type BindingResult = 'current' | 'superseded';

function short(sha: string): string {
  return sha.slice(0, 7);
}

/** GitHub names (logins, repositories, branches) compare without case. */
export function sameName(a: string | null | undefined, b: string | null | undefined): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

/** Numbers of the pull requests GitHub associates with a commit (`GET /repos/{o}/{r}/commits/{sha}/pulls`). */
export async function pullRequestsOfCommit(
  octokit: GitHubClient,
  where: { owner: string; repo: string; sha: string },
): Promise<number[]> {
  try {
    const pulls = await octokit.paginate(octokit.rest.repos.listPullRequestsAssociatedWithCommit, {
      owner: where.owner,
      repo: where.repo,
      commit_sha: where.sha,
      per_page: 100,
    });
    return pulls.map((p) => p.number);
  } catch (error) {
    throw apiError(`list the pull requests of commit ${short(where.sha)}`, error);
  }
}

/**
 * Checks that the pull request exists and has the commit as its head: same SHA and, when the event names
 * them, the same head repository and branch (a pull request from a fork). When its head is another commit,
 * the commit must be one the pull request had (GitHub lists the pull request for it): `superseded`.
 * Anything else throws a one-line `GateError`.
 */
export async function checkPullRequestHead(
  octokit: GitHubClient,
  binding: PullRequestBinding,
): Promise<BindingResult> {
  const { owner, repo, pullNumber, headSha } = binding;
  const refuse = (why: string) =>
    new GateError(`mode report: refusing to comment on pull request #${pullNumber}: ${why}`);
  let pull;
  try {
    ({ data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber }));
  } catch (error) {
    if (errorStatus(error) === 404) throw refuse(`${owner}/${repo} has no such pull request`);
    throw apiError(`read pull request ${owner}/${repo}#${pullNumber}`, error);
  }
  if (!sameName(pull.base.repo?.full_name, `${owner}/${repo}`)) {
    throw refuse(`its base repository is ${pull.base.repo?.full_name ?? 'unknown'}, not ${owner}/${repo}`);
  }
  if (sameName(pull.head.sha, headSha)) {
    const headRepo = pull.head.repo?.full_name ?? null;
    if (binding.headRepository && !sameName(headRepo, binding.headRepository)) {
      throw refuse(
        `its head comes from ${headRepo ?? 'a deleted repository'}, the run's from ${binding.headRepository}`,
      );
    }
    if (binding.headBranch && pull.head.ref !== binding.headBranch) {
      throw refuse(`its head branch is ${pull.head.ref}, the run's ${binding.headBranch}`);
    }
    return 'current';
  }
  let numbers: number[] = [];
  try {
    numbers = await pullRequestsOfCommit(octokit, { owner, repo, sha: headSha });
  } catch {
    // Without the list the commit cannot be tied to the pull request: refused below.
  }
  if (numbers.includes(pullNumber)) return 'superseded';
  throw refuse(`its head is ${short(pull.head.sha)}, not the run's head commit ${short(headSha)}`);
}
