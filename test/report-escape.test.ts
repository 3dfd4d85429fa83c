import { parsers } from 'prettier/plugins/markdown';
import { describe, expect, it } from 'vitest';
import { codeBlock, codeSpan, encodePath, escapeHtml, escapeMarkdown } from '../src/report/escape.js';

interface Node {
  type: string;
  value?: string;
  url?: string;
  children?: Node[];
}

/** Parses markdown with a real (remark) parser, so tests check what renders, not what the string looks like. */
async function parse(markdown: string): Promise<Node> {
  return (await parsers.markdown.parse(markdown, {} as Parameters<typeof parsers.markdown.parse>[1])) as Node;
}

function nodes(root: Node): Node[] {
  return [root, ...(root.children ?? []).flatMap(nodes)];
}

/** The visible text of a rendering, zero-width joiners removed. */
function visible(root: Node): string {
  return nodes(root)
    .filter((n) => n.type === 'text' || n.type === 'inlineCode' || n.type === 'code')
    .map((n) => n.value ?? '')
    .join('')
    .replace(/\u200D/g, '');
}

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '@octocat',
  '**bold**',
  '| pipe |',
  '[link](http://evil)',
  '`',
  '``double`` and `single`',
  '_under_ ~~strike~~ # heading !not-image $x$ \\back',
  'añadir_índice_日本語_😀',
  '&amp; &lt;',
];

describe('escapeMarkdown', () => {
  it.each(HOSTILE)('renders %s as the same literal text, with no markup', async (input) => {
    const root = await parse(`Text: ${escapeMarkdown(input)}\n`);
    const kinds = new Set(nodes(root).map((n) => n.type));
    expect([...kinds].sort()).toEqual(['paragraph', 'root', 'text']);
    expect(visible(root)).toBe(`Text: ${input}`);
  });

  it('neutralizes @mentions, team mentions, issue references and autolinks', () => {
    const out = escapeMarkdown(
      'cc @octocat @acme/payments-team fixes #123 GH-45 see https://evil.example www.evil.example',
    );
    expect(out).not.toMatch(/@[A-Za-z0-9]/);
    expect(out).not.toMatch(/#\d/);
    expect(out).not.toMatch(/GH-\d/);
    expect(out).not.toContain('://');
    expect(out).not.toMatch(/www\./);
    expect(out.replace(/\u200D/g, '')).toContain('@acme/payments-team');
  });

  it('escapes HTML and keeps the text of an img tag literal', () => {
    expect(escapeMarkdown('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert\\(1\\)&gt;');
    expect(escapeMarkdown('a & b')).toBe('a &amp; b');
  });

  it('turns newlines into <br> (or the given separator) and drops control and bidi characters', () => {
    expect(escapeMarkdown('line 1\r\nline 2\nline 3')).toBe('line 1<br>line 2<br>line 3');
    expect(escapeMarkdown('a\nb', ' ')).toBe('a b');
    expect(escapeMarkdown('abc\u202Egpj.exe\u0007')).toBe('abcgpj.exe');
  });

  it('keeps a table row to its cells', async () => {
    const root = await parse(
      `| a | b |\n| --- | --- |\n| ${escapeMarkdown('x | y\nz')} | ${escapeMarkdown('\\|')} |\n`,
    );
    const rows = nodes(root).filter((n) => n.type === 'tableRow');
    expect(rows[1]?.children).toHaveLength(2);
    expect(visible(rows[1]!)).toBe('x | yz\\|');
  });
});

describe('escapeHtml', () => {
  it('escapes markup and mentions for raw HTML', () => {
    expect(escapeHtml('<b>"x"</b> & @octocat #9\nnext')).toBe(
      '&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; @\u200Doctocat #\u200D9 next',
    );
  });
});

describe('codeSpan', () => {
  it.each(['plain', '`', 'a ``b`` c', '` starts', 'ends `', ' x', '<img src=x>', '@octocat'])(
    'renders %j verbatim as inline code',
    async (input) => {
      const root = await parse(`${codeSpan(input)}\n`);
      const code = nodes(root).filter((n) => n.type === 'inlineCode');
      expect(code).toHaveLength(1);
      expect(code[0]?.value).toBe(input);
    },
  );

  it('uses a fence longer than the longest backtick run', () => {
    expect(codeSpan('a ``` b')).toBe('````a ``` b````');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
  });

  it('uses <code> with escaped text inside table cells', async () => {
    const cell = codeSpan('a|b <i> @octocat', { table: true });
    expect(cell).toBe('<code>a\\|b &lt;i&gt; @\u200Doctocat</code>');
    const root = await parse(`| a |\n| --- |\n| ${cell} |\n`);
    const row = nodes(root).filter((n) => n.type === 'tableRow')[1]!;
    expect(row.children).toHaveLength(1);
    expect(visible(row)).toBe('a|b <i> @octocat');
  });
});

describe('codeBlock', () => {
  it('cannot be closed by backticks in the content', async () => {
    const content = 'select 1;\n```\n# not a heading\n````\n<script>alert(1)</script>';
    const block = codeBlock(content, 'diff');
    expect(block.startsWith('`````diff\n')).toBe(true);
    const root = await parse(`${block}\nafter\n`);
    const code = nodes(root).filter((n) => n.type === 'code');
    expect(code).toHaveLength(1);
    expect(code[0]?.value).toBe(content);
  });

  it('sanitizes the info string', () => {
    expect(codeBlock('x', 'diff onload=1')).toBe('```diffonload1\nx\n```\n');
  });
});

describe('encodePath', () => {
  it('keeps slashes and encodes what would end a markdown link', () => {
    expect(encodePath('migrations/a (1)/#x y.sql')).toBe('migrations/a%20%281%29/%23x%20y.sql');
  });
});

describe('HTML comment delimiters', () => {
  const marker = '<!-- migration-gate:B -->';

  it('cannot form a marker line inside a code block, a code span or escaped text', async () => {
    for (const text of [
      codeBlock(`table public."${marker}": present after down\n${marker}`),
      codeSpan(marker),
      codeSpan(marker, { table: true }),
      escapeMarkdown(marker),
      escapeHtml(marker),
    ]) {
      expect(text).not.toContain('<!--');
      expect(text).not.toContain('-->');
    }
  });

  it('still renders as the literal text', async () => {
    expect(visible(await parse(codeBlock(marker)))).toBe(marker);
    expect(visible(await parse(`a ${codeSpan(marker)} b`))).toBe(`a ${marker} b`);
  });
});
