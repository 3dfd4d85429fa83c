import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOctokit } from '../src/github/client.js';
import {
  ACTIONS_BOT_LOGIN,
  CommentTooLongError,
  findComment,
  resolveAuthorLogin,
  shouldComment,
  upsertComment,
} from '../src/github/comment.js';
import { commentMarker } from '../src/report/markdown.js';
import { BOT_LOGIN, start, TOKENS, type FakeGitHub } from './helpers/fake-github.js';

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const target = { owner: 'acme', repo: 'shop', issueNumber: 7, marker: 'migrations' };

let fake: FakeGitHub;
beforeEach(async () => {
  fake = await start();
});
afterEach(async () => {
  await fake.close();
});

function client(token: string) {
  return createOctokit(token, {
    baseUrl: fake.url,
    retry: { retries: 2, retryAfterBaseValue: 1 },
    throttle: { retryAfterBaseValue: 1, id: randomUUID() },
    log: silent,
  });
}

function body(text: string): string {
  return `${commentMarker('migrations')}\n${text}`;
}

describe('upsertComment', () => {
  it('creates the comment once, then updates it in place under the same id', async () => {
    // Each run of the gate builds its own client (a separate throttling group: no write pacing between them).
    const first = await upsertComment(client(TOKENS.bot), { ...target, body: body('verdict: fail') });
    expect(first.action).toBe('created');
    const second = await upsertComment(client(TOKENS.bot), { ...target, body: body('verdict: pass') });
    expect(second).toMatchObject({ action: 'updated', id: first.id });

    const comments = fake.state.commentsOn('acme', 'shop', 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({ id: first.id, login: BOT_LOGIN, body: body('verdict: pass') });
    expect(second.url).toBe(`https://github.com/acme/shop/pull/7#issuecomment-${first.id}`);
    expect(fake.state.requestsTo('POST', /comments$/)).toHaveLength(1);
    expect(fake.state.requestsTo('PATCH', /comments\/\d+$/)).toHaveLength(1);
  });

  it('sends no PATCH when the body is unchanged', async () => {
    const existing = fake.state.addComment('acme', 'shop', 7, body('same text'), BOT_LOGIN);
    const result = await upsertComment(client(TOKENS.bot), { ...target, body: body('same text\n') });
    expect(result).toEqual({
      action: 'unchanged',
      id: existing.id,
      url: expect.stringContaining(String(existing.id)),
    });
    expect(fake.state.requestsTo('PATCH', /.*/)).toHaveLength(0);
    expect(fake.state.requestsTo('POST', /.*/)).toHaveLength(0);
  });

  it('pages through more than 100 comments to find its own', async () => {
    for (let i = 0; i < 230; i++) fake.state.addComment('acme', 'shop', 7, `chatter ${i}`, 'someone-else');
    const ours = fake.state.addComment('acme', 'shop', 7, body('old'), BOT_LOGIN);
    const result = await upsertComment(client(TOKENS.bot), { ...target, body: body('new') });
    expect(result).toMatchObject({ action: 'updated', id: ours.id });
    const pages = fake.state
      .requestsTo('GET', '/repos/acme/shop/issues/7/comments')
      .map((r) => r.query.page ?? '1');
    expect(pages).toEqual(['1', '2', '3']);
    expect(fake.state.requestsTo('GET', /comments/).every((r) => r.query.per_page === '100')).toBe(true);
    expect(fake.state.commentsOn('acme', 'shop', 7)).toHaveLength(231);
  });

  it("leaves another author's comment with the same marker alone", async () => {
    const impostor = fake.state.addComment('acme', 'shop', 7, body('forged report'), 'someone-else');
    const result = await upsertComment(client(TOKENS.bot), { ...target, body: body('real report') });
    expect(result.action).toBe('created');
    expect(result.id).not.toBe(impostor.id);
    expect(impostor.body).toBe(body('forged report'));
    expect(fake.state.requestsTo('PATCH', /.*/)).toHaveLength(0);
  });

  it('counts a comment as its own only when the body starts with the marker line', async () => {
    const marker = commentMarker('migrations');
    // The gate's own comments for other keys, which quote this key's marker in a diff or a name.
    const quoting = [
      `${commentMarker('other')}\n\n\`\`\`diff\n+ table public."${marker}"\n\`\`\``,
      `Report\n${marker}\nrest`,
      `${marker} trailing text\nbody`,
      ` ${marker}\nbody`,
    ].map((text) => fake.state.addComment('acme', 'shop', 7, text, BOT_LOGIN));
    const before = quoting.map((c) => c.body);
    expect(await findComment(client(TOKENS.bot), target)).toBeNull();

    const result = await upsertComment(client(TOKENS.bot), { ...target, body: body('report') });
    expect(result.action).toBe('created');
    expect(quoting.map((c) => c.body)).toEqual(before);
    expect(fake.state.requestsTo('PATCH', /.*/)).toHaveLength(0);

    // Its own comment, with CRLF line ends as a browser edit leaves them, is found again.
    const crlf = fake.state.addComment('acme', 'shop', 8, `${marker}\r\nold`, BOT_LOGIN);
    expect((await findComment(client(TOKENS.bot), { ...target, issueNumber: 8 }))?.id).toBe(crlf.id);
  });

  it('puts the marker first when the body only quotes it further down', async () => {
    const marker = commentMarker('migrations');
    await upsertComment(client(TOKENS.bot), { ...target, body: `text\n${marker}` });
    expect(fake.state.commentsOn('acme', 'shop', 7)[0]?.body).toBe(`${marker}\ntext\n${marker}`);
  });

  it('matches the author named by GET /user for a personal token', async () => {
    fake.state.addComment('acme', 'shop', 7, body('bot copy'), BOT_LOGIN);
    const mine = fake.state.addComment('acme', 'shop', 7, body('user copy'), 'gate-user');
    const result = await upsertComment(client(TOKENS.user), { ...target, body: body('user update') });
    expect(result).toMatchObject({ action: 'updated', id: mine.id });
    expect(fake.state.requestsTo('GET', '/user')).toHaveLength(1);
  });

  it('uses an explicit authorLogin without asking GET /user', async () => {
    const mine = fake.state.addComment('acme', 'shop', 7, body('a'), 'gate-user');
    const found = await findComment(client(TOKENS.user), { ...target, authorLogin: 'Gate-User' });
    expect(found?.id).toBe(mine.id);
    expect(fake.state.requestsTo('GET', '/user')).toHaveLength(0);
  });

  it('falls back to github-actions[bot] when GET /user answers 403', async () => {
    expect(await resolveAuthorLogin(client(TOKENS.bot))).toBe(ACTIONS_BOT_LOGIN);
    expect(await resolveAuthorLogin(client(TOKENS.other))).toBe('someone-else');
    expect(fake.state.requestsTo('GET', '/user').map((r) => r.status)).toEqual([403, 200]);
  });

  it('keeps one comment per marker key', async () => {
    const a = await upsertComment(client(TOKENS.bot), { ...target, marker: 'db/a', body: 'report a' });
    const b = await upsertComment(client(TOKENS.bot), { ...target, marker: 'db/a-b', body: 'report b' });
    expect(a.id).not.toBe(b.id);
    expect(fake.state.commentsOn('acme', 'shop', 7).map((c) => c.body)).toEqual([
      `${commentMarker('db/a')}\nreport a`,
      `${commentMarker('db/a-b')}\nreport b`,
    ]);
  });

  it('returns skipped on a read-only token (403) for create and update', async () => {
    const created = await upsertComment(client(TOKENS.readOnly), { ...target, body: body('x') });
    expect(created).toMatchObject({ action: 'skipped', url: null, id: null });
    expect(created.action === 'skipped' && created.reason).toMatch(/Resource not accessible by integration/);

    const ours = fake.state.addComment('acme', 'shop', 7, body('old'), BOT_LOGIN);
    const updated = await upsertComment(client(TOKENS.readOnly), { ...target, body: body('new') });
    expect(updated).toMatchObject({ action: 'skipped', id: ours.id });
    expect(ours.body).toBe(body('old'));
  });

  it('surfaces a 422 for a too-long body as CommentTooLongError', async () => {
    const huge = body('x'.repeat(70_000));
    const error = await upsertComment(client(TOKENS.bot), { ...target, body: huge }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommentTooLongError);
    expect(error).toMatchObject({ status: 422, bodyLength: huge.length });
    expect((error as Error).message).toMatch(
      /^GitHub API: cannot comment on acme\/shop#7: 422 .*Validation Failed/,
    );
    expect(fake.state.requestsTo('POST', /comments$/)).toHaveLength(1);
  });

  it('puts the marker first when the body lacks it', async () => {
    await upsertComment(client(TOKENS.bot), { ...target, body: 'plain' });
    expect(fake.state.commentsOn('acme', 'shop', 7)[0]?.body).toBe(`${commentMarker('migrations')}\nplain`);
  });

  it('reuses a comment passed as existing instead of listing again', async () => {
    const octokit = client(TOKENS.bot);
    const ours = fake.state.addComment('acme', 'shop', 7, body('v1'), BOT_LOGIN);
    const existing = await findComment(octokit, target);
    const listed = fake.state.requestsTo('GET', /comments$/).length;
    const result = await upsertComment(octokit, { ...target, body: body('v2'), existing });
    expect(result).toMatchObject({ action: 'updated', id: ours.id });
    expect(fake.state.requestsTo('GET', /comments$/)).toHaveLength(listed);
  });
});

describe('shouldComment', () => {
  it('applies always, never and on-failure', () => {
    expect(shouldComment('always', 'pass', false)).toBe(true);
    expect(shouldComment('never', 'fail', true)).toBe(false);
    expect(shouldComment('on-failure', 'fail', false)).toBe(true);
    expect(shouldComment('on-failure', 'pass', true)).toBe(true);
    expect(shouldComment('on-failure', 'pass', false)).toBe(false);
  });
});
