import { commentMarker } from '../report/markdown.js';
import { apiError, errorStatus, GitHubApiError, type GitHubClient } from './client.js';
import { sameName } from './pulls.js';

/** Author of comments made with the default `GITHUB_TOKEN`. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

/** When to comment (the `comment` input). */
export type CommentPolicy = 'always' | 'on-failure' | 'never';

/** The gate's comment as found on the pull request. */
export interface ExistingComment {
  id: number;
  body: string;
  url: string;
}

/** Where the comment lives and who wrote it. */
export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
  /** Marker key (see `commentMarker`): one comment per key. */
  marker: string;
  /** Login the token acts as; default: `GET /user`, else `github-actions[bot]`. */
  authorLogin?: string;
}

export interface UpsertCommentInput extends CommentTarget {
  /** Comment text; the marker line is put first unless the body starts with it. */
  body: string;
  /** The comment found before (see `findComment`), to avoid listing comments twice. */
  existing?: ExistingComment | null;
}

export type UpsertCommentResult =
  | { action: 'created' | 'updated' | 'unchanged'; url: string; id: number }
  /** The token may not write (read-only token of a fork PR): the caller warns. */
  | { action: 'skipped'; reason: string; url: string | null; id: number | null };

/** GitHub refused the body as too long (422): render a shorter one and try again. */
export class CommentTooLongError extends GitHubApiError {
  override name = 'CommentTooLongError';
  constructor(
    message: string,
    readonly bodyLength: number,
    options?: { cause?: unknown },
  ) {
    super(message, 422, options);
  }
}

/** Whether to post or update the comment: `on-failure` posts when failing and keeps an existing one current. */
export function shouldComment(policy: CommentPolicy, verdict: 'pass' | 'fail', existing: boolean): boolean {
  if (policy === 'always') return true;
  if (policy === 'never') return false;
  return verdict === 'fail' || existing;
}

/**
 * The login comments made with this client carry: `GET /user` answers for a personal token; the
 * default `GITHUB_TOKEN` (an installation token) gets 403 there and writes as `github-actions[bot]`.
 */
export async function resolveAuthorLogin(octokit: GitHubClient): Promise<string> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    const status = errorStatus(error);
    if (status === 403 || status === 404) return ACTIONS_BOT_LOGIN;
    throw apiError('read the token identity (GET /user)', error);
  }
}

/**
 * Whether the body's first line is exactly the marker. A marker further down (quoted by someone, or text
 * copied from a migration into a report) does not count.
 */
export function startsWithMarker(body: string | null | undefined, marker: string): boolean {
  if (!body?.startsWith(marker)) return false;
  const rest = body.slice(marker.length);
  return rest === '' || rest.startsWith('\n') || rest.startsWith('\r\n');
}

/**
 * Pages through every comment of the issue and returns the first whose body starts with the marker line and
 * whose author is `authorLogin` (resolved when absent). Comments by others are never returned.
 */
export async function findComment(
  octokit: GitHubClient,
  target: CommentTarget,
): Promise<ExistingComment | null> {
  const author = target.authorLogin ?? (await resolveAuthorLogin(octokit));
  const marker = commentMarker(target.marker);
  let found: ExistingComment | null = null;
  try {
    await octokit.paginate(
      octokit.rest.issues.listComments,
      { owner: target.owner, repo: target.repo, issue_number: target.issueNumber, per_page: 100 },
      (response, done) => {
        for (const comment of response.data) {
          if (
            found === null &&
            startsWithMarker(comment.body, marker) &&
            sameName(comment.user?.login, author)
          ) {
            found = { id: comment.id, body: comment.body ?? '', url: comment.html_url };
            done();
          }
        }
        return [];
      },
    );
  } catch (error) {
    throw apiError(`list the comments of ${target.owner}/${target.repo}#${target.issueNumber}`, error);
  }
  return found;
}

function normalized(body: string): string {
  return body.replace(/\r\n/g, '\n').trimEnd();
}

function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

function writeFailure(what: string, error: unknown, bodyLength: number): GitHubApiError {
  if (errorStatus(error) === 422) {
    return new CommentTooLongError(
      `GitHub API: cannot ${what}: 422 ${reasonOf(error)} (body of ${bodyLength} characters)`,
      bodyLength,
      { cause: error },
    );
  }
  return apiError(what, error);
}

/**
 * Creates the gate's comment, or updates it in place (same id) when one with the marker by the same
 * author exists; an identical body is left alone. A 403 on writing (read-only token) gives `skipped`;
 * a 422 throws `CommentTooLongError`; other failures throw `GitHubApiError`.
 */
export async function upsertComment(
  octokit: GitHubClient,
  input: UpsertCommentInput,
): Promise<UpsertCommentResult> {
  const marker = commentMarker(input.marker);
  const body = startsWithMarker(input.body, marker) ? input.body : `${marker}\n${input.body}`;
  const existing = input.existing !== undefined ? input.existing : await findComment(octokit, input);
  const where = `${input.owner}/${input.repo}#${input.issueNumber}`;

  if (existing) {
    if (normalized(existing.body) === normalized(body)) {
      return { action: 'unchanged', url: existing.url, id: existing.id };
    }
    try {
      const { data } = await octokit.rest.issues.updateComment({
        owner: input.owner,
        repo: input.repo,
        comment_id: existing.id,
        body,
      });
      return { action: 'updated', url: data.html_url, id: data.id };
    } catch (error) {
      if (errorStatus(error) === 403) {
        return {
          action: 'skipped',
          reason: `cannot update comment ${existing.id} on ${where}: ${reasonOf(error)}`,
          url: existing.url,
          id: existing.id,
        };
      }
      throw writeFailure(`update comment ${existing.id} on ${where}`, error, body.length);
    }
  }

  try {
    const { data } = await octokit.rest.issues.createComment({
      owner: input.owner,
      repo: input.repo,
      issue_number: input.issueNumber,
      body,
    });
    return { action: 'created', url: data.html_url, id: data.id };
  } catch (error) {
    if (errorStatus(error) === 403) {
      return {
        action: 'skipped',
        reason: `cannot comment on ${where}: ${reasonOf(error)}`,
        url: null,
        id: null,
      };
    }
    throw writeFailure(`comment on ${where}`, error, body.length);
  }
}
