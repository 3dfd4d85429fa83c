import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import { orderAlembic, parseAlembicFile } from '../src/discover/formats/alembic.js';
import { parseRevisions } from './helpers/alembic.js';
import type { Migration } from '../src/types.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/alembic/', import.meta.url));
const config = defaultConfig('/project');

function parse(text: string, name = '202611211430_add_invoices'): Migration {
  return parseAlembicFile(
    { absPath: `/project/versions/${name}.py`, relPath: `versions/${name}.py`, dir: 'versions', text },
    config,
  );
}

function parseDir(dir: string): Migration[] {
  return parseRevisions(FIXTURES, dir, config);
}

const revisionFile = (head: string, down = '    op.drop_table("invoices")\n') =>
  `${head}

def upgrade():
    op.create_table("invoices")


def downgrade():
${down}`;

describe('parseAlembicFile', () => {
  it('reads the fixture project revisions with their metadata, bodies and annotations', () => {
    const [first, , lossy, waived] = orderAlembic(parseDir('project/migrations/versions'));
    expect(first).toMatchObject({
      name: '202611010900_create_customers',
      version: '202611010900',
      slug: 'create_customers',
      path: 'project/migrations/versions/202611010900_create_customers.py',
      files: ['project/migrations/versions/202611010900_create_customers.py'],
      format: 'alembic',
      dialect: null,
      requirements: ['RL-101'],
      requirementsLine: 8,
      waiver: null,
      parseProblems: [],
      alembic: {
        revision: '3f9c2a1b7d10',
        downRevisions: [],
        branchLabels: [],
        dependsOn: [],
        revisionLine: 13,
        downRevisionLine: 14,
      },
    });
    expect(first!.up).toMatchObject({ startLine: 20, empty: false });
    expect(first!.up!.text.split('\n')[0]).toBe('    op.create_table(');
    expect(first!.down).toMatchObject({
      startLine: 29,
      empty: false,
      text: '    op.drop_table("customers")',
    });

    expect(lossy!.alembic!.downRevisions).toEqual(['8b2e4d6f0a21']);
    expect(lossy!.down!.text).toContain('drop_column');

    expect(waived!.down).toMatchObject({ empty: true });
    expect(waived!.waiver).toMatchObject({
      owner: '@data-team',
      rationale: 'lower-casing discards the original spelling',
      fields: { ticket: 'DATA-88' },
      line: 9,
    });
  });

  it('reads type-annotated assignments, tuples for merge revisions and labels', () => {
    const m = parse(
      revisionFile(`from typing import Sequence, Union
revision: str = "ae1027a6acf"
down_revision: Union[str, Sequence[str], None] = (
    "1975ea83b712",  # the billing branch
    '27c6a30d7c24',
)
branch_labels: Union[str, Sequence[str], None] = ('billing',)
depends_on = ["55af2cb1c267"]`),
    );
    expect(m.parseProblems).toEqual([]);
    expect(m.alembic).toEqual({
      revision: 'ae1027a6acf',
      downRevisions: ['1975ea83b712', '27c6a30d7c24'],
      branchLabels: ['billing'],
      dependsOn: ['55af2cb1c267'],
      revisionLine: 2,
      downRevisionLine: 3,
    });
  });

  it('reads a bare tuple, a single string label and None', () => {
    const m = parse(
      revisionFile(`revision = 'c'\ndown_revision = 'a', 'b'\nbranch_labels = 'x'\ndepends_on = None`),
    );
    expect(m.alembic).toMatchObject({ downRevisions: ['a', 'b'], branchLabels: ['x'], dependsOn: [] });
  });

  it.each([
    ['pass', '    pass\n'],
    ['a docstring and comments', '    """Nothing to undo."""\n    # really nothing\n'],
    ['an ellipsis', '    ...\n'],
    ['raise NotImplementedError(...)', '    raise NotImplementedError(\n        "irreversible"\n    )\n'],
    ['a bare raise NotImplementedError', '    # irreversible\n    raise NotImplementedError\n'],
  ])('marks a downgrade holding only %s as empty', (_label, body) => {
    const m = parse(revisionFile(`revision = "b"\ndown_revision = "a"`, body));
    expect(m.down).toMatchObject({ empty: true, startLine: 9 });
    expect(m.parseProblems).toEqual([]);
  });

  it('does not take a docstring followed by real work for empty, nor a multi-line string for code', () => {
    const m = parse(
      revisionFile(
        `revision = "b"\ndown_revision = "a"`,
        '    """Undo.\n\ndef not_a_function():\n    """\n    op.execute("""\nDROP TABLE invoices;\n""")\n',
      ),
    );
    expect(m.down!.empty).toBe(false);
    expect(m.down!.text).toContain('DROP TABLE invoices;');
    expect(m.parseProblems).toEqual([]);
  });

  it('reads a one-line downgrade and a downgrade followed by more top-level code', () => {
    const one = parse(
      `revision = "b"\ndown_revision = "a"\ndef upgrade() -> None: op.execute("select 1")\ndef downgrade() -> None: pass\n`,
    );
    expect(one.up).toMatchObject({ startLine: 3, empty: false });
    expect(one.down).toMatchObject({ startLine: 4, empty: true, text: 'pass' });

    const more = parse(
      `revision = "b"\ndown_revision = "a"\n\ndef upgrade():\n    op.execute("x")\n\n\ndef downgrade():\n    op.execute("y")\n\n\n# helpers\ndef helper():\n    pass\n`,
    );
    expect(more.down).toMatchObject({ startLine: 9, text: '    op.execute("y")', empty: false });
  });

  it('has down null without a downgrade function, and reports a missing revision', () => {
    const m = parse(`down_revision = None\n\ndef upgrade():\n    pass\n`);
    expect(m.down).toBeNull();
    expect(m.alembic).toBeNull();
    expect(m.parseProblems).toEqual([
      {
        path: 'versions/202611211430_add_invoices.py',
        line: null,
        message: "no top-level 'revision = …' assignment",
      },
    ]);
  });

  it('reports values it cannot read statically and unterminated strings, with their lines', () => {
    const computed = parse(revisionFile(`revision = "b"\ndown_revision = compute_parent()`));
    expect(computed.parseProblems).toEqual([
      {
        path: 'versions/202611211430_add_invoices.py',
        line: 2,
        message: "cannot read 'down_revision' statically: expected None, a string or a tuple of strings",
      },
    ]);
    expect(computed.alembic).toMatchObject({ revision: 'b', downRevisions: [], downRevisionLine: null });

    const broken = parse(
      `revision = "b"\ndown_revision = None\n\ndef upgrade():\n    op.execute("""select 1)\n`,
    );
    expect(broken.parseProblems.map((p) => p.message)).toContain('unterminated string starting on line 5');
  });

  it('reads annotations written inside the module docstring', () => {
    const m = parse(`"""add invoices

requirements: RL-7, RL-8
downgrade-waiver: owner=@billing; rationale=drops archived rows

Revision ID: b
"""
revision = "b"
down_revision = "a"

def upgrade():
    pass
`);
    expect(m.requirements).toEqual(['RL-7', 'RL-8']);
    expect(m.requirementsLine).toBe(3);
    expect(m.waiver).toMatchObject({ owner: '@billing', rationale: 'drops archived rows', line: 4 });
  });

  it('does not read revision assignments inside functions or strings', () => {
    const m = parse(`revision = "real"
down_revision = None
NOTE = """
revision = "fake"
"""

def upgrade():
    revision = "inner"
`);
    expect(m.alembic!.revision).toBe('real');
  });
});

describe('orderAlembic', () => {
  const rev = (name: string, revision: string, down: string[], dependsOn: string[] = []): Migration =>
    ({
      name,
      alembic: { revision, downRevisions: down, branchLabels: [], dependsOn },
    }) as unknown as Migration;

  it('orders along the graph from the roots, ties by name, merges after both parents', () => {
    const ordered = orderAlembic([
      rev('5_merge', 'e', ['c', 'd']),
      rev('1_root', 'a', []),
      rev('9_child_of_root', 'b', ['a']),
      rev('3_branch_c', 'c', ['b']),
      rev('2_branch_d', 'd', ['b']),
    ]);
    expect(ordered.map((m) => m.name)).toEqual([
      '1_root',
      '9_child_of_root',
      '2_branch_d',
      '3_branch_c',
      '5_merge',
    ]);
  });

  it('honours depends_on, and puts cycles and unreadable files last', () => {
    const ordered = orderAlembic([
      rev('1_a', 'a', [], ['z']),
      rev('2_z', 'z', []),
      rev('3_x', 'x', ['y']),
      rev('4_y', 'y', ['x']),
      { name: '0_unreadable', alembic: null } as unknown as Migration,
    ]);
    expect(ordered.map((m) => m.name)).toEqual(['2_z', '1_a', '3_x', '4_y', '0_unreadable']);
  });
});
