import { execFile } from 'node:child_process';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { GateError } from '../types.js';

/** How a file differs between the merge base and the working tree. */
export interface ChangedFile {
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  /** Path relative to the working directory, `/`-separated (for `deleted`: the path on the base). */
  path: string;
  /** For `renamed`: the path on the base. */
  previousPath: string | null;
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

const GIT_ENV = {
  // Read-only: never let git refresh and rewrite the index while we look.
  GIT_OPTIONAL_LOCKS: '0',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

function git(cwd: string, args: string[], input?: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      ['-c', 'core.quotepath=false', ...args],
      { cwd, env: { ...process.env, ...GIT_ENV }, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(
            error.code === 'ENOENT'
              ? new GateError(
                  `git is not installed or not on PATH: --base needs git to compare with the base ref`,
                  {
                    cause: error,
                  },
                )
              : new GateError(`cannot run git in '${cwd}': ${error.message.split('\n')[0]}`, {
                  cause: error,
                }),
          );
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** Runs git and returns its stdout; a failure becomes a one-line `GateError` starting with `what`. */
async function gitOk(cwd: string, args: string[], what: string, input?: string): Promise<string> {
  const result = await git(cwd, args, input);
  if (result.code !== 0)
    throw new GateError(`${what}: ${firstLine(result.stderr) || `git ${args[0]} failed`}`);
  return result.stdout;
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.replace(/^(fatal|error):\s*/, '').trim())
      .find((l) => l.length > 0) ?? ''
  );
}

/**
 * The merge base of `baseRef` and `HEAD` in the repository at `cwd`, as a commit SHA. Tries `origin/<ref>`
 * when `<ref>` is not a local ref. A missing ref, a shallow clone without the history, or a directory that
 * is not a git repository is a one-line `GateError` saying what to do.
 */
export async function resolveBase(cwd: string, baseRef: string): Promise<string> {
  if (baseRef.trim() === '' || baseRef.startsWith('-')) {
    throw new GateError(`base ref '${baseRef}' is not a valid git ref`);
  }
  const inside = await git(cwd, ['rev-parse', '--is-inside-work-tree']);
  if (inside.code !== 0 || inside.stdout.trim() !== 'true') {
    const dubious = /dubious ownership/i.test(inside.stderr);
    throw new GateError(
      dubious
        ? `git refuses to read '${cwd}' (dubious ownership): run 'git config --global --add safe.directory ${cwd}'`
        : `'${cwd}' is not inside a git repository: --base '${baseRef}' needs the repository's history (run in a clone, or drop --base)`,
    );
  }
  const shallow = async () =>
    (await git(cwd, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';

  const candidates = [baseRef];
  if (!baseRef.startsWith('refs/') && !baseRef.startsWith('origin/') && !/^[0-9a-f]{40,64}$/i.test(baseRef)) {
    candidates.push(`origin/${baseRef}`);
  }
  let baseSha: string | null = null;
  for (const candidate of candidates) {
    const result = await git(cwd, ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`]);
    if (result.code === 0 && result.stdout.trim()) {
      baseSha = result.stdout.trim();
      break;
    }
  }
  if (!baseSha) {
    const head = await git(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    if (head.code !== 0) {
      throw new GateError(
        `the repository at '${cwd}' has no commit yet (HEAD): commit before comparing with '${baseRef}'`,
      );
    }
    const tried = candidates.map((c) => `'${c}'`).join(' and ');
    throw new GateError(
      `base ref '${baseRef}' not found in this ${(await shallow()) ? 'shallow ' : ''}clone (tried ${tried}): ` +
        (await missingRefAdvice(cwd, baseRef, await shallow())),
    );
  }
  const mergeBase = await git(cwd, ['merge-base', baseSha, 'HEAD']);
  if (mergeBase.code !== 0 || !mergeBase.stdout.trim()) {
    throw new GateError(
      (await shallow())
        ? `no merge base of '${baseRef}' and HEAD in this shallow clone: check out with 'fetch-depth: 0' (or run 'git fetch --unshallow')`
        : `'${baseRef}' and HEAD share no history: pick a base ref that HEAD descends from`,
    );
  }
  return mergeBase.stdout.trim();
}

/** How long asking a remote whether it has a ref may take before the advice says "if it has it". */
const LS_REMOTE_TIMEOUT_MS = 10_000;

/**
 * Whether `remote` has a branch or tag `name`: true, false, or null when the remote cannot be asked (offline,
 * credentials needed, too slow). Never prompts.
 */
function remoteHasRef(cwd: string, remote: string, name: string): Promise<boolean | null> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['ls-remote', '--exit-code', '--heads', '--tags', remote, name],
      {
        cwd,
        timeout: LS_REMOTE_TIMEOUT_MS,
        env: {
          ...process.env,
          ...GIT_ENV,
          GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
        },
      },
      (error) => {
        if (!error) resolve(true);
        else resolve(error.code === 2 ? false : null);
      },
    );
  });
}

/**
 * What to do about a base ref that is not in the clone. Fetching is suggested only when a remote has the ref
 * or cannot be asked; otherwise the advice names the branches that do exist.
 */
async function missingRefAdvice(cwd: string, baseRef: string, shallow: boolean): Promise<string> {
  const remotes = (await git(cwd, ['remote'])).stdout.split('\n').filter(Boolean);
  const refs = await git(cwd, ['for-each-ref', '--format=%(refname:short)', 'refs/heads', 'refs/remotes']);
  const known = refs.stdout
    .split('\n')
    .filter((r) => r && !r.endsWith('/HEAD') && !remotes.includes(r))
    .slice(0, 6);
  const existing = known.length > 0 ? ` (branches here: ${known.join(', ')})` : '';
  if (remotes.length === 0) {
    return `this repository has no remote to fetch it from; name one of its branches, tags or commits${existing}`;
  }
  const remote = remotes.includes('origin') ? 'origin' : remotes[0]!;
  const escaped = remote.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const short = baseRef.replace(
    new RegExp(`^(refs/heads/|refs/tags/|refs/remotes/${escaped}/|${escaped}/)`),
    '',
  );
  const fetch = `fetch it with 'git fetch ${remote} ${short}'${shallow ? " or check out with 'fetch-depth: 0'" : ''}`;
  if (/^[0-9a-f]{7,64}$/i.test(short)) {
    return shallow
      ? `the commit may lie beyond this shallow clone's history: check out with 'fetch-depth: 0' (or run 'git fetch --unshallow')`
      : `if ${remote} has that commit, run 'git fetch ${remote}'`;
  }
  const has = await remoteHasRef(cwd, remote, short);
  if (has === true) return `${remote} has it: ${fetch}`;
  if (has === null) return `if ${remote} has it, ${fetch}`;
  return `${remote} has no branch or tag '${short}' either; name one that exists${existing}`;
}

/** Normalizes a directory for use as a git pathspec relative to `cwd`. */
function pathspec(dir: string): string {
  const clean = dir.replace(/\\/g, '/').replace(/\/+$/, '');
  return clean === '' || clean === '.' ? '.' : clean;
}

/**
 * Files under `dirs` that differ between `mergeBase` and the working tree (committed, staged, unstaged and
 * untracked changes), with renames detected (`-M`). An untracked file whose content equals a deleted file
 * counts as that file renamed. Paths are relative to `cwd`.
 */
export async function changedFiles(cwd: string, mergeBase: string, dirs: string[]): Promise<ChangedFile[]> {
  const specs = ['--', ...dirs.map(pathspec)];
  const [diff, untracked] = await Promise.all([
    gitOk(
      cwd,
      [
        'diff',
        '--no-ext-diff',
        '--no-textconv',
        '--raw',
        '--no-abbrev',
        '-z',
        '-M',
        '--relative',
        mergeBase,
        ...specs,
      ],
      'cannot compare the working tree with the base',
    ),
    gitOk(cwd, ['ls-files', '-z', '--others', '--exclude-standard', ...specs], 'cannot list untracked files'),
  ]);

  const changes: ChangedFile[] = [];
  const deletedBlobs = new Map<string, ChangedFile>();
  const fields = diff.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const header = fields[i]!;
    if (!header.startsWith(':')) continue;
    const [, , oldBlob, , status = ''] = header.slice(1).split(' ');
    const letter = status[0];
    if (letter === 'R' || letter === 'C') {
      const from = fields[++i]!;
      const to = fields[++i]!;
      changes.push(
        letter === 'R'
          ? { status: 'renamed', path: to, previousPath: from }
          : { status: 'added', path: to, previousPath: null },
      );
      continue;
    }
    const file = fields[++i]!;
    if (letter === 'A') changes.push({ status: 'added', path: file, previousPath: null });
    else if (letter === 'D') {
      const change: ChangedFile = { status: 'deleted', path: file, previousPath: null };
      changes.push(change);
      if (oldBlob) deletedBlobs.set(oldBlob, change);
    } else changes.push({ status: 'modified', path: file, previousPath: null });
  }

  const newFiles = untracked.split('\0').filter((f) => f.length > 0);
  if (newFiles.length === 0) return changes;
  const renamedFrom = new Map<string, ChangedFile>();
  // A symbolic link is compared by its link text, as git stores it: never hashed through (that would read
  // its target, which may lie outside the repository).
  const links = await Promise.all(
    newFiles.map((f) =>
      lstat(path.resolve(cwd, f)).then(
        (s) => s.isSymbolicLink(),
        () => true,
      ),
    ),
  );
  const hashable = newFiles.filter((f, i) => !f.includes('\n') && !links[i]);
  if (deletedBlobs.size > 0 && hashable.length > 0) {
    const hashes = (
      await gitOk(
        cwd,
        ['hash-object', '--stdin-paths'],
        'cannot hash untracked files',
        hashable.map((f) => path.resolve(cwd, f)).join('\n') + '\n',
      )
    ).split('\n');
    hashable.forEach((file, index) => {
      const deleted = deletedBlobs.get(hashes[index]?.trim() ?? '');
      if (deleted && deleted.status === 'deleted') {
        renamedFrom.set(file, deleted);
        deletedBlobs.delete(hashes[index]!.trim());
      }
    });
  }
  for (const file of newFiles) {
    const deleted = renamedFrom.get(file);
    if (deleted) {
      changes.splice(changes.indexOf(deleted), 1);
      changes.push({ status: 'renamed', path: file, previousPath: deleted.path });
    } else {
      changes.push({ status: 'added', path: file, previousPath: null });
    }
  }
  return changes;
}

/**
 * Paths (relative to `cwd`) of the files directly inside `dir` at commit `mergeBase` (with `nested`, also those
 * one folder down: a folder per migration); empty when `dir` did not exist.
 */
export async function listFilesAtBase(
  cwd: string,
  mergeBase: string,
  dir: string,
  nested = false,
): Promise<string[]> {
  const spec = pathspec(dir);
  const output = await gitOk(
    cwd,
    ['ls-tree', '-z', ...(nested ? ['-r'] : []), mergeBase, '--', spec === '.' ? './' : `${spec}/`],
    `cannot list '${dir}' on the base`,
  );
  const prefix = spec === '.' ? '' : `${spec}/`;
  const files: string[] = [];
  for (const entry of output.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab === -1) continue;
    const [, type] = entry.slice(0, tab).split(' ');
    const file = entry.slice(tab + 1);
    if (type !== 'blob') continue;
    if (nested && (file.slice(prefix.length).match(/\//g)?.length ?? 0) > 1) continue;
    files.push(file);
  }
  return files;
}

/** The commit SHA of HEAD in the repository at `cwd`, or null outside a repository or before the first commit. */
export async function headSha(cwd: string): Promise<string | null> {
  try {
    const result = await git(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    return result.code === 0 && result.stdout.trim() ? result.stdout.trim() : null;
  } catch {
    return null;
  }
}
