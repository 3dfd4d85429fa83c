import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandLines,
  makeCheckout,
  OWNER,
  pullRequestEvent,
  REPO,
  runAction,
  type ActionRun,
  type Checkout,
} from './helpers/action-run.js';
import { BOT_LOGIN, start, TOKENS, type FakeGitHub } from './helpers/fake-github.js';

/*
 * Mode report (the trusted half of the two-workflow setup), in process against the fake REST API: the
 * report comes from an untrusted job, so it is published only on the pull request whose head is the
 * commit the workflow_run event reports on.
 */

let fake: FakeGitHub;
let checkout: Checkout;
/** A report made by mode lint on the pull request's head (the untrusted job's artifact). */
let reportPath: string;
const OTHER_SHA = 'e'.repeat(40);

beforeAll(async () => {
  fake = await start();
  const name = '202611201050_add_invoice_note';
  const files = {
    [`migrations/${name}.up.sql`]: '-- requirements: RL-7\nALTER TABLE customers ADD COLUMN note text;\n',
    [`migrations/${name}.down.sql`]: 'ALTER TABLE customers DROP COLUMN note;\n',
  };
  checkout = makeCheckout('report-mode', files);
  const { event, eventName } = pullRequestEvent(fake, 60, checkout, Object.keys(files));
  reportPath = join(checkout.dir, '..', 'report-mode.json');
  const lint = await runAction({
    fake,
    workspace: checkout.dir,
    eventName,
    event,
    inputs: { mode: 'lint', comment: 'never', 'report-json': reportPath, 'github-token': TOKENS.bot },
  });
  expect(lint.exitCode, lint.stdout).toBeUndefined();
  expect(JSON.parse(readFileSync(reportPath, 'utf8')).meta.headSha).toBe(checkout.headSha);
});

afterAll(async () => {
  await fake?.close();
});

interface RunOf {
  headSha?: string;
  headRepository?: string;
  headBranch?: string;
  pullRequests?: number[];
}

/** A workflow_run event as GitHub writes it for a completed pull_request run. */
function workflowRun(run: RunOf = {}) {
  const headRepository = run.headRepository ?? `${OWNER}/${REPO}`;
  return {
    action: 'completed',
    workflow_run: {
      id: 4241,
      event: 'pull_request',
      conclusion: 'success',
      head_sha: run.headSha ?? checkout.headSha,
      head_branch: run.headBranch ?? 'feature',
      head_repository: { full_name: headRepository },
      pull_requests: (run.pullRequests ?? []).map((number) => ({ number, head: { sha: checkout.headSha } })),
    },
    repository: { full_name: `${OWNER}/${REPO}` },
  };
}

function publish(
  event: unknown,
  inputs: Record<string, string> = {},
  report = reportPath,
): Promise<ActionRun> {
  return runAction({
    fake,
    workspace: checkout.dir,
    eventName: 'workflow_run',
    event,
    inputs: { mode: 'report', 'report-json': report, 'github-token': TOKENS.bot, ...inputs },
  });
}

function writes(): number {
  return fake.state.requests.filter((r) => r.method !== 'GET').length;
}

/** Refused: the step fails with one line, and nothing is published. */
function expectRefused(run: ActionRun, writesBefore: number, why: RegExp): void {
  expect(run.exitCode).toBe(1);
  const commands = commandLines(run.stdout).filter((l) => !l.startsWith('::add-mask::'));
  expect(commands).toHaveLength(1);
  expect(commands[0]).toMatch(/^::error::mode report: refusing to /);
  expect(commands[0]).toMatch(why);
  expect(writes()).toBe(writesBefore);
  expect(run.summary).toBe('');
  expect(run.outputs).toEqual({});
}

describe('mode report', () => {
  it('comments on the pull request of the run it reports on', async () => {
    fake.state.addPull(OWNER, REPO, 61, { headSha: checkout.headSha, headRef: 'feature' });
    const run = await publish(workflowRun({ pullRequests: [61] }), { 'pull-request-number': '61' });
    expect(run.exitCode, run.stdout).toBeUndefined();
    const comments = fake.state.commentsOn(OWNER, REPO, 61);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.login).toBe(BOT_LOGIN);
    expect(comments[0]!.body).toContain('Migration gate passed');
    expect(fake.state.requestsTo('GET', `/repos/${OWNER}/${REPO}/pulls/61`)).toHaveLength(1);
    expect(run.outputs.verdict).toBe('pass');
  });

  it('takes the pull request from the event when no number is given', async () => {
    fake.state.addPull(OWNER, REPO, 62, { headSha: checkout.headSha, headRef: 'feature' });
    const run = await publish(workflowRun({ pullRequests: [62] }));
    expect(run.exitCode, run.stdout).toBeUndefined();
    expect(fake.state.commentsOn(OWNER, REPO, 62)).toHaveLength(1);
  });

  it('refuses a forged pull-request-number: that pull request has another head', async () => {
    fake.state.addPull(OWNER, REPO, 63, { headSha: OTHER_SHA, headRef: 'victim' });
    const before = writes();
    const run = await publish(workflowRun(), { 'pull-request-number': '63' });
    expectRefused(run, before, /pull request #63: its head is eeeeeee, not the run's head commit/);
    expect(fake.state.commentsOn(OWNER, REPO, 63)).toEqual([]);
  });

  it('refuses a pull-request-number the event does not list', async () => {
    fake.state.addPull(OWNER, REPO, 64, { headSha: checkout.headSha, headRef: 'feature' });
    const before = writes();
    const run = await publish(workflowRun({ pullRequests: [61] }), { 'pull-request-number': '64' });
    expectRefused(run, before, /pull-request-number is #64, the run was for #61/);
  });

  it('refuses a pull request that does not exist', async () => {
    const before = writes();
    const run = await publish(workflowRun(), { 'pull-request-number': '999' });
    expectRefused(run, before, /#999: acme\/shop has no such pull request/);
  });

  it('refuses a report about another commit than the run', async () => {
    fake.state.addPull(OWNER, REPO, 65, { headSha: OTHER_SHA, headRef: 'victim' });
    const forged = JSON.parse(readFileSync(reportPath, 'utf8'));
    forged.meta.headSha = OTHER_SHA;
    const forgedPath = `${reportPath}.forged.json`;
    writeFileSync(forgedPath, JSON.stringify(forged));
    const before = writes();
    const run = await publish(workflowRun(), { 'pull-request-number': '65' }, forgedPath);
    expectRefused(run, before, /it is about commit eeeeeeeeeeee, the workflow_run event about /);
    expect(fake.state.commentsOn(OWNER, REPO, 65)).toEqual([]);
  });

  it('refuses an event that names no head commit', async () => {
    const before = writes();
    const run = await publish(
      { action: 'completed', workflow_run: { id: 1, pull_requests: [] } },
      {
        'pull-request-number': '61',
      },
    );
    expectRefused(run, before, /the workflow_run event names no head commit/);
  });

  it("binds a fork's pull request by head repository and branch too", async () => {
    // Mallory's fork copies the branch of Alice's fork: the same head commit, another pull request.
    fake.state.addPull(OWNER, REPO, 66, {
      headSha: checkout.headSha,
      headRef: 'feature',
      headRepo: 'mallory/shop',
    });
    fake.state.addPull(OWNER, REPO, 67, {
      headSha: checkout.headSha,
      headRef: 'feature',
      headRepo: 'alice/shop',
    });
    const fromMallory = workflowRun({ headRepository: 'mallory/shop' });

    const own = await publish(fromMallory, { 'pull-request-number': '66' });
    expect(own.exitCode, own.stdout).toBeUndefined();
    expect(fake.state.commentsOn(OWNER, REPO, 66)).toHaveLength(1);

    const before = writes();
    const other = await publish(fromMallory, { 'pull-request-number': '67' });
    expectRefused(other, before, /#67: its head comes from alice\/shop, the run's from mallory\/shop/);
    expect(fake.state.commentsOn(OWNER, REPO, 67)).toEqual([]);

    const branch = await publish(workflowRun({ headRepository: 'mallory/shop', headBranch: 'other' }), {
      'pull-request-number': '66',
    });
    expect(branch.exitCode).toBe(1);
    expect(branch.stdout).toMatch(/^::error::.*#66: its head branch is feature, the run's other$/m);
  });

  it('leaves a pull request that moved on to the run of its new head', async () => {
    fake.state.addPull(OWNER, REPO, 68, { headSha: OTHER_SHA, previousHeads: [checkout.headSha] });
    const before = writes();
    const run = await publish(workflowRun(), { 'pull-request-number': '68' });
    expect(run.exitCode, run.stdout).toBeUndefined();
    expect(run.stdout).toMatch(/^::warning::mode report: pull request #68 has moved on from /m);
    expect(writes()).toBe(before);
    expect(
      fake.state.requestsTo('GET', `/repos/${OWNER}/${REPO}/commits/${checkout.headSha}/pulls`),
    ).not.toEqual([]);
    expect(run.summary).toContain('Migration gate passed');
    expect(run.outputs['comment-url']).toBe('');
  });
});
