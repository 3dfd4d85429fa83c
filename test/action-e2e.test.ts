import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, assertServerReachable, TEST_DATABASE_URL } from './helpers/db.js';
import { BOT_LOGIN, start, TOKENS, type FakeGitHub } from './helpers/fake-github.js';

/*
 * The committed bundle `dist/index.js`, run as GitHub's runner runs it: a separate Node process with the
 * runner's environment (event file, output and summary files, INPUT_* for every input of action.yml),
 * talking to a local fake of the REST API, on a real git checkout, against the real test PostgreSQL.
 */

const ROOT = join(import.meta.dirname, '..');
const ENTRY = join(ROOT, 'dist', 'index.js');
const OWNER = 'acme';
const REPO = 'shop';
const FIXTURE = join(ROOT, 'fixtures', 'lint', 'clean');

interface ActionYml {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
}

/** The runner's environment name of an input: spaces become `_`, dashes are kept. */
function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

interface Run {
  runnerTemp: string;
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

interface RunOptions {
  workspace: string;
  eventName: string;
  event: unknown;
  inputs?: Record<string, string>;
}

let fake: FakeGitHub;
let scratch: string;
let defaults: Record<string, string>;
let databaseUrl: string;
let password: string;
let role: string;
let runNo = 0;

/** The runner's file commands write `name<<delimiter\nvalue\ndelimiter`; older ones `name=value`. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      outputs[name] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/** Runs `node dist/index.js` with a runner's environment; resolves when the process exits. */
async function runAction(options: RunOptions): Promise<Run> {
  const dir = join(scratch, `run-${++runNo}`);
  const runnerTemp = join(dir, 'temp');
  mkdirSync(runnerTemp, { recursive: true });
  const eventPath = join(dir, 'event.json');
  const outputPath = join(dir, 'output');
  const summaryPath = join(dir, 'summary.md');
  writeFileSync(eventPath, JSON.stringify(options.event, null, 2));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_API_URL: fake.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_REPOSITORY_OWNER: OWNER,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'migration-gate',
    GITHUB_ACTION: '__self',
    GITHUB_SHA: git(options.workspace, 'rev-parse', 'HEAD'),
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
  };
  for (const [name, value] of Object.entries(defaults)) env[inputEnvName(name)] = value;
  const inputs: Record<string, string> = {
    database: databaseUrl,
    'github-token': TOKENS.bot,
    ...options.inputs,
  };
  for (const [name, value] of Object.entries(inputs)) env[inputEnvName(name)] = value;

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY], { cwd: options.workspace, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        runnerTemp,
        code,
        stdout,
        stderr,
        outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
        summary: readFileSync(summaryPath, 'utf8'),
      });
    });
  });
}

/** Workflow commands with properties (`::error title=…,file=…,line=…::message`), parsed. */
function annotations(stdout: string): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  for (const m of stdout.matchAll(/^::(error|warning|notice) ([^:]*)::(.*)$/gm)) {
    const entry: Record<string, string> = { level: m[1]!, message: m[3]! };
    for (const pair of m[2]!.split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) entry[pair.slice(0, eq)] = decodeURIComponent(pair.slice(eq + 1));
    }
    found.push(entry);
  }
  return found;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Dev',
      '-c',
      'user.email=dev@example.com',
      '-c',
      'commit.gpgsign=false',
      '-c',
      'init.defaultBranch=main',
      ...args,
    ],
    { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, LC_ALL: 'C' } },
  ).trim();
}

interface Checkout {
  dir: string;
  baseSha: string;
  headSha: string;
}

/** A git checkout: `main` holds a correct migration directory; branch `feature` adds `files`; HEAD on the branch. */
function makeCheckout(name: string, files: Record<string, string>): Checkout {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  cpSync(FIXTURE, join(dir, 'migrations'), { recursive: true });
  writeFileSync(join(dir, 'README.md'), '# shop\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Initial schema');
  const baseSha = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '-q', '-b', 'feature');
  const headSha = commit(dir, files, 'Add a migration');
  return { dir, baseSha, headSha };
}

function commit(dir: string, files: Record<string, string>, message: string): string {
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** A `pull_request` event as GitHub writes it, and the same pull request registered with the fake. */
function pullRequest(
  number: number,
  checkout: Checkout,
  files: string[],
  action = 'opened',
): { event: unknown; eventName: string } {
  const title = 'Add invoice totals';
  const body = 'Implements RL-200.\n\nAdds a migration.';
  fake.state.addPull(OWNER, REPO, number, {
    title,
    body,
    headSha: checkout.headSha,
    baseSha: checkout.baseSha,
    headRef: 'feature',
    baseRef: 'main',
    files: files.map((filename) => ({ filename, status: 'added' as const })),
  });
  const repository = {
    id: 1,
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    owner: { login: OWNER, type: 'Organization' },
    private: false,
    html_url: `https://github.com/${OWNER}/${REPO}`,
    default_branch: 'main',
  };
  return {
    eventName: 'pull_request',
    event: {
      action,
      number,
      pull_request: {
        number,
        state: 'open',
        title,
        body,
        html_url: `https://github.com/${OWNER}/${REPO}/pull/${number}`,
        user: { login: 'dev', type: 'User' },
        head: { sha: checkout.headSha, ref: 'feature', label: `${OWNER}:feature`, repo: repository },
        base: { sha: checkout.baseSha, ref: 'main', label: `${OWNER}:main`, repo: repository },
        changed_files: files.length,
      },
      repository,
      sender: { login: 'dev', type: 'User' },
    },
  };
}

const INVOICE_TOTAL_UP = 'ALTER TABLE invoices ADD COLUMN total_cents bigint NOT NULL DEFAULT 0;\n';
const INVOICE_TOTAL_DOWN = 'ALTER TABLE invoices DROP COLUMN total_cents;\n';

/** Scratch databases the gate's role owns: the url provider must drop every one it creates. */
async function leftoverDatabases(): Promise<string[]> {
  return admin(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT d.datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
        WHERE r.rolname = $1 AND d.datname LIKE 'migration\\_gate\\_%'`,
      [role],
    );
    return rows.map((r) => r.datname);
  });
}

beforeAll(async () => {
  if (!existsSync(ENTRY)) {
    throw new Error(`${ENTRY} does not exist: run 'npm run build' (the Action runs the committed bundle)`);
  }
  await assertServerReachable();
  const yml = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionYml;
  defaults = Object.fromEntries(
    Object.entries(yml.inputs).map(([name, spec]) => [name, String(spec.default ?? '')]),
  );

  // A role of its own (CREATEDB, and CREATEROLE for the gate's per-run role; not superuser) on the test
  // server: what it owns afterwards is exactly what these runs left behind, whatever other suites do on the
  // same server meanwhile.
  role = `mg_e2e_${randomBytes(5).toString('hex')}`;
  password = `pw${randomBytes(8).toString('hex')}`;
  await admin((client) =>
    client.query(`CREATE ROLE ${role} LOGIN CREATEDB CREATEROLE PASSWORD '${password}'`),
  );
  const url = new URL(TEST_DATABASE_URL);
  url.username = role;
  url.password = password;
  databaseUrl = url.toString();

  scratch = mkdtempSync(join(tmpdir(), 'migration-gate-e2e-'));
  fake = await start();
});

afterAll(async () => {
  await fake?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (role) {
    await admin(async (client) => {
      for (const name of await leftoverDatabases()) {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }
      await client.query(`DROP ROLE IF EXISTS ${role}`);
    });
  }
});

function commentsOn(number: number) {
  return fake.state.commentsOn(OWNER, REPO, number);
}

/** Both secrets are registered with the runner (`::add-mask::`) and appear nowhere else. */
function expectNoSecret(run: Run): void {
  const lines = run.stdout.split('\n');
  expect(lines).toContain(`::add-mask::${password}`);
  expect(lines).toContain(`::add-mask::${TOKENS.bot}`);
  const printed = lines.filter((l) => !l.startsWith('::add-mask::')).join('\n');
  expect(printed + run.stderr + run.summary).not.toContain(password);
  expect(printed + run.stderr + run.summary).not.toContain(TOKENS.bot);
}

describe('the Action bundle on a pull_request', () => {
  let checkout: Checkout;
  let firstRun: Run;
  const added = '202611201000_add_invoice_total';
  const second = '202611201100_index_invoice_total';
  /** The pull request's files as the files API lists them; grows with each push. */
  const files = [`migrations/${added}.down.sql`, `migrations/${added}.up.sql`];

  beforeAll(() => {
    checkout = makeCheckout('repo-pass', {
      [`migrations/${added}.up.sql`]: INVOICE_TOTAL_UP,
      [`migrations/${added}.down.sql`]: INVOICE_TOTAL_DOWN,
    });
  });

  it('runs the gate and creates one traceability comment', async () => {
    const { event, eventName } = pullRequest(7, checkout, files);
    firstRun = await runAction({ workspace: checkout.dir, eventName, event });
    expect(firstRun.stderr).toBe('');
    expect(firstRun.code, firstRun.stdout).toBe(0);
    expect(firstRun.stdout).not.toMatch(/^::(error|warning)/m);

    const comments = commentsOn(7);
    expect(comments).toHaveLength(1);
    const comment = comments[0]!;
    expect(comment.login).toBe(BOT_LOGIN);
    // The default key: the job and the directory.
    expect(comment.body.split('\n')[0]).toBe('<!-- migration-gate:migration-gate:migrations -->');
    expect(comment.body).toContain('Migration gate passed');
    expect(comment.body).toContain(added);
    expect(comment.body).toContain('RL-200');
    expect(comment.body).toContain(checkout.headSha.slice(0, 7));
    // The base by its branch name and the merge base it resolved to, linked to the commit.
    expect(comment.body).toContain(
      `**Base:** \`main\` (merge base [\`${checkout.baseSha.slice(0, 7)}\`](https://github.com/${OWNER}/${REPO}/commit/${checkout.baseSha}))`,
    );
    // Only the migration the pull request adds is changed: the three on main are history.
    expect(comment.body).not.toContain('202611010900_create_customers');
    expect(fake.state.requestsTo('POST', `/repos/${OWNER}/${REPO}/issues/7/comments`)).toHaveLength(1);
    expect(fake.state.requestsTo('GET', `/repos/${OWNER}/${REPO}/pulls/7/files`).length).toBeGreaterThan(0);

    expect(firstRun.outputs).toEqual({
      verdict: 'pass',
      'report-path': join(firstRun.runnerTemp, 'migration-gate-report.json'),
      'changed-count': '1',
      'comment-url': `https://github.com/${OWNER}/${REPO}/pull/7#issuecomment-${comment.id}`,
    });
    const report = JSON.parse(readFileSync(firstRun.outputs['report-path']!, 'utf8')) as {
      verdict: string;
      database: { provider: string } | null;
      migrations: { name: string; change: string; requirements: string[] }[];
    };
    expect(report.verdict).toBe('pass');
    expect(report.database?.provider).toBe('url');
    expect(report.migrations.map((m) => [m.name, m.change, m.requirements])).toEqual([
      [added, 'added', ['RL-200']],
    ]);

    expect(firstRun.summary).toContain('Migration gate passed');
    expect(firstRun.summary).toContain(added);
    expectNoSecret(firstRun);
  });

  it('updates the same comment on the next push', async () => {
    const before = commentsOn(7)[0]!;
    checkout.headSha = commit(
      checkout.dir,
      {
        [`migrations/${second}.up.sql`]: 'CREATE INDEX invoices_total_idx ON invoices (total_cents);\n',
        [`migrations/${second}.down.sql`]: 'DROP INDEX invoices_total_idx;\n',
      },
      'Index the total',
    );
    files.push(`migrations/${second}.down.sql`, `migrations/${second}.up.sql`);
    const { event, eventName } = pullRequest(7, checkout, files, 'synchronize');
    const run = await runAction({ workspace: checkout.dir, eventName, event });
    expect(run.code, run.stdout).toBe(0);

    const comments = commentsOn(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(before.id);
    expect(comments[0]!.body).toContain(second);
    expect(comments[0]!.body).toContain(checkout.headSha.slice(0, 7));
    expect(
      fake.state.requestsTo('PATCH', `/repos/${OWNER}/${REPO}/issues/comments/${before.id}`),
    ).toHaveLength(1);
    expect(fake.state.requestsTo('POST', `/repos/${OWNER}/${REPO}/issues/7/comments`)).toHaveLength(1);
    expect(run.outputs['changed-count']).toBe('2');
    expect(run.outputs['comment-url']).toBe(
      `https://github.com/${OWNER}/${REPO}/pull/7#issuecomment-${before.id}`,
    );
  });

  it('warns and keeps the verdict when the token is read-only', async () => {
    const { event, eventName } = pullRequest(8, checkout, files);
    const run = await runAction({
      workspace: checkout.dir,
      eventName,
      event,
      inputs: { 'github-token': TOKENS.readOnly },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(
      /^::warning::.*comment was not posted.*Resource not accessible by integration/m,
    );
    expect(run.summary).toContain('Migration gate passed');
    expect(run.summary).toContain(added);
    expect(run.outputs.verdict).toBe('pass');
    expect(run.outputs['comment-url']).toBe('');
    expect(commentsOn(8)).toHaveLength(0);
    expect(fake.state.requestsTo('POST', `/repos/${OWNER}/${REPO}/issues/8/comments`)[0]?.status).toBe(403);
  });

  it("leaves another author's comment with the same marker alone", async () => {
    const marker = commentsOn(7)[0]!.body.split('\n')[0]!;
    const foreign = {
      ...fake.state.addComment(OWNER, REPO, 9, `${marker}\nI copied the marker.`, 'someone-else'),
    };
    const { event, eventName } = pullRequest(9, checkout, files);
    const run = await runAction({ workspace: checkout.dir, eventName, event });
    expect(run.code, run.stdout).toBe(0);

    const comments = commentsOn(9);
    expect(comments).toHaveLength(2);
    expect(comments[0]).toEqual(foreign);
    expect(comments[1]!.login).toBe(BOT_LOGIN);
    expect(comments[1]!.body.startsWith(`${marker}\n`)).toBe(true);
    expect(
      fake.state.requestsTo('PATCH', `/repos/${OWNER}/${REPO}/issues/comments/${foreign.id}`),
    ).toHaveLength(0);
    expect(run.outputs['comment-url']).toBe(
      `https://github.com/${OWNER}/${REPO}/pull/9#issuecomment-${comments[1]!.id}`,
    );
  });

  it('refuses pull_request_target unless allowed', async () => {
    const { event } = pullRequest(7, checkout, files);
    const requests = fake.state.requests.length;
    const run = await runAction({ workspace: checkout.dir, eventName: 'pull_request_target', event });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^::error::refusing to run under pull_request_target: .*write token.*allow-pull-request-target: true/m,
    );
    expect(fake.state.requests.slice(requests).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(run.outputs.verdict).toBeUndefined();
  });

  it('publishes a stored report in mode report (the workflow_run half)', async () => {
    const reportJson = firstRun.outputs['report-path']!;
    const reportHead = (JSON.parse(readFileSync(reportJson, 'utf8')) as { meta: { headSha: string } }).meta
      .headSha;
    // The pull request of a fork: the event lists none, the number comes from the artifact.
    fake.state.addPull(OWNER, REPO, 12, { headSha: reportHead, headRef: 'feature', headRepo: 'dev/shop' });
    fake.state.addPull(OWNER, REPO, 14, { headSha: 'e'.repeat(40), headRef: 'other' });
    const event = {
      action: 'completed',
      workflow_run: {
        id: 4241,
        event: 'pull_request',
        conclusion: 'success',
        head_sha: reportHead,
        head_branch: 'feature',
        head_repository: { full_name: 'dev/shop' },
        pull_requests: [],
      },
      repository: { full_name: `${OWNER}/${REPO}`, name: REPO, owner: { login: OWNER } },
    };
    const inputs = { mode: 'report', 'report-json': reportJson, database: 'auto' };

    // A forged number (another pull request, whose head is another commit) is refused with one line.
    const forged = await runAction({
      workspace: checkout.dir,
      eventName: 'workflow_run',
      event,
      inputs: { ...inputs, 'pull-request-number': '14' },
    });
    expect(forged.code).toBe(1);
    expect(forged.stdout).toMatch(/^::error::mode report: refusing to comment on pull request #14: /m);
    expect(commentsOn(14)).toHaveLength(0);

    const run = await runAction({
      workspace: checkout.dir,
      eventName: 'workflow_run',
      event,
      inputs: { ...inputs, 'pull-request-number': '12' },
    });
    expect(run.code, run.stdout).toBe(0);
    const comments = commentsOn(12);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.login).toBe(BOT_LOGIN);
    expect(comments[0]!.body).toMatch(/^<!-- migration-gate:[^>]+ -->\n/);
    expect(comments[0]!.body).toContain('Migration gate passed');
    expect(comments[0]!.body).toContain(added);
    expect(run.outputs).toMatchObject({
      verdict: 'pass',
      'report-path': reportJson,
      'changed-count': '1',
      'comment-url': `https://github.com/${OWNER}/${REPO}/pull/12#issuecomment-${comments[0]!.id}`,
    });
    expect(run.summary).toContain(added);
  });
});

describe('the Action bundle on a failing pull request', () => {
  it('exits 1 with file and line annotations and a failing comment', async () => {
    const name = '202611201200_drop_customer_email';
    const checkout = makeCheckout('repo-fail', {
      [`migrations/${name}.up.sql`]: '-- requirements: RL-300\nALTER TABLE customers DROP COLUMN email;\n',
    });
    const { event, eventName } = pullRequest(11, checkout, [`migrations/${name}.up.sql`]);
    const run = await runAction({ workspace: checkout.dir, eventName, event });
    expect(run.code, run.stdout).toBe(1);
    expect(annotations(run.stdout)).toContainEqual(
      expect.objectContaining({
        level: 'error',
        file: `migrations/${name}.up.sql`,
        line: expect.stringMatching(/^\d+$/),
        title: 'down-missing',
      }),
    );
    expect(run.stdout).toMatch(
      /^::error::migration-gate: 1 changed migration, \d+ errors?, \d+ warnings?: the gate fails/m,
    );
    expect(run.outputs.verdict).toBe('fail');
    expect(run.outputs['changed-count']).toBe('1');
    const comments = commentsOn(11);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('Migration gate failed');
    expect(comments[0]!.body).toContain('down-missing');
    expect(run.outputs['comment-url']).toBe(
      `https://github.com/${OWNER}/${REPO}/pull/11#issuecomment-${comments[0]!.id}`,
    );
    expectNoSecret(run);

    // The stored failing report, published by mode report, fails that job too.
    fake.state.addPull(OWNER, REPO, 13, { headSha: checkout.headSha, headRef: 'feature' });
    const published = await runAction({
      workspace: checkout.dir,
      eventName: 'workflow_run',
      event: {
        action: 'completed',
        workflow_run: { id: 1, head_sha: checkout.headSha, head_branch: 'feature', pull_requests: [] },
      },
      inputs: { mode: 'report', 'report-json': run.outputs['report-path']!, 'pull-request-number': '13' },
    });
    expect(published.code).toBe(1);
    expect(published.outputs.verdict).toBe('fail');
    expect(annotations(published.stdout)).toContainEqual(
      expect.objectContaining({ level: 'error', file: `migrations/${name}.up.sql`, title: 'down-missing' }),
    );
    expect(commentsOn(13)[0]?.body).toContain('Migration gate failed');
  });
});

describe('scratch databases', () => {
  it('are all dropped after the runs', async () => {
    expect(runNo).toBeGreaterThan(0);
    expect(await leftoverDatabases()).toEqual([]);
  });
});
