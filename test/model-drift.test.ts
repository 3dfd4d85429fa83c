import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonCommand, readComparison } from '../src/roundtrip/model-drift.js';
import type { Report } from '../src/types.js';
import { cli } from './helpers/cli.js';
import { TEST_DATABASE_URL, assertServerReachable } from './helpers/db.js';

const root = resolve(import.meta.dirname, '..');
const SQLITE_FIXTURE = join(root, 'fixtures/alembic/sqlite');
let tmp: string;

beforeAll(async () => {
  await assertServerReachable();
  tmp = mkdtempSync(join(tmpdir(), 'mg-model-drift-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=dev', ...args], {
    cwd,
    stdio: 'pipe',
  });

/** A copy of an Alembic fixture project committed on `main`, checked out on a branch `feature`. */
function project(
  name: string,
  fixture = join(SQLITE_FIXTURE, 'project'),
  prepare?: (dir: string) => void,
): string {
  const dir = join(tmp, name);
  cpSync(fixture, dir, { recursive: true });
  prepare?.(dir);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'history');
  git(dir, 'checkout', '-qb', 'feature');
  return dir;
}

async function check(cwd: string, database: string, extra: string[] = []) {
  const args = ['check', '--dir', 'migrations/versions', '--base', 'main', '--database', database];
  const r = await cli([...args, '--json', 'r.json', ...extra], cwd);
  return { ...r, report: JSON.parse(readFileSync(join(cwd, 'r.json'), 'utf8')) as Report };
}

describe('pythonCommand', () => {
  it("reads the project's interpreter from the Alembic command", async () => {
    expect(await pythonCommand(['python3', '-m', 'alembic', '-c', 'db/alembic.ini'])).toEqual({
      python: ['python3'],
      config: 'db/alembic.ini',
      name: 'alembic',
      x: [],
    });
    expect(await pythonCommand(['poetry', 'run', 'alembic', '--name=app', '-x', 'a=1'])).toEqual({
      python: ['poetry', 'run', 'python'],
      config: 'alembic.ini',
      name: 'app',
      x: ['a=1'],
    });
    // Debian's console script names its interpreter in its #! line.
    expect((await pythonCommand(['/usr/bin/alembic'])).python).toEqual(['/usr/bin/python3']);
  });

  it('refuses output without the result line', () => {
    expect(() => readComparison('Traceback …')).toThrow();
  });
});

describe('model-drift on PostgreSQL', () => {
  it('names the table and column of a model change no revision adds, in a pull request that changes only models.py', async () => {
    const dir = project('models-only');
    writeFileSync(join(dir, 'models.py'), readFileSync(join(SQLITE_FIXTURE, 'drift/models.py')));
    const r = await check(dir, TEST_DATABASE_URL);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/no database was started/);
    const drift = r.report.findings.filter((f) => f.rule === 'model-drift');
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ severity: 'error', path: 'models.py', line: 8 });
    expect(drift[0]!.message).toMatch(/add_column users\.nickname \(VARCHAR\(40\)\)/);
    expect(r.report.verdict).toBe('fail');
  });

  it('passes when the models match the revisions', async () => {
    const fixed = '202611121000_add_orders_created_index.py';
    const dir = project('clean', undefined, (d) =>
      cpSync(join(SQLITE_FIXTURE, 'fixed', fixed), join(d, 'migrations/versions', fixed)),
    );
    const r = await check(dir, TEST_DATABASE_URL);
    expect(r.report.findings.filter((f) => f.rule === 'model-drift')).toEqual([]);
    expect(r.stderr).toMatch(/models: migrations\/versions match the revisions/);
    expect(r.code).toBe(0);
  });

  it('notes a project without target_metadata instead of failing', async () => {
    const dir = project('no-metadata', join(root, 'fixtures/alembic/project'));
    const r = await check(dir, TEST_DATABASE_URL);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/env\.py configures no target_metadata/);
    expect(r.report.findings.filter((f) => f.rule === 'model-drift')).toEqual([]);
  });
});
