/** One SQL statement of a migration part. */
export interface SqlStatement {
  /**
   * The statement from its first character that is not a comment, without its terminating `;` (a
   * `StatementBegin`/`StatementEnd` block is kept verbatim, inner and final `;` included).
   */
  text: string;
  /** 1-based file line of the statement's first character. */
  line: number;
}

// `-- +goose StatementBegin` / `-- +migrate StatementEnd`: everything between is one statement.
const BLOCK_ANNOTATION = /^[ \t]*--[ \t]*\+(?:goose|migrate)[ \t]+statement(begin|end)\b/i;
const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/**
 * Splits SQL into statements the way psql does: `;` ends a statement unless it is inside quotes
 * (`'…'`, `E'…'`, `"…"`, `$tag$…$tag$`), a comment (`--`, nested `/* *\/`), parentheses, or the
 * `BEGIN … END` body of `CREATE FUNCTION|PROCEDURE … BEGIN ATOMIC`. Lines between goose/sql-migrate
 * `StatementBegin` and `StatementEnd` annotations form one statement. Empty statements are dropped.
 * `startLine` is the file line of the first line of `sql`.
 */
export function splitStatements(sql: string, startLine = 1): SqlStatement[] {
  const lineStarts = [0];
  for (let i = sql.indexOf('\n'); i !== -1; i = sql.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return startLine + lo;
  };

  const statements: SqlStatement[] = [];
  let start = -1;
  let lastCodeEnd = -1;
  let parenDepth = 0;
  let beginDepth = 0;
  let identifierCount = 0;
  let identifiers = '';
  let inBlock = false;

  const finish = (end: number): void => {
    if (start !== -1) {
      const text = sql.slice(start, Math.max(end, start)).trimEnd();
      if (text.length > 0) statements.push({ text, line: lineOf(start) });
    }
    start = -1;
    lastCodeEnd = -1;
    parenDepth = 0;
    beginDepth = 0;
    identifierCount = 0;
    identifiers = '';
  };
  const mark = (at: number): void => {
    if (start === -1) start = at;
  };

  let i = 0;
  const n = sql.length;
  while (i < n) {
    if (i === 0 || sql[i - 1] === '\n') {
      const eol = sql.indexOf('\n', i);
      const lineEnd = eol === -1 ? n : eol;
      const annotation = BLOCK_ANNOTATION.exec(sql.slice(i, lineEnd));
      if (annotation) {
        if (annotation[1]!.toLowerCase() === 'begin') {
          finish(lastCodeEnd);
          inBlock = true;
        } else if (inBlock) {
          finish(lastCodeEnd);
          inBlock = false;
        }
        i = eol === -1 ? n : eol + 1;
        continue;
      }
    }

    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol;
    } else if (c === '/' && next === '*') {
      const end = skipBlockComment(sql, i);
      if (end === -1) {
        // Unterminated: keep it, so PostgreSQL reports the error instead of the text vanishing.
        mark(i);
        i = lastCodeEnd = n;
      } else {
        i = end;
      }
    } else if (c === "'") {
      mark(i);
      i = skipQuoted(sql, i, "'", false);
      lastCodeEnd = i;
    } else if (c === '"') {
      mark(i);
      i = skipQuoted(sql, i, '"', false);
      lastCodeEnd = i;
    } else if (c === '$') {
      mark(i);
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(sql);
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? n : close + tag[0].length;
      } else {
        i++;
      }
      lastCodeEnd = i;
    } else if (IDENT_START.test(c)) {
      mark(i);
      let j = i + 1;
      while (j < n && IDENT_PART.test(sql[j]!)) j++;
      const word = sql.slice(i, j);
      if ((word === 'e' || word === 'E') && sql[j] === "'") {
        j = skipQuoted(sql, j, "'", true);
      } else {
        ({ identifierCount, identifiers, beginDepth } = trackBeginAtomic(
          word.toLowerCase(),
          identifierCount,
          identifiers,
          beginDepth,
          parenDepth,
        ));
      }
      i = j;
      lastCodeEnd = i;
    } else if (c === ';' && !inBlock && parenDepth === 0 && beginDepth === 0) {
      finish(lastCodeEnd);
      i++;
    } else {
      if (c !== ';') mark(i);
      if (c === '(') parenDepth++;
      else if (c === ')' && parenDepth > 0) parenDepth--;
      i++;
      if (c !== ';' || start !== -1) lastCodeEnd = i;
    }
  }
  finish(lastCodeEnd);
  return statements;
}

/** True when `sql` holds no statement: only comments, whitespace and empty `;`. */
export function isEffectivelyEmpty(sql: string): boolean {
  return splitStatements(sql, 1).length === 0;
}

/** Index after the (nested) block comment opening at `from`, or -1 when it never closes. */
function skipBlockComment(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return -1;
}

/** Skips a quoted string or identifier opening at `from`; a doubled quote is an escaped quote. */
function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

/**
 * psql's heuristic for SQL-standard function bodies: once a statement starts with
 * `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, `BEGIN` (and `CASE` inside it) opens a block that `END` closes.
 */
function trackBeginAtomic(
  word: string,
  identifierCount: number,
  identifiers: string,
  beginDepth: number,
  parenDepth: number,
): { identifierCount: number; identifiers: string; beginDepth: number } {
  if (identifierCount < 4) {
    const tracked = ['create', 'function', 'procedure', 'or', 'replace'].includes(word) ? word[0]! : ' ';
    identifiers += tracked;
  }
  identifierCount++;
  const isRoutine = /^c(?:[fp]|or[fp])/.test(identifiers);
  if (isRoutine && parenDepth === 0) {
    if (word === 'begin') beginDepth++;
    else if (word === 'case' && beginDepth >= 1) beginDepth++;
    else if (word === 'end' && beginDepth > 0) beginDepth--;
  }
  return { identifierCount, identifiers, beginDepth };
}
