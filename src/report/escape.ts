/**
 * Escaping for text the gate did not write itself: file names, SQL, error messages, PR text.
 * Whatever goes through these functions renders as the literal text on GitHub: no markdown, no HTML,
 * no @mention or #issue reference that notifies or links, no bare autolink.
 */

const ZWJ = '\u200D';

// C0/C1 controls (tab and newline are handled separately) and bidirectional overrides, which can make a
// file name display as something else.
const UNSAFE_CHARS =
  // eslint-disable-next-line no-control-regex -- matching control characters is the purpose
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

const MARKDOWN_PUNCTUATION = new Set([
  '\\',
  '`',
  '*',
  '_',
  '[',
  ']',
  '(',
  ')',
  '#',
  '|',
  '!',
  '~',
  '$',
  '{',
  '}',
]);

/** Removes control and bidirectional-override characters; tabs become spaces. */
export function stripUnsafe(text: string): string {
  return text.replace(/\t/g, ' ').replace(UNSAFE_CHARS, '');
}

/**
 * Breaks the patterns GitHub turns into notifications or links after rendering: `@user`, `@org/team`,
 * `#123`, `GH-123`, `http://…`, `www.…`. A zero-width joiner is invisible but stops the match.
 */
function neutralizeReferences(text: string): string {
  return text
    .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWJ}`)
    .replace(/#(?=\d)/g, `#${ZWJ}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1${ZWJ}-`)
    .replace(/:\/\//g, `:${ZWJ}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWJ}.`);
}

/**
 * Breaks HTML comment delimiters (`<!--`, `-->`) with a zero-width joiner: in a code span or block they
 * render as typed, but the comment's source could otherwise hold a line that looks like another job's
 * hidden marker.
 */
export function breakHtmlComments(text: string): string {
  return text.replace(/<!/g, `<${ZWJ}!`).replace(/--(?=>)/g, `--${ZWJ}`);
}

function collapseNewlines(text: string, separator: string): string {
  return text.replace(/\r\n?|\n/g, '\n').replace(/\n/g, separator);
}

/**
 * Escapes text for an inline markdown context (a paragraph, a list item or a table cell): markdown
 * punctuation is backslash-escaped, `<`, `>`, `&` become entities, references are neutralized and
 * newlines become `<br>` (or `newline` when given).
 */
export function escapeMarkdown(text: string, newline = '<br>'): string {
  let out = '';
  for (const char of neutralizeReferences(stripUnsafe(text))) {
    if (char === '&') out += '&amp;';
    else if (char === '<') out += '&lt;';
    else if (char === '>') out += '&gt;';
    else if (MARKDOWN_PUNCTUATION.has(char)) out += `\\${char}`;
    else out += char;
  }
  return collapseNewlines(out, newline);
}

/** Escapes text for raw HTML (e.g. a `<summary>`), where markdown is not parsed but mentions still are. */
export function escapeHtml(text: string): string {
  const escaped = neutralizeReferences(stripUnsafe(text))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
  return collapseNewlines(escaped, ' ');
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/**
 * Renders text as inline code. Outside tables: a backtick code span whose fence is longer than any
 * backtick run in the text. In a table cell (`table: true`): `<code>` around escaped text, because a pipe
 * inside a backtick span would still split the cell.
 */
export function codeSpan(text: string, options: { table?: boolean } = {}): string {
  const clean = breakHtmlComments(collapseNewlines(stripUnsafe(text), ' '));
  if (clean.trim() === '') return escapeMarkdown(clean);
  if (options.table) return `<code>${escapeMarkdown(clean)}</code>`;
  const fence = '`'.repeat(longestBacktickRun(clean) + 1);
  const pad = /^[` ]|[` ]$/.test(clean) ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/**
 * Renders text as a fenced code block (its own lines, ending with a newline). The fence is longer than
 * any backtick run in the text, so the text cannot close it.
 */
export function codeBlock(text: string, info = ''): string {
  const clean = breakHtmlComments(stripUnsafe(text).replace(/\r\n?/g, '\n').replace(/\n+$/, ''));
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(clean) + 1));
  const lang = info.replace(/[^A-Za-z0-9_+-]/g, '');
  return `${fence}${lang}\n${clean}\n${fence}\n`;
}

/**
 * Percent-encodes a relative path for a URL, segment by segment (`/` kept), so that parentheses,
 * spaces and `#` in file names cannot end or redirect a markdown link.
 */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[()'*!]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}
