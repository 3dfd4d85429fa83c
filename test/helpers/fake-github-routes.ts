import type { FakeComment, FakeGitHubState, FakePull, Identity } from './fake-github.js';

/**
 * The fake GitHub's endpoints: each answers as the real REST API does (status, body shape, `Link` paging
 * headers), from the state the tests set up.
 */

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const DOCS = 'https://docs.github.com/rest';

export function message(status: number, text: string, extra: Record<string, unknown> = {}): Reply {
  return { status, body: { message: text, documentation_url: DOCS, status: String(status), ...extra } };
}

function page<T>(
  items: T[],
  query: URLSearchParams,
  self: string,
  cap = Infinity,
): { items: T[]; link: string | null } {
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
  const pageNo = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const visible = Math.min(items.length, cap);
  const last = Math.max(1, Math.ceil(visible / perPage));
  const start = (pageNo - 1) * perPage;
  const slice = items.slice(Math.min(start, visible), Math.min(start + perPage, visible));
  const url = (p: number) => {
    const q = new URLSearchParams(query);
    q.set('per_page', String(perPage));
    q.set('page', String(p));
    return `<${self}?${q.toString()}>`;
  };
  const rels: string[] = [];
  if (pageNo > 1) rels.push(`${url(pageNo - 1)}; rel="prev"`);
  if (pageNo < last) rels.push(`${url(pageNo + 1)}; rel="next"`, `${url(last)}; rel="last"`);
  if (pageNo > 1) rels.push(`${url(1)}; rel="first"`);
  return { items: slice, link: rels.length ? rels.join(', ') : null };
}

function commentJson(state: FakeGitHubState, c: FakeComment, api: string) {
  const bot = c.login.endsWith('[bot]');
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${api}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
    html_url: `${state.serverUrl}/${c.owner}/${c.repo}/pull/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${api}/repos/${c.owner}/${c.repo}/issues/${c.issueNumber}`,
    body: c.body,
    user: { login: c.login, id: bot ? 41898282 : 1, type: bot ? 'Bot' : 'User' },
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: bot ? 'NONE' : 'MEMBER',
  };
}

export function route(
  state: FakeGitHubState,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
  identity: Identity,
  api: string,
): Reply {
  const self = `${api}${path}`;
  const write = method !== 'GET' && method !== 'HEAD';
  if (write && identity.readOnly) return message(403, 'Resource not accessible by integration');

  if (method === 'GET' && path === '/user') {
    if (identity.installation) return message(403, 'Resource not accessible by integration');
    return { status: 200, body: { login: identity.login, id: 1, type: 'User' } };
  }

  let m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path);
  if (m) {
    const [, owner, repo, n] = m as unknown as [string, string, string, string];
    if (method === 'GET') {
      const { items, link } = page(state.commentsOn(owner, repo, Number(n)), query, self);
      return {
        status: 200,
        body: items.map((c) => commentJson(state, c, api)),
        ...(link ? { headers: { link } } : {}),
      };
    }
    if (method === 'POST') {
      const text = (body as { body?: unknown } | null)?.body;
      if (typeof text !== 'string' || text.length === 0) return message(422, 'Validation Failed');
      if (text.length > state.maxBodyLength) return tooLong(state);
      const comment = state.addComment(owner, repo, Number(n), text, identity.login);
      return { status: 201, body: commentJson(state, comment, api) };
    }
  }

  m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path);
  if (m) {
    const [, owner, repo, id] = m as unknown as [string, string, string, string];
    const comment = state.comments.find((c) => c.id === Number(id) && c.owner === owner && c.repo === repo);
    if (!comment) return message(404, 'Not Found');
    if (method === 'GET') return { status: 200, body: commentJson(state, comment, api) };
    if (method === 'PATCH') {
      const text = (body as { body?: unknown } | null)?.body;
      if (typeof text !== 'string' || text.length === 0) return message(422, 'Validation Failed');
      if (text.length > state.maxBodyLength) return tooLong(state);
      state.touch(comment, text);
      return { status: 200, body: commentJson(state, comment, api) };
    }
  }

  m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/pulls$/.exec(path);
  if (m && method === 'GET') {
    const [, owner, repo, sha] = m as unknown as [string, string, string, string];
    if (!/^[0-9a-f]{40}$/i.test(sha)) return message(422, `No commit found for SHA: ${sha}`);
    const of = [...state.pulls.entries()]
      .filter(([key]) => key.startsWith(`${owner}/${repo}#`))
      .map(([, pull]) => pull)
      .filter((p) => p.headSha === sha.toLowerCase() || (p.previousHeads ?? []).includes(sha.toLowerCase()));
    const { items, link } = page(of, query, self);
    return {
      status: 200,
      body: items.map((p) => pullJson(state, owner, repo, p)),
      ...(link ? { headers: { link } } : {}),
    };
  }

  m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)(\/files)?$/.exec(path);
  if (m && method === 'GET') {
    const [, owner, repo, n, files] = m as unknown as [string, string, string, string, string | undefined];
    const pull = state.pulls.get(`${owner}/${repo}#${n}`);
    if (!pull) return message(404, 'Not Found');
    if (files) {
      const { items, link } = page(pull.files, query, self, state.filesCap);
      const body = items.map((f) => ({ sha: 'c'.repeat(40), additions: 1, deletions: 0, changes: 1, ...f }));
      return { status: 200, body, ...(link ? { headers: { link } } : {}) };
    }
    return { status: 200, body: pullJson(state, owner, repo, pull) };
  }

  return message(404, 'Not Found');
}

function pullJson(state: FakeGitHubState, owner: string, repo: string, pull: FakePull) {
  const headRepo = pull.headRepo ?? `${owner}/${repo}`;
  return {
    number: pull.number,
    state: 'open',
    title: pull.title,
    body: pull.body,
    changed_files: pull.changedFiles ?? pull.files.length,
    head: {
      sha: pull.headSha,
      ref: pull.headRef,
      label: `${headRepo.split('/')[0]}:${pull.headRef}`,
      repo: { full_name: headRepo, fork: headRepo !== `${owner}/${repo}` },
    },
    base: {
      sha: pull.baseSha,
      ref: pull.baseRef,
      label: `${owner}:${pull.baseRef}`,
      repo: { full_name: `${owner}/${repo}`, fork: false },
    },
    html_url: `${state.serverUrl}/${owner}/${repo}/pull/${pull.number}`,
  };
}

function tooLong(state: FakeGitHubState): Reply {
  return message(422, 'Validation Failed', {
    errors: [
      {
        resource: 'IssueComment',
        code: 'unprocessable',
        field: 'data',
        message: `Body is too long (maximum is ${state.maxBodyLength} characters)`,
      },
    ],
  });
}
