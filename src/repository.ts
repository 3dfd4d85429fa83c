import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * Files stay inside the repository: a migration, a migration directory, the baseline schema, a file of the
 * policy scan or the configuration file whose real path (every symbolic link resolved) leaves the repository
 * is never read. The repository is the git work tree holding the working directory, or the working directory
 * itself when there is none.
 */

/** The top level of the git work tree holding `cwd`, or null outside one (or without git). */
export function workTreeTopLevel(cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['rev-parse', '--show-toplevel'],
      { cwd, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } },
      (error, stdout) => {
        const top = error ? '' : String(stdout).trim();
        resolve(top || null);
      },
    );
  });
}

/** The real path of the repository that holds `cwd`: its git work tree's top level, else `cwd` itself. */
export async function repositoryRoot(cwd: string): Promise<string> {
  const dir = path.resolve(cwd);
  const top = (await workTreeTopLevel(dir)) ?? dir;
  return realpath(top).catch(() => path.resolve(top));
}

/** Whether `target` is `root` or lies below it (both absolute, already real paths). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Where a path really leads. */
export type Containment =
  /** Inside the repository: `real` is the path to open (no symbolic link left in it). */
  | { inside: true; real: string }
  /** Outside: `message` (a predicate: "is a symbolic link to …") says where it leads; it must not be read. */
  | { inside: false; real: string; message: string }
  /** It cannot be resolved (missing, a broken or looping link, no permission): `error` says why. */
  | { inside: null; error: unknown };

/**
 * Resolves `absPath` (symbolic links included) and tells whether it stays inside `root`, the real path of the
 * repository (`repositoryRoot`). Reads nothing but directory entries and link texts.
 */
export async function containment(root: string, absPath: string): Promise<Containment> {
  let real: string;
  try {
    real = await realpath(absPath);
  } catch (error) {
    return { inside: null, error };
  }
  if (isInside(root, real)) return { inside: true, real };
  const linked = real !== path.resolve(absPath);
  return {
    inside: false,
    real,
    message: linked
      ? `is a symbolic link to '${real}', outside the repository: not read (files stay inside the repository)`
      : `lies outside the repository ('${real}'): not read (files stay inside the repository)`,
  };
}

/** `dir` relative to `cwd`, with `/` separators; `.` for `cwd` itself. */
export function relativeDir(cwd: string, dir: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, dir)).split(path.sep).join('/');
  return rel === '' ? '.' : rel;
}
