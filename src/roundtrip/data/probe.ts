/**
 * One changed migration's look beyond the schema: the sample rows before up (setting `data`), what up destroyed
 * and what down lost of them, the locks up held and the tables it rewrote. `SetRun` calls it around the steps of
 * the round-trip; it never changes the verdict of the schema comparison.
 */
import { redact } from '../../redact.js';
import type { DataImpact, Finding, Impact, Migration } from '../../types.js';
import type { Queryable } from '../snapshot/model.js';
import type { GateConfig } from '../../config/types.js';
import { causes, partLine, stepFinding } from '../step.js';
import type { StepRecord } from '../step.js';
import type { DatabaseProvider, StepAccess } from '../types.js';
import { LockObserver, rewrittenTables } from '../impact/locks.js';
import { readShapes, readTables } from './catalog.js';
import type { TableInfo } from './catalog.js';
import { describeDownLoss, describeUpLoss, downLosses, upLosses } from './compare.js';
import { SAMPLE_ROWS, fillSampleRows } from './generate.js';
import { ROW_LIMIT, readRows } from './rows.js';
import type { TableRows } from './rows.js';

export class TripProbe {
  private before: TableInfo[] = [];
  private rows0: Map<string, TableRows> | null = null;
  private rows1: Map<number, TableRows> | null = null;
  private after: TableInfo[] = [];
  private rewrites: string[] = [];
  private data: DataImpact | null = null;
  private readonly notes: string[] = [];
  /** Rows generated before up. */
  filled = 0;
  observer: LockObserver = new LockObserver(new Map());

  constructor(
    private readonly db: () => Queryable,
    private readonly m: Migration,
    private readonly options: { data: boolean; exclude: string[]; runNotes: string[] },
  ) {}

  /** Reads the tables before up; with `data` on and `fill`, fills them and reads their rows back. */
  async beforeUp(fill: boolean): Promise<void> {
    this.before = await readTables(this.db(), this.options.exclude);
    this.observer = new LockObserver(new Map(this.before.map((t) => [t.oid, t])));
    this.rows0 = null;
    this.data = null;
    if (!this.options.data) return;
    this.data = { sampleRows: 0, up: [], down: null };
    if (!fill) return;
    // The rows already there tell which tables need more; only the tables filled are read again.
    this.rows0 = await readRows(
      this.db(),
      this.before.map((table) => ({ table })),
    );
    const counts = new Map(
      [...this.rows0].map(([name, r]) => [name, r.capped ? ROW_LIMIT + 1 : r.rows.length]),
    );
    if (![...counts.values()].some((n) => n < SAMPLE_ROWS)) return;
    const result = await fillSampleRows(this.db(), this.before, counts);
    for (const note of result.notes) {
      const line = `${note} before ${this.m.name}`;
      if (!this.options.runNotes.includes(line)) this.options.runNotes.push(line);
    }
    this.filled = [...result.inserted.values()].reduce((a, b) => a + b, 0);
    this.data.sampleRows = this.filled;
    const filled = this.before.filter((t) => (result.inserted.get(t.name) ?? 0) > 0);
    for (const [name, rows] of await readRows(
      this.db(),
      filled.map((table) => ({ table })),
    )) {
      this.rows0.set(name, rows);
    }
  }

  /** Up went through with rows refused, then without: the rows take no part in this migration's proof. */
  dropRows(why: string): void {
    this.rows0 = null;
    this.notes.push(why);
  }

  /** After up: rewrites, locks, and what up destroyed of the rows (`up-data-loss`, a warning). */
  async afterUp(): Promise<Finding | null> {
    this.after = await readTables(this.db(), this.options.exclude);
    this.rewrites = rewrittenTables(this.before, this.after);
    if (!this.rows0 || !this.data) return null;
    const kept = new Set(this.before.map((t) => t.oid));
    const rows = await readRows(
      this.db(),
      this.after.filter((t) => kept.has(t.oid)).map((table) => ({ table })),
    );
    this.rows1 = new Map([...rows.values()].map((r) => [r.table.oid, r]));
    const losses = upLosses(this.rows0, this.after, this.rows1);
    this.data.up = losses;
    if (losses.length === 0) return null;
    const part = this.m.up;
    return {
      rule: 'up-data-loss',
      severity: 'warning',
      migration: this.m.name,
      path: part?.path ?? this.m.path,
      ...(part ? { line: partLine(this.m, part) } : {}),
      message: redact(`up destroys data present before it: ${losses.map(describeUpLoss).join('; ')}`),
    };
  }

  /** After down: values of the rows before up that down lost or changed (`down-data-loss`). */
  async afterDown(): Promise<Finding | null> {
    if (!this.rows0 || !this.rows1 || !this.data) return null;
    const held = [...this.rows0.values()].filter((r) => r.rows.length > 0);
    const now = await readShapes(
      this.db(),
      held.map((r) => r.table),
    );
    const wanted = held
      .filter((r) => now.has(r.table.name))
      .map((r) => ({ table: now.get(r.table.name)!, columns: r.columns.map((c) => c.name) }));
    const losses = downLosses(this.rows0, this.rows1, await readRows(this.db(), wanted));
    this.data.down = losses;
    if (losses.length === 0) return null;
    const part = this.m.down;
    return {
      rule: 'down-data-loss',
      severity: 'error',
      migration: this.m.name,
      path: part?.path ?? this.m.path,
      ...(part ? { line: partLine(this.m, part) } : {}),
      message: redact(
        `after down, sample rows present before up are lost or changed: ${losses.map(describeDownLoss).join('; ')}`,
      ),
      details: losses.map((l) => redact(describeDownLoss(l))),
    };
  }

  /** Down did not run; with a waiver, what it would have lost is the waiver's accepted risk. */
  downSkipped(waived: boolean): void {
    if (!this.data) return;
    const waiver = this.m.waiver;
    this.notes.push(
      waived && waiver?.rationale
        ? `down not run (waiver by ${waiver.owner}): data it would lose is the accepted risk — ${waiver.rationale}`
        : 'down not run: no downgrade',
    );
  }

  /** The impact of up: the schema's differences, the locks and rewrites measured, and what the rows went through. */
  impact(schema: Impact): Impact {
    const notes = [...this.notes];
    const locks = this.observer.locks;
    if (locks === null) notes.push(`locks not observed: ${this.unobserved()}`);
    return {
      ...schema,
      locks: locks ?? [],
      rewrites: this.rewrites,
      data: this.data,
      ...(notes.length > 0 ? { notes } : {}),
    };
  }

  private unobserved(): string {
    if (this.observer.failure) return this.observer.failure;
    if (this.m.format === 'alembic') return 'the up runs in an external Alembic process';
    if (!this.m.transaction) return 'the up runs outside a transaction';
    return "this format's runner does not report its commit";
  }
}

/** The table a PostgreSQL error names (its `table` field, else `relation "…"` in the message), or null. */
function failedTable(error: unknown): string | null {
  for (const e of causes(error)) {
    const fields = e as { table?: unknown; schema?: unknown; message?: unknown };
    if (typeof fields.table === 'string' && fields.table) {
      return typeof fields.schema === 'string' && fields.schema
        ? `${fields.schema}.${fields.table}`
        : fields.table;
    }
    const match =
      typeof fields.message === 'string' ? /(?:relation|table) "([^"]+)"/.exec(fields.message) : null;
    if (match) return match[1]!;
  }
  return null;
}

/** `data-up-failed`: up failed with the sample rows present and passed on the same tables empty. */
export function dataUpFailedFinding(
  record: StepRecord,
  config: GateConfig,
  kind: DatabaseProvider['kind'],
  access?: StepAccess,
): Finding {
  const finding = stepFinding(record, 'up', null, config, kind, access);
  const table = failedTable(record.error);
  const detail = finding.message.replace(/^up failed: /, '');
  return {
    ...finding,
    rule: 'data-up-failed',
    message: redact(
      `up fails when the tables hold rows (it passes on empty tables)${table ? ` on table ${table}` : ''}: ${detail}`,
    ),
  };
}
