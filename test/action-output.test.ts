import { afterEach, describe, expect, it } from 'vitest';
import { inert } from '../src/action/output.js';
import { addSecret, clearSecrets } from '../src/redact.js';

afterEach(() => clearSecrets());

/** What the runner would take as a workflow command: a line whose trimmed start is `::`, or `##[` anywhere. */
function commandLike(printed: string): string[] {
  return printed
    .split(/\r\n|[\n\r]/)
    .filter((line) => line.trimStart().startsWith('::') || line.includes('##['));
}

describe('inert', () => {
  const hostile =
    '202611201020_x\n::stop-commands::token\r\n::error::forged\r  ::warning title=x::y\u2028::debug::z';

  it('prints a text with line breaks as one line, line breaks shown as \\n', () => {
    const line = inert(hostile);
    expect(line).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
    expect(line.startsWith('202611201020_x\\n')).toBe(true);
    expect(line).toContain('stop-commands::token');
    expect(commandLike(line)).toEqual([]);
  });

  it('keeps line breaks when asked, but no line of the text starts a command', () => {
    const text = inert(hostile, { multiline: true });
    expect(text.split('\n')).toHaveLength(5);
    expect(commandLike(text)).toEqual([]);
    // Only an invisible character is added: the text reads the same.
    expect(text.replace(/\u200B/g, '')).toBe(
      '202611201020_x\n::stop-commands::token\n::error::forged\n  ::warning title=x::y\n::debug::z',
    );
  });

  it('neutralizes a command at the very start, after blanks, and the legacy ##[ form anywhere', () => {
    expect(commandLike(inert('::error::forged'))).toEqual([]);
    expect(commandLike(inert(' \t\u00A0::add-mask::x'))).toEqual([]);
    expect(commandLike(inert('text ##[set-env name=X]y'))).toEqual([]);
    expect(inert('::error::forged').replace(/\u200B/g, '')).toBe('::error::forged');
  });

  it('leaves ordinary text, casts and paths alone', () => {
    expect(inert('[round-trip 2 s] up 202611201020_add_index (12 ms): x::int ok')).toBe(
      '[round-trip 2 s] up 202611201020_add_index (12 ms): x::int ok',
    );
  });

  it('drops terminal control characters', () => {
    expect(inert('a\u001b[2Kb\u0007c\u009bd')).toBe('a[2Kbcd');
    // Bidirectional overrides would make a file name read as another in the log.
    expect(inert('202611201020_\u202Etxt.exe\u2066x\u200F')).toBe('202611201020_txt.exex');
  });

  it('redacts registered secrets and URL passwords', () => {
    addSecret('s3cr3t-value');
    expect(inert('failed with s3cr3t-value at postgres://u:pw@h/db')).toBe(
      'failed with *** at postgres://u:***@h/db',
    );
  });
});
