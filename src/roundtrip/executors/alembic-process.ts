/**
 * Running the project's own `alembic` command: its command line (`alembic-command`), the child process with a
 * time limit and bounded output, and the file and line of a failure read from Python's traceback.
 */
import { spawn } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { GateConfig } from '../../config/types.js';
import { GateError } from '../../types.js';

/** How long a stopped Alembic process gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2_000;
/** Output kept from one Alembic run (its end holds the error). */
export const OUTPUT_LIMIT = 256 * 1024;
export const MESSAGE_LIMIT = 500;

/**
 * Splits a command line into words like a POSIX shell does for quoting (`'…'`, `"…"`, `\`), without
 * expanding anything: `poetry run alembic -c "db/alembic.ini"` → `['poetry', 'run', 'alembic', '-c', 'db/alembic.ini']`.
 */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < command.length && '"\\$`'.includes(command[i + 1]!))
        word += command[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new GateError(`alembic-command has an unterminated ${quote} quote: ${command}`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new GateError('alembic-command is empty');
  return words;
}

/** The Alembic command line words (`config.alembicCommand`, default `alembic`). */
export function commandWords(config: GateConfig): string[] {
  return splitCommand(config.alembicCommand.trim() || 'alembic');
}

/** A traceback frame: `  File "/abs/versions/x.py", line 22, in upgrade`. */
export const FRAME = /^\s*File "(.+)", line (\d+), in /;

export interface Failure {
  message: string;
  /**
   * File and line of the frame to blame, when one points into a revision file: `revisionFile` itself, or
   * the other revision's file under `versionsDir`.
   */
  file: string | null;
  line: number | null;
}

/**
 * What went wrong in an Alembic run, read from its output: the exception line of the last traceback
 * (`sqlalchemy.exc.ProgrammingError: (psycopg2.errors.SyntaxError) …`) or Alembic's own `FAILED: …` line,
 * and the deepest traceback frame in `revisionFile` (else in another file of `versionsDir`).
 * Frame paths are resolved against `cwd`.
 */
export async function readAlembicFailure(
  output: string,
  cwd: string,
  revisionFile: string,
  versionsDir: string,
): Promise<Failure> {
  const lines = output.split(/\r?\n/);
  const start = lines.findLastIndex((l) => /^Traceback \(most recent call last\):/.test(l));
  let message: string | null = null;
  let file: string | null = null;
  let line: number | null = null;
  if (start >= 0) {
    const frames: { file: string; line: number }[] = [];
    let k = start + 1;
    for (; k < lines.length; k++) {
      const text = lines[k]!;
      const frame = FRAME.exec(text);
      if (frame) frames.push({ file: path.resolve(cwd, frame[1]!), line: Number(frame[2]) });
      else if (text.trim() !== '' && !/^\s/.test(text)) break;
    }
    message = lines[k]?.trim() || null;
    const real = async (p: string) => realpath(p).catch(() => path.resolve(p));
    const [revisionReal, dirReal] = await Promise.all([real(revisionFile), real(versionsDir)]);
    const resolved = await Promise.all(frames.map(async (f) => ({ ...f, real: await real(f.file) })));
    const own = resolved.findLast((f) => f.real === revisionReal);
    const sibling = resolved.findLast((f) => path.dirname(f.real) === dirReal && f.real.endsWith('.py'));
    if (own) {
      file = revisionFile;
      line = own.line;
    } else if (sibling) {
      file = path.join(versionsDir, path.basename(sibling.real));
      line = sibling.line;
    }
  }
  if (!message) {
    const failed = lines.findLast((l) => /^\s*FAILED:/.test(l));
    message = failed?.trim() ?? null;
  }
  if (!message) {
    message =
      lines
        .map((l) => l.trim())
        .filter((l) => l !== '' && !/^(INFO|DEBUG)\s+\[/.test(l))
        .pop() ?? null;
  }
  return { message: message ?? 'Alembic failed without saying why', file, line };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs one Alembic command without a shell; stops it (SIGTERM, then SIGKILL) when `signal` aborts. */
export function runAlembic(
  words: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(words[0]!, words.slice(1), {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a wrapper (`poetry run alembic`) is stopped with everything it started.
      detached: process.platform !== 'win32',
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let killTimer: NodeJS.Timeout | undefined;
    const kill = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        // Already gone.
      }
    };
    const onAbort = () => {
      kill('SIGTERM');
      killTimer = setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      reject(error);
    });
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      resolve({ code, signal: sig, output });
    });
  });
}

export function notFound(words: string[], cwd: string, error: unknown): GateError {
  const code = (error as { code?: string }).code;
  const reason =
    code === 'ENOENT'
      ? 'not found'
      : code === 'EACCES'
        ? 'not executable'
        : (error as Error).message || String(error);
  return new GateError(
    `cannot run the Alembic command '${words.join(' ')}' in ${cwd}: ${reason}; install Alembic or set alembic-command ` +
      `(e.g. 'poetry run alembic' or 'python -m alembic')`,
    { cause: error },
  );
}
