import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { GateError } from '../types.js';

/** The REST client every function of `src/github` takes as its first argument. */
export type GitHubClient = ReturnType<typeof getOctokit>;

/** Where log lines of the client go (Octokit's logger shape). */
export interface ClientLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Options of `createOctokit`; timings are injectable so tests run in milliseconds. */
export interface ClientOptions {
  /** REST API root; default `GITHUB_API_URL`, else `https://api.github.com`. */
  baseUrl?: string;
  /** Retries of 5xx (and other retryable) responses: count, and the delay unit in ms (delay = unit × attempt²). */
  retry?: { retries?: number; retryAfterBaseValue?: number };
  throttle?: {
    /** Retries after a primary or secondary rate limit (default 2). */
    maxRetries?: number;
    /** Unit of `retry-after` / `x-ratelimit-reset` waits in ms (default 1000: the headers are in seconds). */
    retryAfterBaseValue?: number;
    /** Longest wait, in seconds, worth retrying after; longer limits fail at once (default 120). */
    maxWaitSec?: number;
    /** Wait when a secondary limit names no `retry-after`, in seconds (default 60). */
    fallbackSecondaryRateRetryAfter?: number;
    /** Throttling group id: clients with different ids are paced independently. */
    id?: string;
  };
  /** Default: warnings and errors to the console, nothing else. */
  log?: ClientLog;
  userAgent?: string;
}

const quietLog: ClientLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

/**
 * Creates the REST client: `@actions/github`'s `getOctokit` with the retry plugin (5xx and other transient
 * errors) and the throttling plugin (primary and secondary rate limits, honouring `retry-after` and
 * `x-ratelimit-reset`).
 */
export function createOctokit(token: string, options: ClientOptions = {}): GitHubClient {
  if (!token) throw new GateError('a GitHub token is required (input github-token)');
  const log = options.log ?? quietLog;
  const maxRetries = options.throttle?.maxRetries ?? 2;
  const maxWaitSec = options.throttle?.maxWaitSec ?? 120;
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const what = `${request.method} ${request.url}`;
      if (retryCount < maxRetries && retryAfter <= maxWaitSec) {
        log.warn(`GitHub ${kind} rate limit on ${what}: retrying after ${retryAfter} s`);
        return true;
      }
      log.warn(`GitHub ${kind} rate limit on ${what}: giving up`);
      return false;
    };

  return getOctokit(
    token,
    {
      baseUrl: (options.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(
        /\/+$/,
        '',
      ),
      log,
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      retry: {
        ...(options.retry?.retries !== undefined ? { retries: options.retry.retries } : {}),
        ...(options.retry?.retryAfterBaseValue !== undefined
          ? { retryAfterBaseValue: options.retry.retryAfterBaseValue }
          : {}),
      },
      throttle: {
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        ...(options.throttle?.retryAfterBaseValue !== undefined
          ? { retryAfterBaseValue: options.throttle.retryAfterBaseValue }
          : {}),
        ...(options.throttle?.fallbackSecondaryRateRetryAfter !== undefined
          ? { fallbackSecondaryRateRetryAfter: options.throttle.fallbackSecondaryRateRetryAfter }
          : {}),
        ...(options.throttle?.id !== undefined ? { id: options.throttle.id } : {}),
      },
    },
    retry,
    throttling,
  );
}

/** Status of an Octokit request error, or null for anything else (network failures, bugs). */
export function errorStatus(error: unknown): number | null {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const status = (error as { status: unknown }).status;
    if (typeof status === 'number') return status;
  }
  return null;
}

/** A GitHub REST call failed; `status` is the HTTP status (null when no response came). */
export class GitHubApiError extends GateError {
  override name = 'GitHubApiError';
  constructor(
    message: string,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Wraps any failure of the call `what` (e.g. `list comments of o/r#3`) into a one-line `GitHubApiError`. */
export function apiError(what: string, error: unknown): GitHubApiError {
  const status = errorStatus(error);
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const prefix = status === null ? '' : `${status} `;
  return new GitHubApiError(`GitHub API: cannot ${what}: ${prefix}${reason}`.trim(), status, {
    cause: error,
  });
}
