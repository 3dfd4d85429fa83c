/**
 * The round-trip stage: scratch databases (providers), format executors, and the runner that proves each
 * changed migration's downgrade on a real PostgreSQL.
 */
export { runRoundTrips, isChanged, scratchStorage, STORAGE_SCHEMA } from './runner.js';
export type { RoundTripOptions, RoundTripOutcome, RoundTripResult } from './runner.js';
export { createProvider } from './providers/index.js';
export { executorFor } from './executors/index.js';
export { beginRun, registerCleanup, runCleanups } from './cleanup.js';
export { StepError } from './types.js';
export type { DatabaseProvider, Direction, FormatExecutor, ScratchDatabase, StepContext } from './types.js';
