import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';
import {
  TEST_POSTGRES_IMAGE,
  allContainers,
  assertDockerReady,
  docker,
  gateContainers,
} from './helpers/docker.js';

/*
 * The container provider for real: the committed bundle (`dist/cli.js`, `dist/index.js`) started as a separate
 * process, as `npx migration-gate` and GitHub's runner start it, against a real Docker engine and a local
 * PostgreSQL image. These tests fail (never skip) without the engine: `.ci/run` starts it.
 */

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const ACTION = join(ROOT, 'dist', 'index.js');
const EXITS_IMAGE = 'migration-gate-test/exits-at-start:1';

/** The fixtures every provider must judge alike: each kind of lossy down, failures, Umzug, waivers, no-transaction. */
const MUST_CATCH = [
  'leftover-index',
  'leftover-default',
  'leftover-check',
  'leftover-enum',
  'leftover-sequence',
  'leftover-function',
  'leftover-trigger',
  'leftover-view',
  'leftover-policy',
  'down-removes-extra',
  'reup-fails',
  'syntax-error',
  'enum-history',
  'begin-commit',
  'concurrently-no-transaction',
  'umzug',
  'umzug-commit',
  'waived',
  'column-order',
  'clean-30',
];

/** The object each leftover fixture's down leaves behind (what the finding must name). */
const LEFT_BEHIND: Record<string, string> = {
  'leftover-index': 'index public.orders_created_at_idx',
  'leftover-default': 'column public.orders.status',
  'leftover-check': 'constraint public.orders.orders_amount_check',
  'leftover-enum': 'enum public.order_priority',
  'leftover-sequence': 'sequence public.invoice_number_seq',
  'leftover-function': 'function public.order_gross(amount numeric, tax numeric)',
  'leftover-trigger': 'trigger public.orders.orders_touch',
  'leftover-view': 'view public.open_orders',
  'leftover-policy': 'policy public.orders.orders_by_customer',
};

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let scratch: string;

/** Starts the committed bundle as its own process; `onOutput` sees stdout and stderr as they come. */
function start(
  entry: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; nodeArgs?: string[] } = {},
  onOutput?: (soFar: string, kill: (signal: NodeJS.Signals) => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), entry, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    const kill = (signal: NodeJS.Signals) => child.kill(signal);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      onOutput?.(stdout + stderr, kill);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      onOutput?.(stdout + stderr, kill);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function cli(args: string[], env?: NodeJS.ProcessEnv, cwd?: string): Promise<Run> {
  return start(CLI, args, { env, cwd });
}

interface JsonFinding {
  rule: string;
  migration: string;
  path: string;
  line?: number;
  message: string;
}

function readReport(path: string): {
  database: { provider: string; serverVersion: string } | null;
  findings: JsonFinding[];
} {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** One line per finding, with the random parts (scratch database names) taken out. */
function findingLines(findings: JsonFinding[]): string[] {
  return findings
    .map((f) =>
      `${f.path}:${f.line ?? ''} ${f.rule} ${f.message}`.replace(
        /migration_gate_[a-z0-9]+/g,
        'migration_gate_*',
      ),
    )
    .sort();
}

beforeAll(async () => {
  assertDockerReady();
  await assertServerReachable();
  scratch = mkdtempSync(join(tmpdir(), 'mg-container-'));
  // An image whose server never starts, built from the local one (no registry needed).
  execFileSync('docker', ['build', '-q', '-t', EXITS_IMAGE, '-'], {
    input: `FROM ${TEST_POSTGRES_IMAGE}\nENTRYPOINT ["sh", "-c", "echo the server refuses to start >&2; exit 3"]\n`,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}, 180_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  try {
    docker('image', 'rm', EXITS_IMAGE);
  } catch {
    // already gone
  }
});

describe('dist/cli.js --database container (a real Docker engine)', () => {
  it('names the object a lossy down left behind, exits 1, and leaves no container behind', async () => {
    const before = allContainers();
    const r = await cli([
      'check',
      '--dir',
      'fixtures/roundtrip/leftover-index',
      '--database',
      'container',
      '--postgres-image',
      TEST_POSTGRES_IMAGE,
      '-q',
    ]);
    expect(r.stderr).toMatch(
      new RegExp(`^note: PostgreSQL 15\\.\\d+ in a container \\(${TEST_POSTGRES_IMAGE}\\)$`, 'm'),
    );
    expect(r.stdout).toContain(
      'fixtures/roundtrip/leftover-index/202601011000_add_orders_created_at_index.down.sql:1 down-mismatch after down, ' +
        'the schema differs from before up: index public.orders_created_at_idx\n',
    );
    expect(r.code).toBe(1);
    expect(allContainers()).toEqual(before);
  });

  it('judges every "must catch" fixture exactly as the PostgreSQL server of the URL provider does', async () => {
    const dirs = MUST_CATCH.flatMap((f) => ['--dir', `fixtures/roundtrip/${f}`]);
    const containerJson = join(scratch, 'container.json');
    const urlJson = join(scratch, 'url.json');
    const [inContainer, onServer] = [
      await cli([
        'check',
        ...dirs,
        '--database',
        'container',
        '--postgres-image',
        TEST_POSTGRES_IMAGE,
        '--json',
        containerJson,
        '-q',
      ]),
      await cli(['check', ...dirs, '--database', TEST_DATABASE_URL, '--json', urlJson, '-q']),
    ];
    expect(inContainer.code, inContainer.stderr).toBe(1);
    expect(onServer.code, onServer.stderr).toBe(1);
    const container = readReport(containerJson);
    const url = readReport(urlJson);
    expect(container.database).toEqual({
      provider: 'container',
      serverVersion: expect.stringMatching(/^15\.\d+/),
    });
    expect(url.database?.provider).toBe('url');
    expect(findingLines(container.findings)).toEqual(findingLines(url.findings));

    // Not two empty lists: every leftover is named, and the clean history has no finding at all.
    for (const [fixture, object] of Object.entries(LEFT_BEHIND)) {
      const mismatch = container.findings.find(
        (f) => f.rule === 'down-mismatch' && f.path.includes(`/${fixture}/`),
      );
      expect(mismatch?.message, fixture).toBe(`after down, the schema differs from before up: ${object}`);
    }
    // The clean history's findings are warnings about its dropped column: the values up drops, and the
    // column's place after down adds it back.
    expect(
      container.findings
        .filter((f) => f.path.includes('/clean-30/'))
        .map((f) => f.rule)
        .sort(),
    ).toEqual(['column-order', 'up-data-loss']);
    expect(container.findings.some((f) => f.rule === 'up-failed' && f.path.includes('/syntax-error/'))).toBe(
      true,
    );
    expect(gateContainers()).toEqual([]);
  });

  it('removes the container when the run is stopped with SIGTERM in the middle of a step', async () => {
    let sent = false;
    const r = await start(
      CLI,
      [
        'check',
        '--dir',
        'fixtures/roundtrip/sleep',
        '--database',
        'container',
        '--postgres-image',
        TEST_POSTGRES_IMAGE,
      ],
      {},
      (soFar, kill) => {
        // The step after this line sleeps for an hour.
        if (!sent && /\[1\/2\] 202601010900_create_orders: re-up/.test(soFar)) {
          sent = true;
          setTimeout(() => kill('SIGTERM'), 500);
        }
      },
    );
    expect(sent).toBe(true);
    expect(r.code).toBe(143);
    expect(gateContainers()).toEqual([]);
  });

  it('fails in one line (exit 2) when the container exits at start, and removes it', async () => {
    const r = await cli([
      'check',
      '--dir',
      'fixtures/roundtrip/leftover-index',
      '--database',
      'container',
      '--postgres-image',
      EXITS_IMAGE,
    ]);
    expect(r.code).toBe(2);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(
      new RegExp(
        `^migration-gate: the PostgreSQL container ${EXITS_IMAGE} did not start \\(.+\\): .*--postgres-image.*--database embedded$`,
      ),
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(gateContainers()).toEqual([]);
  });

  it('fails in one line (exit 2) when the image is neither here nor pullable', async () => {
    const r = await cli(['lint', '--dir', 'fixtures/roundtrip/leftover-index']);
    expect(r.code).toBe(0); // lint needs no database: the image is only asked for by check
    const missing = await cli([
      'check',
      '--dir',
      'fixtures/roundtrip/leftover-index',
      '--database',
      'container',
      '--postgres-image',
      'migration-gate-test/absent:1',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n').at(-1)).toMatch(
      /^migration-gate: the image migration-gate-test\/absent:1 is not on this machine and cannot be pulled \(.+\): .*--postgres-image.*--database embedded$/,
    );
    expect(gateContainers()).toEqual([]);
  });

  it('names TESTCONTAINERS_RYUK_DISABLED when the reaper image cannot be pulled', async () => {
    const r = await cli(
      [
        'check',
        '--dir',
        'fixtures/roundtrip/leftover-index',
        '--database',
        'container',
        '--postgres-image',
        TEST_POSTGRES_IMAGE,
      ],
      { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'false' },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^migration-gate: testcontainers' Ryuk container did not start \(.+\): set TESTCONTAINERS_RYUK_DISABLED=true/,
    );
    expect(gateContainers()).toEqual([]);
  });
});

describe('dist/cli.js --database auto', () => {
  it('takes the container when Docker answers', async () => {
    const json = join(scratch, 'auto.json');
    const r = await cli([
      'check',
      '--dir',
      'fixtures/roundtrip/leftover-view',
      '--postgres-image',
      TEST_POSTGRES_IMAGE,
      '--json',
      json,
      '-q',
    ]);
    expect(r.code).toBe(1);
    expect(readReport(json).database?.provider).toBe('container');
    expect(r.stdout).toContain(
      'down-mismatch after down, the schema differs from before up: view public.open_orders',
    );
  });

  it('says so in one note and uses the embedded database when Docker answers but no container starts', async () => {
    const json = join(scratch, 'auto-fallback.json');
    const r = await cli([
      'check',
      '--dir',
      'fixtures/formats/sql-pair',
      '--postgres-image',
      'migration-gate-test/absent:1',
      '--json',
      json,
      '-q',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^note: Docker answers, but no PostgreSQL container started \(the image migration-gate-test\/absent:1 is not on this machine .+\): using the embedded database$/m,
    );
    expect(readReport(json).database?.provider).toBe('embedded');
  });
});

describe('without a Docker runtime (DOCKER_HOST names a socket nobody listens on)', () => {
  // DOCKER_HOST is authoritative, as for the docker CLI: the real socket of this machine is never tried.
  const noDocker = () => ({ ...process.env, DOCKER_HOST: `unix://${join(scratch, 'nobody.sock')}` });

  it('--database container: exit 2, one line', async () => {
    const r = await cli(
      ['check', '--dir', 'fixtures/formats/sql-pair', '--database', 'container'],
      noDocker(),
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^migration-gate: no Docker runtime found \(DOCKER_HOST=unix:\/\/.*nobody\.sock does not answer\): use --database embedded or a postgres:\/\/ URL$/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--database auto: the embedded database, with a note', async () => {
    const r = await cli(['check', '--dir', 'fixtures/formats/sql-pair', '-q'], noDocker());
    expect(r.stderr).toMatch(/^note: no Docker runtime answered: using the embedded database$/m);
    expect(r.stdout).toMatch(/the gate passes$/m);
    expect(r.code).toBe(0);
  });
});

describe('dist/index.js (the Action) with database container and auto', () => {
  /** A git checkout holding one fixture's migrations, and the runner's environment for one Action run. */
  function workspace(fixture: string): string {
    const dir = join(scratch, `ws-${fixture}-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(dir, { recursive: true });
    cpSync(join(ROOT, 'fixtures', 'roundtrip', fixture), join(dir, 'migrations'), { recursive: true });
    const git = (...args: string[]) =>
      execFileSync(
        'git',
        ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', '-c', 'init.defaultBranch=main', ...args],
        {
          cwd: dir,
          stdio: 'pipe',
        },
      );
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'migrations');
    return dir;
  }

  async function runAction(dir: string, inputs: Record<string, string>) {
    const action = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
    };
    const output = join(dir, '..', `${dir.split('/').at(-1)}.output`);
    const summary = join(dir, '..', `${dir.split('/').at(-1)}.summary`);
    const event = join(dir, '..', `${dir.split('/').at(-1)}.event.json`);
    writeFileSync(output, '');
    writeFileSync(summary, '');
    writeFileSync(event, JSON.stringify({ ref: 'refs/heads/main' }));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED,
      TESTCONTAINERS_HOST_OVERRIDE: process.env.TESTCONTAINERS_HOST_OVERRIDE,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: event,
      GITHUB_WORKSPACE: dir,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_REPOSITORY: 'acme/shop',
      RUNNER_TEMP: join(dir, '..'),
    };
    for (const [name, spec] of Object.entries(action.inputs)) {
      if (spec.default !== undefined && !spec.default.includes('${{'))
        env[`INPUT_${name.toUpperCase()}`] = spec.default;
    }
    for (const [name, value] of Object.entries({ 'github-token': '', ...inputs }))
      env[`INPUT_${name.toUpperCase()}`] = value;
    const r = await start(ACTION, [], { env, cwd: dir });
    return {
      ...r,
      outputs: readFileSync(output, 'utf8'),
      reportPath: /report-path<<(\S+)\n(.*)\n\1/.exec(readFileSync(output, 'utf8'))?.[2],
    };
  }

  it.each(['container', 'auto'])(
    'database: %s runs the round-trip in a container and fails on the lossy down',
    async (database) => {
      const before = allContainers();
      const dir = workspace('leftover-trigger');
      const r = await runAction(dir, { database, 'postgres-image': TEST_POSTGRES_IMAGE });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/database: container, PostgreSQL 15\.\d+/);
      expect(r.stdout).toMatch(
        /^::error .*::after down, the schema differs from before up: trigger public\.orders\.orders_touch/m,
      );
      expect(r.outputs).toMatch(/verdict<<(\S+)\nfail\n\1/);
      expect(r.reportPath).toBeTruthy();
      expect(readReport(r.reportPath!).database?.provider).toBe('container');
      expect(allContainers()).toEqual(before);
    },
  );
});

describe('dist/cli.js on an older Node.js', () => {
  it('says in one line which Node.js it needs, exit 2', async () => {
    const r = await start(CLI, ['--version'], {
      nodeArgs: [
        '--import',
        'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.11.1"})',
      ],
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^migration-gate: needs Node\.js 22\.22 or newer, this is v\d+.*: install a current Node\.js/,
      ),
    ]);
    expect(r.stdout).toBe('');
  });
});
