import type { GateConfig } from '../config/types.js';
import { redact, redactUrl } from '../redact.js';
import { GateError, errorText } from '../types.js';
import type { MigrationSet } from '../types.js';
import type { ScratchDatabase } from './types.js';
import { checkBaseline } from './baseline.js';
import { checkLiveBaseline } from './baseline-live.js';
import { beginRun, registerCleanup } from './cleanup.js';
import { checkAlembicCommand } from './executors/index.js';
import { upgradeHead } from './executors/alembic.js';
import { checkModels, modelSets } from './model-check.js';
import { isChanged } from './outcome.js';
import type { RoundTripOptions, RoundTripOutcome } from './outcome.js';
import { createProvider } from './providers/index.js';
import { SetRun } from './set-run.js';

export type { RoundTripOptions, RoundTripOutcome, RoundTripResult } from './outcome.js';

/**
 * The round-trip of `check`: for each directory, one scratch database; its base history goes up first,
 * then each changed migration, in order, goes S0 → up → S1 → down → S2 → up → S3, and the gate requires
 * S2 = S0 and S3 = S1. A failure is reported and the run continues from a correct state (a fresh scratch
 * database with everything before the next migration applied). Every scratch database is dropped and the
 * provider closed at the end, on failure too. Infrastructure problems throw `GateError`.
 */
export async function runRoundTrips(
  sets: MigrationSet[],
  config: GateConfig,
  opts: RoundTripOptions = {},
): Promise<RoundTripOutcome> {
  if (config.database === 'sqlite') {
    const { runSqliteRoundTrips } = await import('./sqlite/run.js');
    return runSqliteRoundTrips(sets, config, opts);
  }
  const outcome: RoundTripOutcome = { database: null, notes: [], results: new Map(), findings: [] };
  const work = sets.filter((s) => s.migrations.some(isChanged));
  // Every Alembic directory's models are compared with its revisions, changed or not.
  const models = modelSets(sets);
  const baseline = config.baselineSchema !== null || config.baselineDatabase !== null;
  if (work.length === 0 && !baseline && models.length === 0) {
    outcome.notes.push('no changed migration: no database was started');
    return outcome;
  }
  // A missing Alembic is one configuration error, before any database is started.
  const alembic = models.length > 0 || (baseline ? sets : work).some((s) => s.format === 'alembic');
  if (alembic) await checkAlembicCommand(config);
  const provider = opts.provider ?? createProvider(config);
  const endRun = beginRun();
  const unregister = registerCleanup(() => provider.close());
  try {
    try {
      outcome.database = await provider.start();
      opts.progress?.(`database: ${provider.kind}, PostgreSQL ${outcome.database.serverVersion}`);
      const total = work.reduce((n, s) => n + s.migrations.filter(isChanged).length, 0);
      const counter = { done: 0, total };
      const progress = opts.progress ?? (() => undefined);
      for (const set of work) {
        await new SetRun(set, config, provider, progress, counter, outcome).run();
      }
      // Every migration of a directory from empty, through the same Umzug and watchdog as the round-trip.
      const applyAll = (db: ScratchDatabase, set: MigrationSet) =>
        new SetRun(set, config, provider, progress, counter, outcome).applyAll(db);
      if (config.baselineSchema) {
        progress(`baseline: ${config.baselineSchema} against every migration applied from empty`);
        const findings = await checkBaseline({
          provider,
          sets,
          config,
          notes: outcome.notes,
          applyAll,
        });
        outcome.findings.push(...findings);
      }
      if (config.baselineDatabase) {
        progress(
          `baseline: ${redactUrl(config.baselineDatabase)} (read only) against every migration applied from empty`,
        );
        const findings = await checkLiveBaseline({
          provider,
          sets,
          config,
          applyAll,
        });
        outcome.findings.push(...findings);
      }
      if (models.length > 0) {
        const findings = await checkModels({
          createScratch: () => provider.createScratch(),
          sets: models,
          config,
          notes: outcome.notes,
          progress,
          changed: opts.changedFiles ?? (async (files) => new Set(files)),
          // One Alembic process to head, on the steps' own role.
          applyAll: (db, set) => upgradeHead(db.url, set, config),
        });
        outcome.findings.push(...findings);
      }
    } catch (error) {
      // The run's own error is the one to report; a failing cleanup after it only adds what was left behind.
      await provider.close().catch((closeError: unknown) => {
        if (error instanceof GateError) error.message += `; ${errorText(closeError)}`;
      });
      if (error instanceof GateError) error.message = redact(error.message);
      throw error;
    }
    try {
      await provider.close();
    } catch (error) {
      if (error instanceof GateError) error.message = redact(error.message);
      throw error;
    }
    // After the close: it notes what it removed from the server.
    outcome.notes = [...outcome.notes, ...provider.notes].map((note) => redact(note));
    return outcome;
  } finally {
    unregister();
    endRun();
  }
}
