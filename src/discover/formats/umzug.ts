import type { GateConfig } from '../../config/types.js';
import type { Migration, MigrationPart } from '../../types.js';
import { applyAnnotations, newMigration, type SourceFile } from './sql.js';

/** File extensions of umzug migration modules. */
export const MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'] as const;

/** The module extension of a file name (`.ts`, …), or null for other files and declaration files. */
export function moduleExtensionOf(fileName: string): string | null {
  if (/\.d\.[mc]?ts$/i.test(fileName)) return null;
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return null;
  const ext = fileName.slice(dot).toLowerCase();
  return (MODULE_EXTENSIONS as readonly string[]).includes(ext) ? ext : null;
}

/** An exported `up` or `down` found in a module's source. */
export interface ExportedFunction {
  /** Source text of the function (or of the exported expression when it is not a literal function). */
  text: string;
  /** 1-based line where `text` starts. */
  line: number;
  /** True when the function body does nothing: empty, only comments, or throws first. */
  empty: boolean;
}

/** The `up` and `down` exports a module declares, read statically (the module is never executed). */
export interface ModuleExports {
  up: ExportedFunction | null;
  down: ExportedFunction | null;
}

type TokenType = 'ident' | 'string' | 'template' | 'number' | 'regex' | 'punct';

interface Token {
  type: TokenType;
  value: string;
  start: number;
  end: number;
  line: number;
}

const PUNCTUATORS = [
  '>>>=',
  '...',
  '===',
  '!==',
  '**=',
  '<<=',
  '>>=',
  '>>>',
  '&&=',
  '||=',
  '??=',
  '=>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '?.',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '**',
  '<<',
  '>>',
];
const REGEX_AFTER_KEYWORD = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);
const IDENT_START = /[A-Za-z_$\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Tokenizes JavaScript/TypeScript well enough to find top-level exports: comments are dropped. */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const n = source.length;
  const advanceTo = (to: number) => {
    for (let k = i; k < to; k++) if (source.charCodeAt(k) === 10) line++;
    i = to;
  };
  const push = (type: TokenType, to: number) => {
    const startLine = line;
    const start = i;
    advanceTo(to);
    tokens.push({ type, value: source.slice(start, to), start, end: to, line: startLine });
  };
  if (source.startsWith('#!')) {
    const eol = source.indexOf('\n');
    advanceTo(eol === -1 ? n : eol);
  }
  while (i < n) {
    const c = source[i]!;
    const next = source[i + 1];
    if (/\s/.test(c)) {
      advanceTo(i + 1);
    } else if (c === '/' && next === '/') {
      const eol = source.indexOf('\n', i);
      advanceTo(eol === -1 ? n : eol);
    } else if (c === '/' && next === '*') {
      const close = source.indexOf('*/', i + 2);
      advanceTo(close === -1 ? n : close + 2);
    } else if (c === '"' || c === "'") {
      push('string', skipString(source, i));
    } else if (c === '`') {
      push('template', skipTemplate(source, i));
    } else if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(source[j]!)) j++;
      push('number', j);
    } else if (IDENT_START.test(c) || c === '#' || c === '@') {
      let j = i + 1;
      while (j < n && IDENT_PART.test(source[j]!)) j++;
      push('ident', j);
    } else if (c === '/' && regexAllowed(tokens[tokens.length - 1])) {
      push('regex', skipRegex(source, i));
    } else {
      const punct = PUNCTUATORS.find((p) => source.startsWith(p, i)) ?? c;
      push('punct', i + punct.length);
    }
  }
  return tokens;
}

function regexAllowed(previous: Token | undefined): boolean {
  if (!previous) return true;
  if (previous.type === 'ident') return REGEX_AFTER_KEYWORD.has(previous.value);
  if (previous.type === 'punct') return ![')', ']', '}'].includes(previous.value);
  return false;
}

function skipString(source: string, from: number): number {
  const quote = source[from];
  let i = from + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') i += 2;
    else if (c === quote || c === '\n') return i + 1;
    else i++;
  }
  return source.length;
}

function skipTemplate(source: string, from: number): number {
  let i = from + 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') {
      i += 2;
    } else if (c === '`') {
      return i + 1;
    } else if (c === '$' && source[i + 1] === '{') {
      i = skipCodeUntilBrace(source, i + 2);
    } else {
      i++;
    }
  }
  return source.length;
}

/** Skips the code of a `${…}` substitution, returning the index after its closing brace. */
function skipCodeUntilBrace(source: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < source.length) {
    const c = source[i];
    if (c === '"' || c === "'") i = skipString(source, i);
    else if (c === '`') i = skipTemplate(source, i);
    else if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      i = close === -1 ? source.length : close + 2;
    } else if (c === '/' && source[i + 1] === '/') {
      const eol = source.indexOf('\n', i);
      i = eol === -1 ? source.length : eol;
    } else if (c === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      if (depth === 0) return i + 1;
      depth--;
      i++;
    } else i++;
  }
  return source.length;
}

function skipRegex(source: string, from: number): number {
  let i = from + 1;
  let inClass = false;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') i += 2;
    else if (c === '\n') return i;
    else if (c === '[') {
      inClass = true;
      i++;
    } else if (c === ']') {
      inClass = false;
      i++;
    } else if (c === '/' && !inClass) {
      i++;
      while (i < source.length && /[A-Za-z]/.test(source[i]!)) i++;
      return i;
    } else i++;
  }
  return source.length;
}

/** A located value: a function or expression spanning tokens `[first, last]`. */
interface Value {
  first: number;
  last: number;
  /** Index range of the function body's tokens (inside its braces), or null for an expression body. */
  body: [number, number] | null;
  /** Set when the value is a bare identifier that refers to another declaration. */
  reference: string | null;
}

class ModuleScanner {
  readonly tokens: Token[];
  /** For each opening bracket token index, the index of its closing token. */
  private readonly match = new Map<number, number>();
  /** Bracket depth before each token. */
  readonly depth: number[] = [];

  constructor(source: string) {
    this.tokens = tokenize(source);
    const stack: number[] = [];
    this.tokens.forEach((token, index) => {
      if (token.type === 'punct' && (token.value === ')' || token.value === ']' || token.value === '}')) {
        const open = stack.pop();
        if (open !== undefined) this.match.set(open, index);
      }
      this.depth.push(stack.length);
      if (token.type === 'punct' && OPENERS[token.value]) stack.push(index);
    });
  }

  is(index: number, value: string): boolean {
    const token = this.tokens[index];
    return (
      token !== undefined && token.value === value && token.type !== 'string' && token.type !== 'template'
    );
  }

  closing(open: number): number {
    return this.match.get(open) ?? this.tokens.length - 1;
  }

  /** First index from `from` where `value` occurs at bracket depth `depth`, before `limit`. */
  find(from: number, value: string, depth: number, limit = this.tokens.length): number {
    for (let k = from; k < limit; k++) {
      if (this.depth[k]! < depth) return -1;
      if (this.depth[k] === depth && this.is(k, value)) return k;
    }
    return -1;
  }

  /** The `=` of a top-level declaration whose name is at `name`, or -1 when it has no initializer. */
  initializer(name: number): number {
    for (let k = name + 1; k < this.tokens.length; k++) {
      if (this.depth[k] !== this.depth[name]) continue;
      if (this.is(k, '=')) return k;
      if (this.is(k, ';')) return -1;
    }
    return -1;
  }

  /** Reads a value starting at token `k`; the value ends before a `,`/`;`/closer at the same depth or a new statement. */
  readValue(k: number): Value | null {
    const token = this.tokens[k];
    if (!token) return null;
    let p = k;
    if (this.is(p, 'async') && !this.is(p + 1, '=>') && !this.is(p + 1, '=')) p++;
    if (this.is(p, 'function')) {
      const paren = this.find(p, '(', this.depth[p]!);
      if (paren === -1) return null;
      return this.functionFrom(k, this.closing(paren) + 1);
    }
    if (this.is(p, '(') || this.is(p, '<')) {
      const open = this.is(p, '<') ? this.find(p, '(', this.depth[p]!) : p;
      if (open !== -1) {
        const afterParams = this.closing(open) + 1;
        const arrow = this.arrowAfter(afterParams);
        if (arrow !== -1) return this.arrowFrom(k, arrow);
      }
    }
    if (this.tokens[p]?.type === 'ident' && this.is(p + 1, '=>')) return this.arrowFrom(k, p + 1);
    const last = this.expressionEnd(k);
    const reference =
      last === k && token.type === 'ident' && !['undefined', 'null'].includes(token.value)
        ? token.value
        : null;
    return { first: k, last, body: null, reference };
  }

  /** The `=>` after an arrow function's parameter list (skipping a return type annotation), or -1. */
  private arrowAfter(from: number): number {
    if (this.is(from, '=>')) return from;
    if (!this.is(from, ':')) return -1;
    const depth = this.depth[from]!;
    for (let k = from + 1; k < this.tokens.length; k++) {
      if (this.depth[k]! < depth) return -1;
      if (this.depth[k] !== depth) continue;
      if (this.is(k, '=>')) {
        if (this.is(k + 1, '{') || this.depth[k + 1] === depth) return k;
      }
      if (this.is(k, ';') || this.is(k, ',')) return -1;
    }
    return -1;
  }

  private arrowFrom(first: number, arrow: number): Value {
    if (this.is(arrow + 1, '{')) {
      const close = this.closing(arrow + 1);
      return { first, last: close, body: [arrow + 2, close], reference: null };
    }
    return { first, last: this.expressionEnd(arrow + 1), body: null, reference: null };
  }

  /** A function whose parameter list ends before `afterParams`: skips a return type, then takes the body. */
  private functionFrom(first: number, afterParams: number): Value | null {
    const depth = this.depth[afterParams] ?? 0;
    let angle = 0;
    for (let k = afterParams; k < this.tokens.length; k++) {
      if (this.depth[k]! < depth) return null;
      if (this.depth[k] !== depth) continue;
      const value = this.tokens[k]!.value;
      if (this.is(k, '<')) angle++;
      else if (this.is(k, '>')) angle = Math.max(0, angle - 1);
      else if (this.is(k, '>>')) angle = Math.max(0, angle - 2);
      else if (this.is(k, '{')) {
        const previous = this.tokens[k - 1]?.value;
        const startsType = [':', '|', '&', '=>', ',', '<'].includes(previous ?? '');
        if (angle === 0 && !startsType) {
          const close = this.closing(k);
          return { first, last: close, body: [k + 1, close], reference: null };
        }
        k = this.closing(k);
      } else if (value === ';') return null;
    }
    return null;
  }

  /** Last token of an expression starting at `k`. */
  private expressionEnd(k: number): number {
    const depth = this.depth[k]!;
    let last = k;
    for (let p = k; p < this.tokens.length; p++) {
      if (this.depth[p]! < depth) break;
      const token = this.tokens[p]!;
      if (this.depth[p] === depth) {
        if (this.is(p, ';') || this.is(p, ',')) break;
        const onNewLine = p > k && token.line > this.tokens[last]!.line;
        const statementWord = [
          'export',
          'module',
          'exports',
          'const',
          'let',
          'var',
          'function',
          'import',
          'class',
        ];
        if (onNewLine && token.type === 'ident' && statementWord.includes(token.value)) break;
      }
      last = p;
      if (OPENERS[token.value] && token.type === 'punct') {
        last = this.closing(p);
        p = last;
      }
    }
    return last;
  }

  /** Top-level declarations `function name…` / `const name = …` by name. */
  declarations(): Map<string, Value> {
    const found = new Map<string, Value>();
    for (let k = 0; k < this.tokens.length; k++) {
      if (this.depth[k] !== 0) continue;
      let p = k;
      if (this.is(p, 'export')) p++;
      if (this.is(p, 'async') && this.is(p + 1, 'function')) {
        const name = this.tokens[p + 2];
        if (name?.type === 'ident') {
          const value = this.readValue(p);
          if (value && !found.has(name.value)) found.set(name.value, value);
        }
      } else if (this.is(p, 'function')) {
        const name = this.tokens[p + (this.is(p + 1, '*') ? 2 : 1)];
        if (name?.type === 'ident') {
          const value = this.readValue(p);
          if (value && !found.has(name.value)) found.set(name.value, value);
        }
      } else if (this.is(p, 'const') || this.is(p, 'let') || this.is(p, 'var')) {
        const name = this.tokens[p + 1];
        const eq = this.initializer(p + 1);
        if (name?.type === 'ident' && eq !== -1 && !found.has(name.value)) {
          const value = this.readValue(eq + 1);
          if (value) found.set(name.value, value);
        }
      }
    }
    return found;
  }

  /** Exported `up`/`down` values: ESM `export`, CommonJS `module.exports`/`exports.x`. */
  exports(): Map<string, { value: Value | null; at: number }> {
    const found = new Map<string, { value: Value | null; at: number }>();
    const add = (name: string, value: Value | null, at: number) => {
      if ((name === 'up' || name === 'down') && !found.has(name)) found.set(name, { value, at });
    };
    for (let k = 0; k < this.tokens.length; k++) {
      if (this.depth[k] !== 0) continue;
      if (this.is(k, 'export')) {
        let p = k + 1;
        if (this.is(p, 'declare')) continue;
        if (this.is(p, 'default') && this.is(p + 1, '{')) {
          this.objectMembers(p + 1, add);
        } else if (this.is(p, 'async') && this.is(p + 1, 'function')) {
          add(this.tokens[p + 2]?.value ?? '', this.readValue(p), k);
        } else if (this.is(p, 'function')) {
          add(this.tokens[p + (this.is(p + 1, '*') ? 2 : 1)]?.value ?? '', this.readValue(p), k);
        } else if (this.is(p, 'const') || this.is(p, 'let') || this.is(p, 'var')) {
          const eq = this.initializer(p + 1);
          add(this.tokens[p + 1]?.value ?? '', eq === -1 ? null : this.readValue(eq + 1), k);
        } else if (this.is(p, '{')) {
          const close = this.closing(p);
          const reexport = this.is(close + 1, 'from');
          for (p = p + 1; p < close; p++) {
            const local = this.tokens[p]!;
            if (local.type !== 'ident' || this.is(p, 'type')) continue;
            let exported = local.value;
            if (this.is(p + 1, 'as')) {
              exported = this.tokens[p + 2]?.value ?? '';
              p += 2;
            }
            add(exported, reexport ? null : this.referenceTo(local.value, p), k);
          }
        }
      } else if (this.is(k, 'module') && this.is(k + 1, '.') && this.is(k + 2, 'exports')) {
        if (this.is(k + 3, '=') && this.is(k + 4, '{')) this.objectMembers(k + 4, add);
        else if (this.is(k + 3, '.') && this.is(k + 5, '=')) {
          add(this.tokens[k + 4]?.value ?? '', this.readValue(k + 6), k);
        }
      } else if (
        this.is(k, 'exports') &&
        !this.is(k - 1, '.') &&
        this.is(k + 1, '.') &&
        this.is(k + 3, '=')
      ) {
        add(this.tokens[k + 2]?.value ?? '', this.readValue(k + 4), k);
      }
    }
    return found;
  }

  private referenceTo(name: string, at: number): Value {
    return { first: at, last: at, body: null, reference: name };
  }

  /** Members of an object literal opening at `open`: methods, `key: value` and shorthand properties. */
  private objectMembers(open: number, add: (name: string, value: Value | null, at: number) => void): void {
    const close = this.closing(open);
    const depth = this.depth[open]! + 1;
    let p = open + 1;
    while (p < close) {
      const memberStart = p;
      if (this.is(p, '...')) {
        const comma = this.find(p, ',', depth, close);
        p = comma === -1 ? close : comma + 1;
        continue;
      }
      if (this.is(p, 'async') && !this.is(p + 1, '(') && !this.is(p + 1, ':') && !this.is(p + 1, ',')) p++;
      const key = this.tokens[p];
      if (!key) break;
      const name = key.type === 'string' ? key.value.slice(1, -1) : key.value;
      let value: Value | null = null;
      if (this.is(p + 1, '(')) {
        value = this.functionFrom(memberStart, this.closing(p + 1) + 1);
      } else if (this.is(p + 1, ':')) {
        value = this.readValue(p + 2);
      } else if (this.is(p + 1, ',') || p + 1 === close) {
        value = this.referenceTo(key.value, p);
      }
      add(name, value, memberStart);
      const from = value ? value.last + 1 : p + 1;
      const comma = this.find(from, ',', depth, close);
      p = comma === -1 ? close : comma + 1;
    }
  }
}

/** True when a body does nothing: no tokens, a bare `return;`, or an unconditional `throw` first. */
function bodyIsEmpty(scanner: ModuleScanner, body: [number, number]): boolean {
  const [from, to] = body;
  if (from >= to) return true;
  if (scanner.is(from, 'throw')) return true;
  return scanner.is(from, 'return') && (from + 1 === to || (scanner.is(from + 1, ';') && from + 2 === to));
}

const EMPTY_EXPRESSIONS = new Set(['undefined', 'null', 'void 0', 'Promise.resolve()', '{}']);

/** Reads the exported `up` and `down` of a JavaScript/TypeScript migration module without executing it. */
export function findModuleExports(source: string): ModuleExports {
  const scanner = new ModuleScanner(source);
  const declarations = scanner.declarations();
  const exported = scanner.exports();
  const describe = (name: 'up' | 'down'): ExportedFunction | null => {
    const entry = exported.get(name);
    if (!entry) return null;
    let value = entry.value;
    for (let hops = 0; value?.reference && hops < 5; hops++) {
      const target = declarations.get(value.reference);
      if (!target || target === value) break;
      value = target;
    }
    if (!value) {
      const token = scanner.tokens[entry.at]!;
      return { text: token.value, line: token.line, empty: false };
    }
    const first = scanner.tokens[value.first]!;
    const last = scanner.tokens[value.last]!;
    const text = source.slice(first.start, last.end);
    let empty: boolean;
    if (value.body) empty = bodyIsEmpty(scanner, value.body);
    else if (value.reference) empty = false;
    else {
      const arrow = text.lastIndexOf('=>');
      const expression = (arrow === -1 ? text : text.slice(arrow + 2)).replace(/\s+/g, ' ').trim();
      empty = EMPTY_EXPRESSIONS.has(expression);
    }
    return { text, line: first.line, empty };
  };
  return { up: describe('up'), down: describe('down') };
}

/**
 * Parses an umzug migration module statically: `up`/`down` exports with their lines, `down: null` when there
 * is no down export, `down.empty` when the down does nothing; waiver and requirements from its comments.
 */
export function parseUmzugModule(file: SourceFile, config: GateConfig): Migration {
  const fileName = file.relPath.slice(file.relPath.lastIndexOf('/') + 1);
  const ext = moduleExtensionOf(fileName);
  const name = ext ? fileName.slice(0, -ext.length) : fileName;
  const migration = newMigration(
    { name, dir: file.dir, path: file.relPath, files: [file.relPath], format: 'umzug', dialect: null },
    config,
  );
  const found = findModuleExports(file.text);
  const part = (fn: ExportedFunction | null): MigrationPart | null =>
    fn ? { path: file.relPath, text: fn.text, startLine: fn.line, empty: fn.empty } : null;
  migration.up = part(found.up);
  migration.down = part(found.down);
  if (!found.up) {
    migration.parseProblems.push({
      path: file.relPath,
      line: null,
      message: `no exported 'up' function found (write 'export async function up({ context }) { … }')`,
    });
  }
  applyAnnotations(migration, [file], config);
  return migration;
}
