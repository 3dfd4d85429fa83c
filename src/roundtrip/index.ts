/**
 * The round-trip stage: scratch databases (providers), format executors, and the runner that proves each
 * changed migration's downgrade on a real PostgreSQL. The engine loads it lazily, only for `check`.
 */
export { runRoundTrips } from './runner.js';
export type { RoundTripOptions, RoundTripOutcome, RoundTripResult } from './runner.js';
