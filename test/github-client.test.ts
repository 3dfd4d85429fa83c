import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, createOctokit, GitHubApiError, type ClientOptions } from '../src/github/client.js';
import { upsertComment } from '../src/github/comment.js';
import { GateError } from '../src/types.js';
import { start, TOKENS, type FakeGitHub } from './helpers/fake-github.js';

let fake: FakeGitHub;
let warnings: string[];
beforeEach(async () => {
  fake = await start();
  warnings = [];
});
afterEach(async () => {
  await fake.close();
});

function client(token: string = TOKENS.bot, extra: ClientOptions = {}) {
  return createOctokit(token, {
    baseUrl: fake.url,
    retry: { retries: 2, retryAfterBaseValue: 1 },
    throttle: { retryAfterBaseValue: 1, id: randomUUID(), ...extra.throttle },
    log: { debug: () => {}, info: () => {}, warn: (m) => warnings.push(m), error: () => {} },
  });
}

const COMMENTS = '/repos/acme/shop/issues/3/comments';

describe('createOctokit', () => {
  it('retries a 502 and then succeeds', async () => {
    fake.state.fail({ method: 'GET', path: COMMENTS, status: 502, body: { message: 'Bad Gateway' } });
    const { data } = await client().rest.issues.listComments({
      owner: 'acme',
      repo: 'shop',
      issue_number: 3,
    });
    expect(data).toEqual([]);
    expect(fake.state.requestsTo('GET', COMMENTS).map((r) => r.status)).toEqual([502, 200]);
  });

  it('retries a 502 on POST and creates exactly one comment', async () => {
    fake.state.fail({ method: 'POST', path: COMMENTS, status: 502, times: 2 });
    const result = await upsertComment(client(), {
      owner: 'acme',
      repo: 'shop',
      issueNumber: 3,
      marker: 'm',
      body: 'hello',
    });
    expect(result.action).toBe('created');
    expect(fake.state.requestsTo('POST', COMMENTS).map((r) => r.status)).toEqual([502, 502, 201]);
    expect(fake.state.commentsOn('acme', 'shop', 3)).toHaveLength(1);
  });

  it('gives up after the configured retries with the last status', async () => {
    fake.state.fail({ method: 'GET', path: COMMENTS, status: 503, times: 10 });
    const error = await client()
      .rest.issues.listComments({ owner: 'acme', repo: 'shop', issue_number: 3 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503 });
    expect(fake.state.requestsTo('GET', COMMENTS)).toHaveLength(3);
  });

  it.each(['primary', 'secondary', '429'] as const)('waits out a %s rate limit and retries', async (kind) => {
    fake.state.rateLimit(kind, { method: 'GET', path: COMMENTS }, 0);
    const { data } = await client().rest.issues.listComments({
      owner: 'acme',
      repo: 'shop',
      issue_number: 3,
    });
    expect(data).toEqual([]);
    const statuses = fake.state.requestsTo('GET', COMMENTS).map((r) => r.status);
    expect(statuses).toEqual([kind === '429' ? 429 : 403, 200]);
    if (kind !== '429')
      expect(warnings.join('\n')).toMatch(new RegExp(`GitHub ${kind} rate limit on GET .*retrying`));
  });

  it('does not wait for a rate limit that resets later than maxWaitSec', async () => {
    fake.state.rateLimit('secondary', { method: 'GET', path: COMMENTS }, 3600);
    const error = await client(TOKENS.bot, { throttle: { maxWaitSec: 10 } })
      .rest.issues.listComments({ owner: 'acme', repo: 'shop', issue_number: 3 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403 });
    expect(fake.state.requestsTo('GET', COMMENTS)).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/secondary rate limit .* giving up/);
  });

  it('sends the token and reads the API root from GITHUB_API_URL', async () => {
    const saved = process.env.GITHUB_API_URL;
    process.env.GITHUB_API_URL = `${fake.url}/`;
    try {
      const octokit = createOctokit(TOKENS.user, { throttle: { id: randomUUID() } });
      const { data } = await octokit.rest.users.getAuthenticated();
      expect(data.login).toBe('gate-user');
      expect(fake.state.requests[0]).toMatchObject({ path: '/user', token: TOKENS.user });
    } finally {
      if (saved === undefined) delete process.env.GITHUB_API_URL;
      else process.env.GITHUB_API_URL = saved;
    }
  });

  it('refuses an empty token with a GateError', () => {
    expect(() => createOctokit('')).toThrow(GateError);
  });
});

describe('apiError', () => {
  it('makes one line with the status and keeps the cause', async () => {
    const cause = await client('ghp_unknown')
      .rest.users.getAuthenticated()
      .catch((e: unknown) => e);
    const error = apiError('read the token identity', cause);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error).toBeInstanceOf(GateError);
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/^GitHub API: cannot read the token identity: 401 Bad credentials/);
    expect(error.message).not.toContain('\n');
    expect(error.cause).toBe(cause);
  });
});
