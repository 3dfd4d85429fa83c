import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { parse as parseYaml } from 'yaml';
import { run } from '../../src/main.js';
import { clearSecrets } from '../../src/redact.js';
import type { FakeGitHub } from './fake-github.js';

/*
 * The Action's sources run in this process as the runner runs the bundle: the runner's environment (event
 * file, output and summary files, INPUT_* for every input of action.yml) around one call of `run()`, stdout
 * captured, talking to the fake REST API. The environment, the exit code and the secret registry are
 * restored afterwards.
 */

const ROOT = join(import.meta.dirname, '..', '..');
export const OWNER = 'acme';
export const REPO = 'shop';

export interface ActionRun {
  /** Everything the Action wrote to stdout: log lines and workflow commands. */
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  /** `process.exitCode` after the run: 1 when the step failed. */
  exitCode: number | undefined;
  runnerTemp: string;
}

export interface ActionRunOptions {
  fake: FakeGitHub;
  workspace: string;
  eventName: string;
  event: unknown;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}

let scratch: string | null = null;
let runNo = 0;

function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'migration-gate-action-'));
  return scratch;
}

/** Defaults of every input, from action.yml. */
function inputDefaults(): Record<string, string> {
  const yml = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  return Object.fromEntries(Object.entries(yml.inputs).map(([n, spec]) => [n, String(spec.default ?? '')]));
}

/** The runner's file commands write `name<<delimiter\nvalue\ndelimiter`. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (!heredoc) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
    outputs[heredoc[1]!] = value.join('\n');
  }
  return outputs;
}

/** Runs `run()` of src/main.ts with a runner's environment; resolves when it returns. */
export async function runAction(options: ActionRunOptions): Promise<ActionRun> {
  const dir = join(scratchDir(), `run-${++runNo}`);
  const runnerTemp = join(dir, 'temp');
  mkdirSync(runnerTemp, { recursive: true });
  const eventPath = join(dir, 'event.json');
  const outputPath = join(dir, 'output');
  // `core.summary` keeps the path it first read: one summary file for the process, emptied before each run.
  const summaryPath = join(scratchDir(), 'summary.md');
  writeFileSync(eventPath, JSON.stringify(options.event, null, 2));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  core.summary.emptyBuffer();

  const env: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_API_URL: options.fake.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_RUN_ID: '4242',
    GITHUB_JOB: 'migration-gate',
    GITHUB_SHA: git(options.workspace, 'rev-parse', 'HEAD'),
    RUNNER_TEMP: runnerTemp,
    ...options.env,
  };
  for (const [name, value] of Object.entries({ ...inputDefaults(), ...options.inputs })) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }

  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  const savedExitCode = process.exitCode;
  const write = process.stdout.write.bind(process.stdout);
  let stdout = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  Object.assign(process.env, env);
  process.exitCode = undefined;
  let exitCode: number | undefined;
  try {
    process.chdir(options.workspace);
    await run();
  } finally {
    exitCode = process.exitCode === undefined ? undefined : Number(process.exitCode);
    process.stdout.write = write;
    process.chdir(savedCwd);
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    process.exitCode = savedExitCode;
    clearSecrets();
  }
  return {
    stdout,
    exitCode,
    runnerTemp,
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8'),
  };
}

/** Workflow commands in the output (`::name props::data`), as lines. */
export function commandLines(stdout: string): string[] {
  return stdout.split(/\r?\n/).filter((line) => line.trimStart().startsWith('::'));
}

export function git(cwd: string, ...args: string[]): string {
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

export interface Checkout {
  dir: string;
  baseSha: string;
  headSha: string;
}

/**
 * A git checkout: `main` holds `base` (a migrations directory with one correct migration unless given);
 * branch `feature` adds `files`; HEAD on the branch.
 */
export function makeCheckout(name: string, files: Record<string, string>): Checkout {
  const dir = join(scratchDir(), name);
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  git(dir, 'init', '-q');
  writeFileSync(join(dir, 'migrations', '202611010900_create_customers.up.sql'), CUSTOMERS_UP);
  writeFileSync(join(dir, 'migrations', '202611010900_create_customers.down.sql'), 'DROP TABLE customers;\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Initial schema');
  const baseSha = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '-q', '-b', 'feature');
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Add a migration');
  return { dir, baseSha, headSha: git(dir, 'rev-parse', 'HEAD') };
}

const CUSTOMERS_UP = '-- requirements: RL-100\nCREATE TABLE customers (id bigint PRIMARY KEY, email text);\n';

/** A `pull_request` event as GitHub writes it; the same pull request is registered with the fake. */
export function pullRequestEvent(
  fake: FakeGitHub,
  number: number,
  checkout: Checkout,
  files: string[],
): { eventName: string; event: unknown } {
  const title = 'Add a migration';
  const body = 'Implements RL-200.';
  fake.state.addPull(OWNER, REPO, number, {
    title,
    body,
    headSha: checkout.headSha,
    baseSha: checkout.baseSha,
    files: files.map((filename) => ({ filename, status: 'added' as const })),
  });
  const repository = { full_name: `${OWNER}/${REPO}`, name: REPO, owner: { login: OWNER } };
  return {
    eventName: 'pull_request',
    event: {
      action: 'opened',
      number,
      pull_request: {
        number,
        title,
        body,
        head: { sha: checkout.headSha, ref: 'feature', repo: repository },
        base: { sha: checkout.baseSha, ref: 'main', repo: repository },
      },
      repository,
    },
  };
}
