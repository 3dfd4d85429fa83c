/**
 * Compares two catalog snapshots and words the differences for people: the proof that a downgrade
 * restored the schema (S2 = S0) and that re-applying gives the first result (S3 = S1), and a
 * migration's impact (S0 → S1).
 */

import type { Impact } from '../types.js';
import { OBJECT_KINDS } from './snapshot/model.js';
import { compareText } from './snapshot/sql.js';
import type { ObjectKind, PropValue, SchemaObject, Snapshot } from './snapshot/model.js';

/** One object that exists in only one snapshot, or whose properties differ. */
export interface SchemaDifference {
  /** `added`: only in `after`; `removed`: only in `before`; `changed`: in both, with different properties. */
  change: 'added' | 'removed' | 'changed';
  kind: ObjectKind;
  /** Qualified object name, e.g. `public.users.active`. */
  name: string;
  /** Short qualifier shown next to the name, e.g. `CHECK` for a constraint. */
  label?: string;
  /** Qualified table the object belongs to (columns, constraints, indexes, triggers, policies), else null. */
  table: string | null;
  /** For `changed`: one entry per property that differs, in the object's property order; else empty. */
  props: { prop: string; before: unknown; after: unknown }[];
}

const KIND_RANK = new Map<string, number>(OBJECT_KINDS.map((kind, index) => [kind, index]));

/**
 * Every difference between two snapshots, ordered by object kind (schemas, types, tables, columns,
 * constraints, indexes, views, functions, triggers, policies…) then by name.
 */
export function diffSnapshots(before: Snapshot, after: Snapshot): SchemaDifference[] {
  const differences: SchemaDifference[] = [];
  for (const [key, old] of before.objects) {
    const current = after.objects.get(key);
    if (current === undefined) {
      differences.push(entry('removed', old, []));
      continue;
    }
    const props = changedProps(old, current);
    if (props.length > 0) differences.push(entry('changed', current, props));
  }
  for (const [key, current] of after.objects) {
    if (!before.objects.has(key)) differences.push(entry('added', current, []));
  }
  return differences.sort(
    (a, b) =>
      (KIND_RANK.get(a.kind) ?? 0) - (KIND_RANK.get(b.kind) ?? 0) ||
      compareText(a.name, b.name) ||
      compareText(a.change, b.change),
  );
}

function entry(
  change: SchemaDifference['change'],
  object: SchemaObject,
  props: SchemaDifference['props'],
): SchemaDifference {
  return {
    change,
    kind: object.kind,
    name: object.name,
    ...(object.label === undefined ? {} : { label: object.label }),
    table: object.table,
    props,
  };
}

function changedProps(before: SchemaObject, after: SchemaObject): SchemaDifference['props'] {
  const names = [...Object.keys(before.props)];
  for (const name of Object.keys(after.props)) if (!(name in before.props)) names.push(name);
  const changed: SchemaDifference['props'] = [];
  for (const prop of names) {
    const old = before.props[prop] ?? null;
    const current = after.props[prop] ?? null;
    if (!sameValue(old, current)) changed.push({ prop, before: old, after: current });
  }
  return changed;
}

function sameValue(a: PropValue, b: PropValue): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => item === b[i]);
  return a === b;
}

/**
 * One line per difference, naming the object and saying, with the labels of the two states, what each
 * held. With labels `{ before: 'before up', after: 'after down' }`:
 * `index public.orders_created_at_idx: present after down, absent before up`,
 * `column public.users.active: default false before up, none after down`,
 * `constraint public.orders.orders_amount_check (CHECK): absent after down, present before up`.
 * Long values are cut down to the part that differs.
 */
export function describeDifference(d: SchemaDifference, labels: { before: string; after: string }): string {
  const subject = `${d.kind} ${d.name}${d.label === undefined ? '' : ` (${d.label})`}`;
  switch (d.change) {
    case 'added':
      return `${subject}: present ${labels.after}, absent ${labels.before}`;
    case 'removed':
      return `${subject}: absent ${labels.after}, present ${labels.before}`;
    case 'changed': {
      const parts = d.props.map((p) => {
        const [before, after] = showPair(p.before, p.after);
        return `${p.prop} ${before} ${labels.before}, ${after} ${labels.after}`;
      });
      return `${subject}: ${parts.join('; ')}`;
    }
  }
}

/** Values longer than this are shortened around the first difference. */
const MAX_VALUE = 80;
/** Characters of unchanged text kept on each side of a difference. */
const CONTEXT = 20;

function showPair(before: unknown, after: unknown): [string, string] {
  let a = show(before);
  let b = show(after);
  if (a === b) {
    a = JSON.stringify(before);
    b = JSON.stringify(after);
  }
  if (a.length <= MAX_VALUE && b.length <= MAX_VALUE) return [a, b];
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end])
    end++;
  return [excerpt(a, start, a.length - end), excerpt(b, start, b.length - end)];
}

function excerpt(value: string, from: number, to: number): string {
  const start = Math.max(0, from - CONTEXT);
  const stop = Math.min(value.length, Math.max(to, from) + CONTEXT, start + MAX_VALUE);
  return `${start > 0 ? '…' : ''}${value.slice(start, stop)}${stop < value.length ? '…' : ''}`;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) return `[${value.map((item) => show(item)).join(', ')}]`;
  if (typeof value === 'string') return value.replace(/\s+/g, ' ').trim() || `'${value}'`;
  return String(value);
}

/**
 * A migration's impact (differences from before to after `up`) as `<kind> <name>` lists, e.g.
 * `index public.orders_created_at_idx`. The columns and owned (serial, identity) sequences of a table
 * added or removed as a whole are left out: the table's entry stands for them.
 */
export function summarizeImpact(diffs: SchemaDifference[]): Impact {
  const wholeTables = {
    added: new Set<string>(),
    removed: new Set<string>(),
    changed: new Set<string>(),
  };
  for (const d of diffs) if (d.kind === 'table') wholeTables[d.change].add(d.name);
  const impact: Impact = { added: [], removed: [], changed: [] };
  for (const d of diffs) {
    const implied = d.kind === 'column' || d.kind === 'sequence';
    if (implied && d.change !== 'changed' && d.table !== null && wholeTables[d.change].has(d.table)) continue;
    impact[d.change].push(`${d.kind} ${d.name}`);
  }
  return impact;
}

/**
 * The objects of a diff named for a one-line message, e.g. `table public.a, index public.b_idx and 4 more`.
 * A table added or removed whole stands for its columns, constraints and indexes.
 */
export function nameDifferences(diffs: SchemaDifference[], max = 3): string {
  const wholeTables = new Set(
    diffs.filter((d) => d.kind === 'table' && d.change !== 'changed').map((d) => d.name),
  );
  const shown = diffs.filter((d) => d.kind === 'table' || d.table === null || !wholeTables.has(d.table));
  const named = shown.slice(0, max).map((d) => `${d.kind} ${d.name}`);
  return `${named.join(', ')}${shown.length > max ? ` and ${shown.length - max} more` : ''}`;
}

/** A table whose columns are the same before and after, in another order. */
export interface ColumnOrderChange {
  table: string;
  before: string[];
  after: string[];
}

/** Each table's column names in table order (by position), from a snapshot's columns. */
function columnOrders(snapshot: Snapshot): Map<string, string[]> {
  const byTable = new Map<string, { name: string; position: number }[]>();
  for (const object of snapshot.objects.values()) {
    if (object.kind !== 'column' || object.table === null || object.position === undefined) continue;
    const list = byTable.get(object.table) ?? [];
    list.push({ name: object.name.slice(object.table.length + 1), position: object.position });
    byTable.set(object.table, list);
  }
  const orders = new Map<string, string[]>();
  for (const [table, list] of byTable) {
    orders.set(
      table,
      list.sort((a, b) => a.position - b.position).map((c) => c.name),
    );
  }
  return orders;
}

/**
 * Tables that hold the same columns in both snapshots, but in another order (a down that drops a column and
 * adds it back puts it last). The schema comparison keys columns by name and does not see this; it matters to
 * `SELECT *`, `INSERT` without a column list and `COPY`.
 */
export function columnOrderChanges(before: Snapshot, after: Snapshot): ColumnOrderChange[] {
  const old = columnOrders(before);
  const changes: ColumnOrderChange[] = [];
  for (const [table, current] of columnOrders(after)) {
    const previous = old.get(table);
    if (!previous || previous.length !== current.length) continue;
    if (previous.every((name, i) => name === current[i])) continue;
    const same = new Set(previous);
    if (current.every((name) => same.has(name))) changes.push({ table, before: previous, after: current });
  }
  return changes.sort((a, b) => compareText(a.table, b.table));
}
