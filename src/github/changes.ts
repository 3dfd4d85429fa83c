import type { ChangeKind } from '../types.js';
import { apiError, type GitHubClient } from './client.js';

/** GitHub lists at most this many files of a pull request. */
export const PULL_FILES_CAP = 3000;

/** One file of a pull request, in the gate's change vocabulary. */
export interface PullRequestFile {
  path: string;
  status: ChangeKind;
  /** The path before a rename, else null. */
  previousPath: string | null;
}

export interface PullRequestFiles {
  files: PullRequestFile[];
  /** False when GitHub listed fewer files than the PR changes (over 3,000): fall back to `git diff`. */
  complete: boolean;
}

/**
 * Maps GitHub's file status to ours: a copy is a new file, a `changed` file (mode or type only) is
 * modified.
 */
export function mapFileStatus(status: string): ChangeKind {
  switch (status) {
    case 'added':
    case 'copied':
      return 'added';
    case 'removed':
      return 'deleted';
    case 'renamed':
      return 'renamed';
    case 'unchanged':
      return 'unchanged';
    default:
      return 'modified';
  }
}

/** Lists the files of a pull request (100 a page, up to GitHub's 3,000) and says whether that is all of them. */
export async function listPullRequestFiles(
  octokit: GitHubClient,
  target: { owner: string; repo: string; pullNumber: number },
): Promise<PullRequestFiles> {
  const { owner, repo, pullNumber } = target;
  try {
    const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: pullNumber });
    const listed = await octokit.paginate(
      octokit.rest.pulls.listFiles,
      { owner, repo, pull_number: pullNumber, per_page: 100 },
      (response, done) => {
        if (response.data.length === 0) done();
        return response.data;
      },
    );
    const files = listed.slice(0, PULL_FILES_CAP).map((file): PullRequestFile => ({
      path: file.filename,
      status: mapFileStatus(file.status),
      previousPath: file.previous_filename ?? null,
    }));
    return { files, complete: files.length >= pull.changed_files };
  } catch (error) {
    throw apiError(`list the files of ${owner}/${repo}#${pullNumber}`, error);
  }
}
