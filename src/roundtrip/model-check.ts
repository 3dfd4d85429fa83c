import type { GateConfig } from '../config/types.js';
import { GateError, type Finding, type MigrationSet, errorText } from '../types.js';
import { registerCleanup } from './cleanup.js';
import { compareModels, modelDriftFinding, modelFiles } from './model-drift.js';
import { applyFromEmpty } from './from-empty.js';

/** A scratch database the comparison can reach: its URL for `DATABASE_URL`, and its removal. */
export interface ModelScratch {
  readonly url: string;
  drop(): Promise<void>;
}

/** What `checkModels` needs from the runner. */
export interface ModelCheckOptions<D extends ModelScratch> {
  /** A new empty scratch database (PostgreSQL or a SQLite file). */
  createScratch: () => Promise<D>;
  sets: MigrationSet[];
  config: GateConfig;
  /** Applies every migration of `set`, from empty, to `db`. */
  applyAll: (db: D, set: MigrationSet) => Promise<void>;
  /** Which of these files (relative to the working directory) the change set touched. */
  changed: (files: string[]) => Promise<ReadonlySet<string>>;
  notes: string[];
  progress: (line: string) => void;
}

/** The Alembic directories whose models are compared: every one holding revisions. */
export function modelSets(sets: MigrationSet[]): MigrationSet[] {
  return sets.filter((s) => s.format === 'alembic' && s.migrations.length > 0);
}

/**
 * The `model-drift` check of every Alembic directory: every revision goes up from empty on a scratch database,
 * then the project's own Alembic compares its `target_metadata` with that schema. It runs whether or not a
 * revision changed: a pull request that changes the models and no revision is the one it exists for. A project
 * without `target_metadata` gets a note.
 */
export async function checkModels<D extends ModelScratch>(opts: ModelCheckOptions<D>): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const set of modelSets(opts.sets)) {
    const started = Date.now();
    const db = await opts.createScratch();
    const release = registerCleanup(() => db.drop());
    try {
      const failed = await applyFromEmpty([set], db, opts.applyAll, 'revisions');
      if (failed) {
        opts.notes.push(`the models of ${set.dir} were not compared: ${failed}`);
        continue;
      }
      let comparison;
      try {
        comparison = await compareModels(opts.config, set, db.url);
      } catch (error) {
        if (error instanceof GateError) throw error;
        findings.push({
          rule: 'model-drift',
          severity: 'error',
          migration: null,
          path: set.dir,
          message: `cannot compare the models of ${set.dir} with its revisions: ${errorText(error)}`,
        });
        continue;
      }
      if (!comparison.metadata) {
        opts.notes.push(
          `${set.dir}: env.py configures no target_metadata, so the models were not compared with the revisions ` +
            `(set target_metadata = Base.metadata to gate model drift)`,
        );
        continue;
      }
      const changed = await opts.changed(modelFiles(opts.config, comparison));
      const finding = modelDriftFinding(opts.config, set, comparison, changed);
      if (finding) findings.push(finding);
      opts.progress(
        `models: ${set.dir} ${finding ? `differ (${comparison.operations.length} operation(s))` : 'match the revisions'} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    } finally {
      await db.drop();
      release();
    }
  }
  return findings;
}
