import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listPullRequestFiles, mapFileStatus } from '../src/github/changes.js';
import { createOctokit, GitHubApiError } from '../src/github/client.js';
import { start, TOKENS, type FakeGitHub, type FakePullFile } from './helpers/fake-github.js';

let fake: FakeGitHub;
beforeEach(async () => {
  fake = await start();
});
afterEach(async () => {
  await fake.close();
});

function client() {
  return createOctokit(TOKENS.bot, {
    baseUrl: fake.url,
    retry: { retries: 1, retryAfterBaseValue: 1 },
    throttle: { retryAfterBaseValue: 1, id: randomUUID() },
  });
}

function files(count: number): FakePullFile[] {
  return Array.from({ length: count }, (_, i) => ({
    filename: `migrations/${String(i).padStart(5, '0')}_x.sql`,
    status: 'added',
  }));
}

describe('listPullRequestFiles', () => {
  it('maps statuses and keeps the previous path of a rename', async () => {
    fake.state.addPull('acme', 'shop', 5, {
      files: [
        { filename: 'migrations/a.sql', status: 'added' },
        { filename: 'migrations/b.sql', status: 'removed' },
        { filename: 'migrations/c.sql', status: 'modified' },
        { filename: 'migrations/d2.sql', status: 'renamed', previous_filename: 'migrations/d.sql' },
        { filename: 'migrations/e.sql', status: 'copied' },
        { filename: 'migrations/f.sh', status: 'changed' },
        { filename: 'migrations/g.sql', status: 'unchanged' },
      ],
    });
    const result = await listPullRequestFiles(client(), { owner: 'acme', repo: 'shop', pullNumber: 5 });
    expect(result).toEqual({
      complete: true,
      files: [
        { path: 'migrations/a.sql', status: 'added', previousPath: null },
        { path: 'migrations/b.sql', status: 'deleted', previousPath: null },
        { path: 'migrations/c.sql', status: 'modified', previousPath: null },
        { path: 'migrations/d2.sql', status: 'renamed', previousPath: 'migrations/d.sql' },
        { path: 'migrations/e.sql', status: 'added', previousPath: null },
        { path: 'migrations/f.sh', status: 'modified', previousPath: null },
        { path: 'migrations/g.sql', status: 'unchanged', previousPath: null },
      ],
    });
  });

  it('pages through 250 files at 100 a page', async () => {
    fake.state.addPull('acme', 'shop', 6, { files: files(250) });
    const result = await listPullRequestFiles(client(), { owner: 'acme', repo: 'shop', pullNumber: 6 });
    expect(result.complete).toBe(true);
    expect(result.files).toHaveLength(250);
    expect(result.files.at(-1)?.path).toBe('migrations/00249_x.sql');
    const listing = fake.state.requestsTo('GET', '/repos/acme/shop/pulls/6/files');
    expect(listing.map((r) => [r.query.per_page, r.query.page ?? '1'])).toEqual([
      ['100', '1'],
      ['100', '2'],
      ['100', '3'],
    ]);
  });

  it('says incomplete when the PR changes more than the 3,000 files GitHub lists', async () => {
    fake.state.addPull('acme', 'shop', 8, { files: files(3005) });
    const result = await listPullRequestFiles(client(), { owner: 'acme', repo: 'shop', pullNumber: 8 });
    expect(result.files).toHaveLength(3000);
    expect(result.complete).toBe(false);
    expect(fake.state.requestsTo('GET', '/repos/acme/shop/pulls/8/files')).toHaveLength(30);
  });

  it('is complete at exactly 3,000 files', async () => {
    fake.state.addPull('acme', 'shop', 9, { files: files(3000) });
    const result = await listPullRequestFiles(client(), { owner: 'acme', repo: 'shop', pullNumber: 9 });
    expect(result).toMatchObject({ complete: true });
    expect(result.files).toHaveLength(3000);
  });

  it('fails with a GitHubApiError naming the pull request', async () => {
    const error = await listPullRequestFiles(client(), {
      owner: 'acme',
      repo: 'shop',
      pullNumber: 404,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as Error).message).toMatch(
      /^GitHub API: cannot list the files of acme\/shop#404: 404 Not Found/,
    );
  });
});

describe('mapFileStatus', () => {
  it('treats unknown statuses as modified', () => {
    expect(mapFileStatus('something-new')).toBe('modified');
  });
});
