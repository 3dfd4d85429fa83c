import type { Waiver } from '../types.js';

/** Comment annotations read from a migration's text. */
export interface Annotations {
  waiver: Waiver | null;
  /** Requirement IDs in order of appearance, deduplicated. */
  requirements: string[];
  requirementsLine: number | null;
  /** Problems such as a second waiver line. */
  problems: { line: number; message: string }[];
}

// A comment leader (`--`, `#`, `//`, `/*`, `*` inside a block comment), then the tag.
const WAIVER_LINE = /^\s*(?:--+|#+|\/\/+|\/\*+|\*+)\s*downgrade-waiver\s*:(.*)$/i;
const REQUIREMENTS_LINE = /^\s*(?:--+|#+|\/\/+|\/\*+|\*+)\s*requirements\s*:(.*)$/i;

/**
 * Reads the `downgrade-waiver:` and `requirements:` comment lines of a migration (stable syntax).
 * `firstLine` is the file line of `text`'s first line.
 */
export function parseAnnotations(
  text: string,
  path: string,
  requirementPattern: RegExp,
  firstLine = 1,
): Annotations {
  const lines = text.split(/\r?\n/);
  let waiver: Waiver | null = null;
  const requirements: string[] = [];
  let requirementsLine: number | null = null;
  const problems: Annotations['problems'] = [];
  const idPattern = new RegExp(
    requirementPattern.source,
    requirementPattern.flags.replace(/[gy]/g, '') + 'g',
  );

  lines.forEach((raw, index) => {
    const line = firstLine + index;
    const waiverMatch = WAIVER_LINE.exec(raw);
    if (waiverMatch) {
      if (waiver) {
        problems.push({
          line,
          message: `a second downgrade-waiver line (the first is on line ${waiver.line})`,
        });
        return;
      }
      waiver = parseWaiverFields(stripBlockEnd(waiverMatch[1] ?? ''), path, line);
      return;
    }
    const reqMatch = REQUIREMENTS_LINE.exec(raw);
    if (reqMatch) {
      requirementsLine ??= line;
      for (const id of stripBlockEnd(reqMatch[1] ?? '').match(idPattern) ?? []) {
        if (!requirements.includes(id)) requirements.push(id);
      }
    }
  });
  return { waiver, requirements, requirementsLine, problems };
}

function stripBlockEnd(value: string): string {
  return value.replace(/\*\/\s*$/, '').replace(/["']{3}\s*$/, '');
}

/**
 * Parses `owner=@team; rationale=…; ticket=…` into a waiver. A `;`-separated part that does not start with
 * `key=` continues the previous value (`rationale=backfill rewrites 40M rows; cannot be undone`).
 */
function parseWaiverFields(body: string, path: string, line: number): Waiver {
  const fields: Record<string, string> = {};
  let lastKey: string | null = null;
  for (const part of body.split(';')) {
    const match = /^\s*([a-z][\w-]*)\s*=(.*)$/i.exec(part);
    if (match) {
      const key = match[1]!.toLowerCase();
      lastKey = key in fields ? null : key;
      if (lastKey) fields[lastKey] = match[2]!.trim();
    } else if (lastKey && part.trim()) {
      fields[lastKey] = `${fields[lastKey]}; ${part.trim()}`.replace(/^; /, '');
    }
  }
  const nonEmpty = (v: string | undefined) => (v && v.length > 0 ? v : null);
  return { owner: nonEmpty(fields.owner), rationale: nonEmpty(fields.rationale), fields, path, line };
}

/** Requirement IDs found in free text (the PR title and body), in order, deduplicated. */
export function requirementsInText(text: string | null, pattern: RegExp): string[] {
  if (!text) return [];
  const global = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '') + 'g');
  const ids: string[] = [];
  for (const match of text.matchAll(global)) {
    if (!ids.includes(match[0])) ids.push(match[0]);
  }
  return ids;
}
