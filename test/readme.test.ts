import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const pages = [
  'README.md',
  ...readdirSync(resolve(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The lines of a Markdown file outside fenced code blocks, with their line numbers. */
function proseLines(text: string): { line: string; n: number }[] {
  const out: { line: string; n: number }[] = [];
  let fence: string | null = null;
  text.split('\n').forEach((line, i) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1]?.charAt(0);
    if (marker !== undefined) {
      if (fence === null) fence = marker;
      else if (marker === fence) fence = null;
      return;
    }
    if (fence === null) out.push({ line, n: i + 1 });
  });
  return out;
}

/** GitHub's anchor of a heading: its text, lowercase, punctuation other than `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** The anchors of a Markdown file; repeated headings get `-1`, `-2`… as on GitHub. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { line } of proseLines(readFileSync(file, 'utf8'))) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

describe('slug', () => {
  it('follows GitHub: lowercase, punctuation dropped except - and _, spaces to -', () => {
    expect(slug('Policy scan: forbidden patterns')).toBe('policy-scan-forbidden-patterns');
    expect(slug('Why `pull_request_target` is refused')).toBe('why-pull_request_target-is-refused');
    expect(slug('1. Name new revisions `<UTCYYYYMMDDHHMM>_<slug>`')).toBe(
      '1-name-new-revisions-utcyyyymmddhhmm_slug',
    );
    expect(slug('Several PostgreSQL versions (matrix)')).toBe('several-postgresql-versions-matrix');
  });
});

describe('README.md and docs/', () => {
  it('has the docs pages the README links to', () => {
    expect(pages.length).toBeGreaterThan(1);
  });

  it.each(pages)('%s: every relative link reaches an existing file and heading', (page) => {
    const file = resolve(root, page);
    const broken: string[] = [];
    for (const { line, n } of proseLines(readFileSync(file, 'utf8'))) {
      for (const [, target = ''] of line.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [path, anchor] = target.split('#', 2) as [string, string | undefined];
        const dest = path === '' ? file : resolve(dirname(file), decodeURI(path));
        if (!dest.startsWith(root) || !existsSync(dest)) {
          broken.push(`${page}:${n} ${target}: no file ${relative(root, dest)}`);
          continue;
        }
        if (anchor === undefined) continue;
        if (statSync(dest).isDirectory() || !dest.endsWith('.md')) {
          broken.push(`${page}:${n} ${target}: an anchor into a file that is not Markdown`);
        } else if (!anchors(dest).has(anchor)) {
          broken.push(`${page}:${n} ${target}: no heading #${anchor} in ${relative(root, dest)}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("README.md, a newcomer's first page", () => {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
  const lines = readme.split('\n');

  it('starts with the two commands of a fresh machine', () => {
    const block = /^```[a-z]*\n([\s\S]*?)\n```$/m.exec(readme)?.[1];
    expect(block).toBeDefined();
    const commands = (block ?? '').split('\n');
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/^npm ci && npx migration-gate check --dir fixtures\/formats\/sql-pair\s/);
    expect(commands[1]).toMatch(/^bash \.ci\/run\s/);
  });

  it('has install, the workflow and the database choice on its first screenful (80 lines)', () => {
    const first = lines.slice(0, 80).join('\n');
    expect(first).toMatch(/^## Install$/m);
    expect(first).toMatch(/npm install --save-dev migration-gate/);
    expect(first).toMatch(/^\s+- uses: migration-gate\/migration-gate@v\d/m);
    expect(first).toMatch(/^## Databases$/m);
    expect(first).toMatch(/--database/);
  });

  it('shows the leftover-index example that the bundle prints', () => {
    expect(readme).toMatch(
      /\n\$ npx migration-gate check --dir fixtures\/roundtrip\/leftover-index --database embedded\n[^`]+\n```\n/,
    );
  });

  it('links every docs page', () => {
    for (const page of pages.filter((p) => p !== 'README.md')) expect(readme).toContain(`](${page})`);
  });
});
