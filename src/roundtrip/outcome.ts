import type { DatabaseInfo, Finding, Impact, Migration, RoundTrip } from '../types.js';
import type { DatabaseProvider } from './types.js';

/** What the round-trip learned about one changed migration. */
export interface RoundTripResult {
  /** Null when the migration was not run (its directory's history failed first). */
  roundtrip: RoundTrip | null;
  /** Objects `up` added, removed or changed; null when `up` did not succeed. */
  impact: Impact | null;
  /** True when a complete waiver kept the migration from being downgraded. */
  waived: boolean;
}

/** Everything `runRoundTrips` hands back to the report. */
export interface RoundTripOutcome {
  /** The database used; null when no migration had to run (nothing was started). */
  database: DatabaseInfo | null;
  notes: string[];
  /** By migration path, for every changed (added, modified, renamed) migration. */
  results: Map<string, RoundTripResult>;
  findings: Finding[];
}

/** Options of `runRoundTrips`. */
export interface RoundTripOptions {
  /** The provider to use (default: the configuration's); it is closed at the end. */
  provider?: DatabaseProvider;
  /** Receives one line per step, e.g. `[2/5] 202611211430_add_index: down (1.2s)`. */
  progress?: (line: string) => void;
  /**
   * Which of these files (relative to the working directory) the change set touched; without it, every file
   * counts as touched.
   */
  changedFiles?: (files: string[]) => Promise<ReadonlySet<string>>;
}

const CHANGED = new Set(['added', 'modified', 'renamed']);

/** True for the migrations the round-trip proves (added, modified, renamed). */
export function isChanged(m: Migration): boolean {
  return CHANGED.has(m.change);
}

export function hasCompleteWaiver(m: Migration): boolean {
  return Boolean(m.waiver?.owner && m.waiver.rationale);
}

export function hasDown(m: Migration): boolean {
  return m.down !== null && !m.down.empty;
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
