import { describe, expect, it } from 'vitest';
import { describeDifference, diffSnapshots, summarizeImpact } from '../src/roundtrip/diff.js';
import type { SchemaDifference } from '../src/roundtrip/diff.js';
import { objectKey } from '../src/roundtrip/snapshot/index.js';
import type { SchemaObject, Snapshot } from '../src/roundtrip/snapshot/index.js';

const LABELS = { before: 'before up', after: 'after down' };

function snapshot(...objects: SchemaObject[]): Snapshot {
  return { objects: new Map(objects.map((object) => [objectKey(object.kind, object.name), object])) };
}

function table(name: string, props: SchemaObject['props'] = {}): SchemaObject {
  return {
    kind: 'table',
    name,
    schema: name.split('.')[0] ?? null,
    table: name,
    props: { owner: 'app', ...props },
  };
}

function column(tableName: string, name: string, props: SchemaObject['props'] = {}): SchemaObject {
  return {
    kind: 'column',
    name: `${tableName}.${name}`,
    schema: tableName.split('.')[0] ?? null,
    table: tableName,
    props: { type: 'integer', 'not null': false, default: null, ...props },
  };
}

function index(name: string, tableName: string, definition: string): SchemaObject {
  return { kind: 'index', name, schema: 'public', table: tableName, props: { definition, valid: true } };
}

function check(tableName: string, name: string, definition: string): SchemaObject {
  return {
    kind: 'constraint',
    name: `${tableName}.${name}`,
    schema: 'public',
    table: tableName,
    label: 'CHECK',
    props: { type: 'CHECK', definition },
  };
}

function lines(before: Snapshot, after: Snapshot, labels = LABELS): string[] {
  return diffSnapshots(before, after).map((d) => describeDifference(d, labels));
}

describe('diffSnapshots', () => {
  it('finds nothing between equal snapshots, arrays compared element by element', () => {
    const make = () =>
      snapshot(
        table('public.users', { privileges: ['app=arwdDxt/app', 'reader=r/app'] }),
        column('public.users', 'id'),
      );
    expect(diffSnapshots(make(), make())).toEqual([]);
  });

  it('reports added, removed and changed objects with the properties that differ', () => {
    const before = snapshot(
      table('public.users'),
      column('public.users', 'active', { type: 'boolean', default: 'false' }),
      check('public.orders', 'orders_amount_check', 'CHECK ((amount > 0))'),
    );
    const after = snapshot(
      table('public.users'),
      column('public.users', 'active', { type: 'boolean', default: null }),
      index(
        'public.orders_created_at_idx',
        'public.orders',
        'CREATE INDEX orders_created_at_idx ON public.orders',
      ),
    );
    expect(diffSnapshots(before, after)).toEqual([
      {
        change: 'changed',
        kind: 'column',
        name: 'public.users.active',
        table: 'public.users',
        props: [{ prop: 'default', before: 'false', after: null }],
      },
      {
        change: 'removed',
        kind: 'constraint',
        name: 'public.orders.orders_amount_check',
        label: 'CHECK',
        table: 'public.orders',
        props: [],
      },
      {
        change: 'added',
        kind: 'index',
        name: 'public.orders_created_at_idx',
        table: 'public.orders',
        props: [],
      },
    ]);
  });

  it('orders differences by kind then name, whatever order the snapshots were built in', () => {
    const objects = [
      index('public.b_idx', 'public.b', 'CREATE INDEX b_idx'),
      column('public.b', 'x'),
      table('public.b'),
      index('public.a_idx', 'public.a', 'CREATE INDEX a_idx'),
      table('public.a'),
      column('public.a', 'x'),
      { kind: 'schema', name: 'public', schema: 'public', table: null, props: {} } as SchemaObject,
    ];
    const expected = [
      'schema public',
      'table public.a',
      'table public.b',
      'column public.a.x',
      'column public.b.x',
      'index public.a_idx',
      'index public.b_idx',
    ];
    const forward = diffSnapshots(snapshot(), snapshot(...objects)).map((d) => `${d.kind} ${d.name}`);
    const backward = diffSnapshots(snapshot(), snapshot(...[...objects].reverse())).map(
      (d) => `${d.kind} ${d.name}`,
    );
    expect(forward).toEqual(expected);
    expect(backward).toEqual(expected);
  });

  it('treats a property present on one side only as changed from none', () => {
    const before = snapshot({
      kind: 'function',
      name: 'public.f()',
      schema: 'public',
      table: null,
      props: { body: '1' },
    });
    const after = snapshot({
      kind: 'function',
      name: 'public.f()',
      schema: 'public',
      table: null,
      props: { body: '1', comment: 'why' },
    });
    expect(lines(before, after)).toEqual(['function public.f(): comment none before up, why after down']);
  });
});

describe('describeDifference', () => {
  it('words the three kinds of difference with the state labels', () => {
    const before = snapshot(
      column('public.users', 'active', { type: 'boolean', default: 'false', 'not null': true }),
      check('public.orders', 'orders_amount_check', 'CHECK ((amount > 0))'),
    );
    const after = snapshot(
      column('public.users', 'active', { type: 'boolean', default: null, 'not null': false }),
      index(
        'public.orders_created_at_idx',
        'public.orders',
        'CREATE INDEX orders_created_at_idx ON public.orders',
      ),
    );
    expect(lines(before, after)).toEqual([
      'column public.users.active: not null true before up, false after down; default false before up, none after down',
      'constraint public.orders.orders_amount_check (CHECK): absent after down, present before up',
      'index public.orders_created_at_idx: present after down, absent before up',
    ]);
    expect(lines(after, before, { before: 'after up', after: 'after re-up' })).toEqual([
      'column public.users.active: not null false after up, true after re-up; default none after up, false after re-up',
      'constraint public.orders.orders_amount_check (CHECK): present after re-up, absent after up',
      'index public.orders_created_at_idx: absent after re-up, present after up',
    ]);
  });

  it('shows arrays, empty strings and whitespace-only differences unambiguously', () => {
    const d = (before: unknown, after: unknown): SchemaDifference => ({
      change: 'changed',
      kind: 'enum',
      name: 'public.mood',
      table: null,
      props: [{ prop: 'labels', before, after }],
    });
    expect(describeDifference(d(['sad', 'happy'], ['sad', 'ok', 'happy']), LABELS)).toBe(
      'enum public.mood: labels [sad, happy] before up, [sad, ok, happy] after down',
    );
    expect(describeDifference(d([], ''), LABELS)).toBe(
      "enum public.mood: labels [] before up, '' after down",
    );
    expect(describeDifference(d('a  b', 'a b'), LABELS)).toBe(
      'enum public.mood: labels "a  b" before up, "a b" after down',
    );
  });

  it('cuts long values down to the part that differs', () => {
    const body = (op: string) =>
      `\n  BEGIN\n    INSERT INTO audit.log (at, who, what) VALUES (now(), current_user, 'changed');\n    RETURN a ${op} b;\n  END\n`;
    const text = describeDifference(
      {
        change: 'changed',
        kind: 'function',
        name: 'public.add(a integer, b integer)',
        table: null,
        props: [{ prop: 'body', before: body('+'), after: body('-') }],
      },
      LABELS,
    );
    expect(text).toBe(
      "function public.add(a integer, b integer): body …changed'); RETURN a + b; END before up, " +
        "…changed'); RETURN a - b; END after down",
    );
  });

  it('caps a long differing region', () => {
    const text = describeDifference(
      {
        change: 'changed',
        kind: 'view',
        name: 'public.v',
        table: null,
        props: [{ prop: 'definition', before: 'x'.repeat(200), after: 'y'.repeat(200) }],
      },
      LABELS,
    );
    expect(text).toBe(
      `view public.v: definition ${'x'.repeat(80)}… before up, ${'y'.repeat(80)}… after down`,
    );
  });
});

describe('summarizeImpact', () => {
  it('lists kind and name per change, leaving out the columns and sequences of tables added or removed whole', () => {
    const before = snapshot(
      table('public.legacy'),
      column('public.legacy', 'id'),
      table('public.users'),
      column('public.users', 'id'),
      column('public.users', 'active', { default: 'false' }),
    );
    const after = snapshot(
      table('public.users', { comment: 'people' }),
      column('public.users', 'id'),
      column('public.users', 'active', { default: 'true' }),
      column('public.users', 'email'),
      table('public.orders'),
      column('public.orders', 'id'),
      {
        kind: 'sequence',
        name: 'public.orders_id_seq',
        schema: 'public',
        table: 'public.orders',
        props: { 'owned by': 'public.orders.id' },
      },
      { kind: 'sequence', name: 'public.invoice_no', schema: 'public', table: null, props: {} },
      index('public.orders_created_at_idx', 'public.orders', 'CREATE INDEX orders_created_at_idx'),
      check('public.orders', 'orders_amount_check', 'CHECK ((amount > 0))'),
    );
    expect(summarizeImpact(diffSnapshots(before, after))).toEqual({
      added: [
        'sequence public.invoice_no',
        'table public.orders',
        'column public.users.email',
        'constraint public.orders.orders_amount_check',
        'index public.orders_created_at_idx',
      ],
      removed: ['table public.legacy'],
      changed: ['table public.users', 'column public.users.active'],
    });
  });

  it('is empty when nothing changed', () => {
    expect(summarizeImpact([])).toEqual({ added: [], removed: [], changed: [] });
  });
});
