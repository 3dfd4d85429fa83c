import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { message, route, type Reply } from './fake-github-routes.js';

/**
 * A local stand-in for the GitHub REST endpoints the gate uses: issue comments (paged, with `Link`
 * headers), pull requests and their files (paged, capped at 3,000), the pull requests of a commit,
 * `GET /user`. Tokens map to
 * identities; faults (5xx, rate limits) can be injected; every request is recorded.
 */

/** Tokens known out of the box. Any other `ghs_…` token also acts as `github-actions[bot]`. */
export const TOKENS = {
  /** The default `GITHUB_TOKEN`: `github-actions[bot]`, may write, `GET /user` answers 403. */
  bot: 'ghs_actionsbottoken0000000000000000000',
  /** `GITHUB_TOKEN` of a fork's pull request: read-only. */
  readOnly: 'ghs_forkreadonlytoken00000000000000000',
  /** A personal token of `gate-user`. */
  user: 'ghp_gateusertoken00000000000000000000',
  /** A personal token of `someone-else`. */
  other: 'ghp_someoneelsetoken0000000000000000000',
} as const;

export const BOT_LOGIN = 'github-actions[bot]';

export interface Identity {
  login: string;
  /** Installation tokens cannot read `GET /user`. */
  installation: boolean;
  readOnly: boolean;
}

export interface FakeComment {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  login: string;
  createdAt: string;
  updatedAt: string;
}

export interface FakePullFile {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  previous_filename?: string;
}

export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  headSha: string;
  baseSha: string;
  headRef: string;
  baseRef: string;
  /** `owner/repo` the head branch lives in; default the base repository (a fork's name for a fork's PR). */
  headRepo?: string;
  /** Earlier head commits (pushes before the current head): the pull request is listed for them too. */
  previousHeads?: string[];
  files: FakePullFile[];
  /** What GitHub reports as `changed_files`; default `files.length`. */
  changedFiles?: number;
}

/** A response served instead of the real one, `times` times, to requests that match. */
export interface Fault {
  method?: string;
  /** Exact pathname or a pattern tested against it. */
  path?: string | RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  token: string | null;
  body: unknown;
  status: number;
}

const DEFAULT_IDENTITIES: [string, Identity][] = [
  [TOKENS.bot, { login: BOT_LOGIN, installation: true, readOnly: false }],
  [TOKENS.readOnly, { login: BOT_LOGIN, installation: true, readOnly: true }],
  [TOKENS.user, { login: 'gate-user', installation: false, readOnly: false }],
  [TOKENS.other, { login: 'someone-else', installation: false, readOnly: false }],
];

/** The server's data, faults and request log; tests read and change it directly. */
export class FakeGitHubState {
  readonly requests: RecordedRequest[] = [];
  readonly identities = new Map<string, Identity>(DEFAULT_IDENTITIES);
  readonly comments: FakeComment[] = [];
  readonly pulls = new Map<string, FakePull>();
  readonly faults: Fault[] = [];
  /** GitHub's limit on a comment body. */
  maxBodyLength = 65_536;
  /** GitHub lists at most this many files of a pull request. */
  filesCap = 3000;
  serverUrl = 'https://github.com';
  private nextId = 1000;
  private clock = Date.UTC(2026, 0, 1);

  /** The identity behind a token, or null for an unknown one. */
  identity(token: string | null): Identity | null {
    if (!token) return null;
    const known = this.identities.get(token);
    if (known) return known;
    return token.startsWith('ghs_') ? { login: BOT_LOGIN, installation: true, readOnly: false } : null;
  }

  /** Adds a comment as if `login` had written it. */
  addComment(owner: string, repo: string, issueNumber: number, body: string, login: string): FakeComment {
    const at = new Date((this.clock += 1000)).toISOString();
    const comment = {
      id: this.nextId++,
      owner,
      repo,
      issueNumber,
      body,
      login,
      createdAt: at,
      updatedAt: at,
    };
    this.comments.push(comment);
    return comment;
  }

  /** Comments of one issue, oldest first. */
  commentsOn(owner: string, repo: string, issueNumber: number): FakeComment[] {
    return this.comments.filter((c) => c.owner === owner && c.repo === repo && c.issueNumber === issueNumber);
  }

  /** Adds or replaces a pull request. */
  addPull(
    owner: string,
    repo: string,
    number: number,
    pull: Partial<Omit<FakePull, 'number'>> = {},
  ): FakePull {
    const full: FakePull = {
      number,
      title: `Pull request ${number}`,
      body: null,
      headSha: 'a'.repeat(40),
      baseSha: 'b'.repeat(40),
      headRef: 'feature',
      baseRef: 'main',
      files: [],
      ...pull,
    };
    this.pulls.set(`${owner}/${repo}#${number}`, full);
    return full;
  }

  /** Serves `fault` instead of the real answer to the next `times` (default 1) matching requests. */
  fail(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /**
   * Injects a rate limit: `primary` (403, `x-ratelimit-remaining: 0`, reset in `resetInSec`),
   * `secondary` (403 with `retry-after`), or `429` (with `retry-after`).
   */
  rateLimit(kind: 'primary' | 'secondary' | '429', match: Omit<Fault, 'status'> = {}, resetInSec = 1): void {
    const reset = String(Math.floor(Date.now() / 1000) + resetInSec);
    if (kind === 'primary') {
      this.fail({
        ...match,
        status: 403,
        headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
        body: { message: 'API rate limit exceeded for installation ID 1.' },
      });
    } else if (kind === 'secondary') {
      this.fail({
        ...match,
        status: 403,
        headers: { 'retry-after': String(resetInSec) },
        body: {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        },
      });
    } else {
      this.fail({
        ...match,
        status: 429,
        headers: {
          'retry-after': String(resetInSec),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': reset,
        },
        body: { message: 'API rate limit exceeded' },
      });
    }
  }

  /** Recorded requests with this method whose path matches. */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && matches(path, r.path));
  }

  takeFault(method: string, path: string): Fault | null {
    const index = this.faults.findIndex(
      (f) =>
        (f.method === undefined || f.method === method) && (f.path === undefined || matches(f.path, path)),
    );
    if (index < 0) return null;
    const fault = this.faults[index]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  touch(comment: FakeComment, body: string): void {
    comment.body = body;
    comment.updatedAt = new Date((this.clock += 1000)).toISOString();
  }
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === 'string' ? pattern === path : pattern.test(path);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'x-github-request-id': 'FAKE:0001',
    ...reply.headers,
  });
  res.end(payload);
}

/** A running fake: its base URL (use it as the API root), its state, and `close`. */
export interface FakeGitHub {
  url: string;
  state: FakeGitHubState;
  close(): Promise<void>;
}

/** Starts the fake on a free local port. */
export async function start(state = new FakeGitHubState()): Promise<FakeGitHub> {
  let api = '';
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', api);
      const method = (req.method ?? 'GET').toUpperCase();
      const auth = req.headers.authorization ?? '';
      const token = /^(?:token|bearer)\s+(\S+)$/i.exec(auth)?.[1] ?? null;
      const body = await readBody(req);
      const record: RecordedRequest = {
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        token,
        body,
        status: 0,
      };
      state.requests.push(record);
      let reply: Reply;
      const identity = state.identity(token);
      const fault = state.takeFault(method, url.pathname);
      if (fault) {
        reply = {
          status: fault.status,
          body: fault.body ?? { message: `Fault ${fault.status}` },
          ...(fault.headers ? { headers: fault.headers } : {}),
        };
      } else if (!identity) {
        reply = message(401, token ? 'Bad credentials' : 'Requires authentication');
      } else {
        reply = route(state, method, url.pathname, url.searchParams, body, identity, api);
      }
      record.status = reply.status;
      send(res, reply);
    })().catch((error: unknown) => {
      send(res, message(500, `fake GitHub failed: ${(error as Error).message}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: api,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
