import * as core from '@actions/core';
import { redact } from '../redact.js';
import { stripUnsafe } from '../report/escape.js';

/**
 * Everything the Action prints goes through `out`: the runner reads the step's stdout line by line and
 * executes workflow commands in it (`::error::…`, `::stop-commands::…`, and the legacy `##[command]` form
 * anywhere in a line). Migration names, SQL, error text and schema diffs come from the pull request, so
 * each printed text is first redacted (see `redact`) and then made inert: no line of it can start a
 * command.
 */

const ZWSP = '\u200B';

/** Line breaks the runner (or a log viewer) may split on. */
// eslint-disable-next-line no-control-regex -- vertical tab and form feed break lines in some viewers
const LINE_BREAKS = /\r\n|[\n\r\u000B\u000C\u0085\u2028\u2029]/;

/** `::` after nothing but blanks (the runner trims leading whitespace before it looks for a command). */
const COMMAND_START = /^([\s\p{Z}\p{Cf}]*):(?=:)/u;

function inertLine(line: string): string {
  return line.replace(/##\[/g, `#${ZWSP}#[`).replace(COMMAND_START, `$1:${ZWSP}`);
}

/**
 * The text as the runner may print it: secrets redacted, control characters removed, and no line that
 * starts a workflow command (`::` at its start becomes `:\u200B:`, `##[` anywhere becomes `#\u200B#[`).
 * By default the result is one line, line breaks shown as `\n`; with `multiline` they stay (for command
 * data, which `@actions/core` percent-encodes, so they cannot begin a new line of output either).
 */
export function inert(text: string, options: { multiline?: boolean } = {}): string {
  // Lines are split first: `stripUnsafe` (the reports' own) then removes controls and bidirectional overrides.
  const lines = redact(String(text)).split(LINE_BREAKS).map(stripUnsafe);
  return lines.map(inertLine).join(options.multiline ? '\n' : '\\n');
}

/**
 * Annotation properties: the title made inert (one line); the file redacted but kept exact, so that the
 * annotation lands on it (`@actions/core` percent-encodes `:`, `,` and line breaks in properties).
 */
function properties(props: core.AnnotationProperties | undefined): core.AnnotationProperties | undefined {
  if (!props) return undefined;
  return {
    ...props,
    ...(props.title !== undefined ? { title: inert(props.title) } : {}),
    ...(props.file !== undefined ? { file: redact(props.file) } : {}),
  };
}

/** `@actions/core`'s log functions, every text through `inert`. */
export const out = {
  info(text: string): void {
    core.info(inert(text));
  },
  debug(text: string): void {
    core.debug(inert(text, { multiline: true }));
  },
  notice(text: string, props?: core.AnnotationProperties): void {
    core.notice(inert(text, { multiline: true }), properties(props));
  },
  warning(text: string, props?: core.AnnotationProperties): void {
    core.warning(inert(text, { multiline: true }), properties(props));
  },
  error(text: string, props?: core.AnnotationProperties): void {
    core.error(inert(text, { multiline: true }), properties(props));
  },
  /** Marks the step failed with one line. */
  setFailed(text: string): void {
    core.setFailed(inert(text));
  },
};

/** Octokit's logger, through `out`. */
export const clientLog = {
  debug: (m: string) => out.debug(m),
  info: (m: string) => out.info(m),
  warn: (m: string) => out.warning(m),
  error: (m: string) => out.error(m),
};
