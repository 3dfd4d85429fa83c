import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGitHubContext } from '../src/github/context.js';
import { GateError } from '../src/types.js';

const dir = mkdtempSync(join(tmpdir(), 'gate-context-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = '1111111111111111111111111111111111111111';
const BASE = '2222222222222222222222222222222222222222';

function eventFile(name: string, payload: unknown): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, typeof payload === 'string' ? payload : JSON.stringify(payload));
  return path;
}

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SERVER_URL: 'https://github.example.com',
    GITHUB_API_URL: 'https://github.example.com/api/v3',
    GITHUB_RUN_ID: '987',
    GITHUB_SHA: 'f'.repeat(40),
    ...extra,
  };
}

function pullRequest(headRepo: string | null) {
  return {
    pull_request: {
      number: 42,
      title: 'Add invoice index RL-101',
      body: 'Implements RL-204',
      head: { sha: HEAD, ref: 'feature', repo: headRepo === null ? null : { full_name: headRepo } },
      base: { sha: BASE, ref: 'main', repo: { full_name: 'acme/shop' } },
    },
  };
}

describe('readGitHubContext', () => {
  it('reads a pull_request event', () => {
    const context = readGitHubContext(
      env({
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventFile('pr', pullRequest('acme/shop')),
      }),
    );
    expect(context).toEqual({
      eventName: 'pull_request',
      owner: 'acme',
      repo: 'shop',
      pullNumber: 42,
      headSha: HEAD,
      baseSha: BASE,
      baseRef: 'main',
      prTitle: 'Add invoice index RL-101',
      prBody: 'Implements RL-204',
      isFork: false,
      repoUrl: 'https://github.example.com/acme/shop',
      runUrl: 'https://github.example.com/acme/shop/actions/runs/987',
      apiUrl: 'https://github.example.com/api/v3',
      serverUrl: 'https://github.example.com',
      workflowRun: null,
    });
  });

  it('flags a pull request from a fork, or from a deleted fork', () => {
    const fork = readGitHubContext(
      env({
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventFile('fork', pullRequest('mallory/shop')),
      }),
    );
    expect(fork.isFork).toBe(true);
    const gone = readGitHubContext(
      env({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventFile('gone', pullRequest(null)) }),
    );
    expect(gone.isFork).toBe(true);
  });

  it('reads push and merge_group events', () => {
    const push = readGitHubContext(
      env({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventFile('push', { before: BASE, after: HEAD }) }),
    );
    expect(push).toMatchObject({
      pullNumber: null,
      headSha: HEAD,
      baseSha: BASE,
      baseRef: null,
      prTitle: null,
    });

    const firstPush = readGitHubContext(
      env({
        GITHUB_EVENT_NAME: 'push',
        GITHUB_EVENT_PATH: eventFile('new', { before: '0'.repeat(40), after: HEAD }),
      }),
    );
    expect(firstPush.baseSha).toBeNull();

    const queue = readGitHubContext(
      env({
        GITHUB_EVENT_NAME: 'merge_group',
        GITHUB_EVENT_PATH: eventFile('mq', {
          merge_group: { head_sha: HEAD, base_sha: BASE, base_ref: 'refs/heads/release' },
        }),
      }),
    );
    expect(queue).toMatchObject({ pullNumber: null, headSha: HEAD, baseSha: BASE, baseRef: 'release' });
  });

  it('reads the reported run of a workflow_run event, for a pull request of the repository and of a fork', () => {
    const same = readGitHubContext(
      env({
        GITHUB_EVENT_NAME: 'workflow_run',
        GITHUB_EVENT_PATH: eventFile('run', {
          action: 'completed',
          workflow_run: {
            id: 77,
            event: 'pull_request',
            head_sha: HEAD,
            head_branch: 'feature',
            head_repository: { full_name: 'acme/shop' },
            pull_requests: [{ number: 42, head: { sha: HEAD } }, { number: 'x' }],
          },
          // A pull_request key elsewhere in the payload does not make this a pull_request event.
          pull_request: { number: 9, head: { sha: BASE } },
        }),
      }),
    );
    expect(same).toMatchObject({ pullNumber: null, headSha: 'f'.repeat(40) });
    expect(same.workflowRun).toEqual({
      id: 77,
      event: 'pull_request',
      headSha: HEAD,
      headBranch: 'feature',
      headRepository: 'acme/shop',
      pullNumbers: [42],
    });

    const fork = readGitHubContext(
      env({
        GITHUB_EVENT_NAME: 'workflow_run',
        GITHUB_EVENT_PATH: eventFile('fork-run', {
          workflow_run: {
            head_sha: HEAD,
            head_branch: 'main',
            head_repository: { full_name: 'mallory/shop' },
          },
        }),
      }),
    );
    expect(fork.workflowRun).toMatchObject({
      headRepository: 'mallory/shop',
      headBranch: 'main',
      pullNumbers: [],
    });

    const pull = readGitHubContext(
      env({
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventFile('pr2', pullRequest('acme/shop')),
      }),
    );
    expect(pull.workflowRun).toBeNull();
  });

  it('works without an event file, with defaults for the URLs', () => {
    const context = readGitHubContext({
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
    });
    expect(context).toMatchObject({
      pullNumber: null,
      headSha: null,
      repoUrl: 'https://github.com/acme/shop',
      apiUrl: 'https://api.github.com',
      runUrl: null,
    });
  });

  it('explains a missing repository, an unreadable or malformed event file', () => {
    expect(() => readGitHubContext({})).toThrow(
      new GateError('GITHUB_REPOSITORY is not set; expected owner/repo'),
    );
    expect(() => readGitHubContext({ GITHUB_REPOSITORY: 'acme' })).toThrow(
      'GITHUB_REPOSITORY is "acme"; expected owner/repo',
    );
    const missing = join(dir, 'missing.json');
    expect(() => readGitHubContext(env({ GITHUB_EVENT_PATH: missing }))).toThrow(
      `cannot read the event file ${missing} (GITHUB_EVENT_PATH)`,
    );
    const broken = eventFile('broken', '{"pull_request": ');
    expect(() => readGitHubContext(env({ GITHUB_EVENT_PATH: broken }))).toThrow(
      new RegExp(`^the event file ${broken} \\(GITHUB_EVENT_PATH\\) is not JSON: `),
    );
    const array = eventFile('array', '[]');
    expect(() => readGitHubContext(env({ GITHUB_EVENT_PATH: array }))).toThrow(GateError);
  });
});
