import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedFiles, headSha, listFilesAtBase, resolveBase } from '../src/discover/git.js';
import { GateError } from '../src/types.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

function write(dir: string, rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}

async function gateError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GateError);
  const message = (error as GateError).message;
  expect(message).not.toContain('\n');
  return message;
}

let tmp: string;
let repo: string;
let branchPoint: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'mg-git-'));
  repo = path.join(tmp, 'repo');
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  write(repo, 'db/m/001_keep.sql', 'SELECT 1;\n');
  write(repo, 'db/m/002_edit.sql', 'SELECT 2;\n');
  write(repo, 'db/m/003_delete.sql', 'SELECT 3;\n');
  write(repo, 'db/m/004_rename.sql', 'SELECT 4; -- long enough to be recognised as the same file\n');
  write(repo, 'db/m/005 odd ñame.sql', 'SELECT 5;\n');
  write(repo, 'db/m/006_move_untracked.sql', 'SELECT 6; -- moved without git\n');
  write(repo, 'db/m/nested/ignored.sql', 'SELECT 0;\n');
  write(repo, 'other/x.sql', 'SELECT 9;\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'base');
  branchPoint = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'checkout', '-q', '-b', 'feature');
  write(repo, 'db/m/002_edit.sql', 'SELECT 2, 2;\n');
  git(repo, 'rm', '-q', 'db/m/003_delete.sql');
  git(repo, 'mv', 'db/m/004_rename.sql', 'db/m/004_renamed.sql');
  write(repo, 'db/m/007_committed.sql', 'SELECT 7;\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'feature');
  // Uncommitted and untracked changes on top.
  write(repo, 'db/m/005 odd ñame.sql', 'SELECT 5, 5;\n');
  write(repo, 'db/m/008_untracked é.sql', 'SELECT 8;\n');
  renameSync(path.join(repo, 'db/m/006_move_untracked.sql'), path.join(repo, 'db/m/006_moved.sql'));
  write(repo, 'other/y.sql', 'SELECT 10;\n');
  // main moves on after the branch point: the merge base stays at the branch point.
  git(repo, 'checkout', '-q', 'main');
  write(repo, 'db/m/009_on_main.sql', 'SELECT 9;\n');
  git(repo, 'add', 'db/m/009_on_main.sql');
  git(repo, 'commit', '-q', '-m', 'main moves');
  git(repo, 'checkout', '-q', 'feature');
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('resolveBase', () => {
  it('returns the merge base of the base ref and HEAD, not the tip of the base', async () => {
    expect(await resolveBase(repo, 'main')).toBe(branchPoint);
    expect(await resolveBase(path.join(repo, 'db'), 'main')).toBe(branchPoint);
    expect(await resolveBase(repo, branchPoint)).toBe(branchPoint);
  });

  it('names what it tried, and suggests no fetch in a repository without a remote', async () => {
    expect(await gateError(resolveBase(repo, 'release'))).toBe(
      "base ref 'release' not found in this clone (tried 'release' and 'origin/release'): this repository has no remote to fetch it from; name one of its branches, tags or commits (branches here: feature, main)",
    );
  });

  it('suggests fetching only when the remote has the ref, or cannot be asked', async () => {
    const clone = path.join(tmp, 'fetch-advice');
    git(tmp, 'clone', '-q', '--branch', 'feature', repo, clone);
    expect(await gateError(resolveBase(clone, 'nope'))).toBe(
      "base ref 'nope' not found in this clone (tried 'nope' and 'origin/nope'): origin has no branch or tag 'nope' either; name one that exists (branches here: feature, origin/feature, origin/main)",
    );
    git(repo, 'branch', 'hotfix', 'main');
    try {
      expect(await gateError(resolveBase(clone, 'origin/hotfix'))).toBe(
        "base ref 'origin/hotfix' not found in this clone (tried 'origin/hotfix'): origin has it: fetch it with 'git fetch origin hotfix'",
      );
    } finally {
      git(repo, 'branch', '-D', 'hotfix');
    }
    git(clone, 'remote', 'set-url', 'origin', path.join(tmp, 'no-such-remote'));
    expect(await gateError(resolveBase(clone, 'nope'))).toBe(
      "base ref 'nope' not found in this clone (tried 'nope' and 'origin/nope'): if origin has it, fetch it with 'git fetch origin nope'",
    );
  });

  it('falls back to origin/<ref> when only the remote-tracking ref exists', async () => {
    const clone = path.join(tmp, 'clone');
    git(tmp, 'clone', '-q', '--branch', 'feature', repo, clone);
    expect(git(clone, 'branch', '--list', 'main')).toBe('');
    expect(await resolveBase(clone, 'main')).toBe(branchPoint);
  });

  it('explains a shallow clone: missing ref, and no merge base', async () => {
    const shallow = path.join(tmp, 'shallow');
    git(tmp, 'clone', '-q', '--depth', '1', '--no-single-branch', `file://${repo}`, shallow);
    expect(await gateError(resolveBase(shallow, 'release'))).toBe(
      "base ref 'release' not found in this shallow clone (tried 'release' and 'origin/release'): origin has no branch or tag 'release' either; name one that exists (branches here: feature, origin/feature, origin/main)",
    );
    git(repo, 'tag', 'v9', 'main');
    try {
      expect(await gateError(resolveBase(shallow, 'v9'))).toBe(
        "base ref 'v9' not found in this shallow clone (tried 'v9' and 'origin/v9'): origin has it: fetch it with 'git fetch origin v9' or check out with 'fetch-depth: 0'",
      );
    } finally {
      git(repo, 'tag', '-d', 'v9');
    }
    git(shallow, 'checkout', '-q', 'feature');
    expect(await gateError(resolveBase(shallow, 'main'))).toBe(
      "no merge base of 'main' and HEAD in this shallow clone: check out with 'fetch-depth: 0' (or run 'git fetch --unshallow')",
    );
  });

  it('says so outside a git repository, and refuses option-like refs', async () => {
    const plain = path.join(tmp, 'plain');
    mkdirSync(plain);
    expect(await gateError(resolveBase(plain, 'main'))).toBe(
      `'${plain}' is not inside a git repository: --base 'main' needs the repository's history (run in a clone, or drop --base)`,
    );
    expect(await gateError(resolveBase(repo, '--output=/tmp/x'))).toBe(
      "base ref '--output=/tmp/x' is not a valid git ref",
    );
  });

  it('reports a repository without commits', async () => {
    const fresh = path.join(tmp, 'fresh');
    mkdirSync(fresh);
    git(fresh, 'init', '-q', '-b', 'main');
    expect(await gateError(resolveBase(fresh, 'main'))).toBe(
      `the repository at '${fresh}' has no commit yet (HEAD): commit before comparing with 'main'`,
    );
    expect(await headSha(fresh)).toBeNull();
    expect(await headSha(repo)).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('changedFiles', () => {
  it('lists committed, uncommitted and untracked changes under the directories, with renames', async () => {
    const changes = await changedFiles(repo, branchPoint, ['db/m/']);
    const byPath = Object.fromEntries(changes.map((c) => [c.path, [c.status, c.previousPath]]));
    expect(byPath).toEqual({
      'db/m/002_edit.sql': ['modified', null],
      'db/m/003_delete.sql': ['deleted', null],
      'db/m/004_renamed.sql': ['renamed', 'db/m/004_rename.sql'],
      'db/m/005 odd ñame.sql': ['modified', null],
      'db/m/006_moved.sql': ['renamed', 'db/m/006_move_untracked.sql'],
      'db/m/007_committed.sql': ['added', null],
      'db/m/008_untracked é.sql': ['added', null],
    });
  });

  it('gives paths relative to a working directory inside the repository', async () => {
    const changes = await changedFiles(path.join(repo, 'db'), branchPoint, ['m']);
    expect(changes.map((c) => c.path)).toContain('m/007_committed.sql');
    expect(changes.find((c) => c.status === 'renamed' && c.path === 'm/004_renamed.sql')?.previousPath).toBe(
      'm/004_rename.sql',
    );
  });

  it('writes nothing: the index and the working tree are as before', async () => {
    const before = git(repo, 'status', '--porcelain=v1', '-z');
    const indexStat = execFileSync('stat', ['-c', '%Y %s', path.join(repo, '.git/index')], {
      encoding: 'utf8',
    });
    await changedFiles(repo, branchPoint, ['db/m']);
    expect(git(repo, 'status', '--porcelain=v1', '-z')).toBe(before);
    expect(execFileSync('stat', ['-c', '%Y %s', path.join(repo, '.git/index')], { encoding: 'utf8' })).toBe(
      indexStat,
    );
  });

  it('is empty for a directory without changes', async () => {
    write(repo, 'quiet/a.sql', 'x');
    expect(await changedFiles(repo, branchPoint, ['nowhere'])).toEqual([]);
    unlinkSync(path.join(repo, 'quiet/a.sql'));
  });
});

describe('listFilesAtBase', () => {
  it('lists the files directly inside the directory at the merge base', async () => {
    expect(await listFilesAtBase(repo, branchPoint, 'db/m')).toEqual([
      'db/m/001_keep.sql',
      'db/m/002_edit.sql',
      'db/m/003_delete.sql',
      'db/m/004_rename.sql',
      'db/m/005 odd ñame.sql',
      'db/m/006_move_untracked.sql',
    ]);
    expect(await listFilesAtBase(path.join(repo, 'db/m'), branchPoint, '.')).toContain('005 odd ñame.sql');
    expect(await listFilesAtBase(repo, branchPoint, 'not/there')).toEqual([]);
  });
});
