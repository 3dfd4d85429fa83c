import { open } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { ALWAYS_EXCLUDED } from '../config/defaults.js';
import type { ForbiddenPattern, GateConfig } from '../config/types.js';
import { containment, repositoryRoot } from '../repository.js';
import type { Finding } from '../types.js';

/** Files larger than this are not scanned (generated bundles, data dumps). */
export const MAX_SCANNED_BYTES = 2 * 1024 * 1024;
/** A NUL byte in the first bytes marks a binary file. */
const BINARY_PROBE_BYTES = 8 * 1024;
const SNIPPET_LIMIT = 200;
const READ_CONCURRENCY = 16;

/** How comments are written in a file, by its extension. */
export type CommentStyle = 'hash' | 'slash' | 'unknown';

const HASH = new Set('py pyi pyx rb sh bash zsh yml yaml toml cfg ini r pl ex exs'.split(' '));
const SLASH = new Set(
  'js cjs mjs jsx ts cts mts tsx java kt kts scala go rs c h cc cpp hpp cs swift dart php groovy'.split(' '),
);

function commentStyle(file: string): CommentStyle {
  const ext = path.extname(file).slice(1).toLowerCase();
  return HASH.has(ext) ? 'hash' : SLASH.has(ext) ? 'slash' : 'unknown';
}

/**
 * The code of each line with comments blanked out: `#` comments (and docstrings: triple-quoted strings that
 * open the module or follow a `…:` header line) for hash-comment languages, `//` and `/* *\/` for slash-comment languages, and
 * for other files only lines that begin with `#` or `//`. String literals are kept and never start a comment.
 */
export function codeLines(text: string, style: CommentStyle): string[] {
  const lines = text.split(/\r?\n/);
  if (style === 'unknown') return lines.map((l) => (/^\s*(?:#|\/\/)/.test(l) ? '' : l));
  const out: string[] = [];
  // A construct left open at the end of a line: a block comment, a docstring, or a multi-line string.
  let open: { kind: 'block' | 'docstring' | 'string'; close: string } | null = null;
  // The last line that held code: a docstring opens the module or follows a `def …:` / `class …:` header.
  let previous = '';
  for (const line of lines) {
    let code = '';
    let i = 0;
    while (i < line.length) {
      if (open) {
        const end = findClose(line, i, open.close);
        const stop = end === -1 ? line.length : end + open.close.length;
        if (open.kind === 'string') code += line.slice(i, stop);
        i = stop;
        if (end !== -1) open = null;
        continue;
      }
      const c = line[i]!;
      if (style === 'hash' && c === '#') break;
      if (style === 'slash' && c === '/' && line[i + 1] === '/') break;
      if (style === 'slash' && c === '/' && line[i + 1] === '*') {
        open = { kind: 'block', close: '*/' };
        i += 2;
        continue;
      }
      if (style === 'hash' && (line.startsWith('"""', i) || line.startsWith("'''", i))) {
        const quote = line.slice(i, i + 3);
        const docstring =
          /^\s*[rRuU]?$/.test(line.slice(0, i)) && (previous === '' || previous.endsWith(':'));
        open = { kind: docstring ? 'docstring' : 'string', close: quote };
        if (!docstring) code += quote;
        i += 3;
        continue;
      }
      if (c === '"' || c === "'" || (style === 'slash' && c === '`')) {
        const end = findClose(line, i + 1, c);
        if (end === -1) {
          code += line.slice(i);
          if (c === '`') open = { kind: 'string', close: '`' };
          i = line.length;
        } else {
          code += line.slice(i, end + 1);
          i = end + 1;
        }
        continue;
      }
      code += c;
      i++;
    }
    out.push(code);
    if (code.trim() !== '') previous = code.trim();
  }
  return out;
}

/** Index of `close` at or after `from`, skipping backslash escapes; -1 when the line holds none. */
function findClose(line: string, from: number, close: string): number {
  for (let i = from; i < line.length; i++) {
    if (line[i] === '\\' && close !== '*/') {
      i++;
      continue;
    }
    if (line.startsWith(close, i)) return i;
  }
  return -1;
}

/** The file's text, or null when it is binary, too large or unreadable. */
async function readText(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    if (size > MAX_SCANNED_BYTES) return null;
    const buffer = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(buffer, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (buffer.subarray(0, Math.min(read, BINARY_PROBE_BYTES)).includes(0)) return null;
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}

function lineMatcher(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}

/**
 * The `forbidden-pattern` policy scan: every file under the working directory that a pattern's `include`
 * globs select and its `exclude` globs do not (nor `ALWAYS_EXCLUDED`: node_modules, virtual environments, build
 * output, whatever the pattern says) is read line by line; each line whose code (comments left out)
 * matches the pattern is an error finding with its file, line and the pattern's reason. Binary files,
 * files over 2 MiB and files whose real path leaves the repository are skipped. Findings come sorted by path and line.
 */
export async function scanForbidden(config: GateConfig): Promise<Finding[]> {
  const patterns = config.forbiddenPatterns;
  if (patterns.length === 0) return [];
  const filesByPattern = await Promise.all(
    patterns.map((p) =>
      glob(p.include, {
        cwd: config.cwd,
        ignore: [...ALWAYS_EXCLUDED, ...p.exclude],
        onlyFiles: true,
        followSymbolicLinks: false,
        expandDirectories: false,
      }),
    ),
  );
  const patternsByFile = new Map<string, ForbiddenPattern[]>();
  patterns.forEach((p, index) => {
    for (const file of filesByPattern[index]!)
      patternsByFile.set(file, [...(patternsByFile.get(file) ?? []), p]);
  });

  const root = await repositoryRoot(config.cwd);
  const files = [...patternsByFile.keys()].sort();
  const findings: Finding[][] = [];
  for (let start = 0; start < files.length; start += READ_CONCURRENCY) {
    const batch = files.slice(start, start + READ_CONCURRENCY);
    findings.push(
      ...(await Promise.all(
        batch.map((file) => scanFile(config.cwd, root, file, patternsByFile.get(file)!)),
      )),
    );
  }
  return findings.flat();
}

async function scanFile(
  cwd: string,
  root: string,
  file: string,
  patterns: ForbiddenPattern[],
): Promise<Finding[]> {
  // Only files inside the repository are policy; one whose real path leaves it is not read.
  const where = await containment(root, path.join(cwd, file));
  if (where.inside !== true) return [];
  const read = await readText(where.real);
  if (read === null) return [];
  const text = read.includes('\r') ? read.replace(/\r\n?/g, '\n') : read;
  const matchers = patterns.map((p) => ({ p, re: lineMatcher(p.pattern) }));
  // Most files match nothing: one multi-line test of the whole text spares them the line-by-line pass.
  const anywhere = (re: RegExp) => new RegExp(re.source, re.flags.includes('m') ? re.flags : `${re.flags}m`);
  if (!matchers.some(({ re }) => anywhere(re).test(text))) return [];
  const relPath = file.split(path.sep).join('/');
  const raw = text.split('\n');
  const findings: Finding[] = [];
  codeLines(text, commentStyle(file)).forEach((code, index) => {
    for (const { p, re } of matchers) {
      if (!re.test(code)) continue;
      const snippet = raw[index]!.trim();
      findings.push({
        rule: 'forbidden-pattern',
        severity: 'error',
        migration: null,
        path: relPath,
        line: index + 1,
        message: `${p.reason} (${p.id})`,
        details: [snippet.length > SNIPPET_LIMIT ? `${snippet.slice(0, SNIPPET_LIMIT - 1)}…` : snippet],
      });
    }
  });
  return findings;
}
