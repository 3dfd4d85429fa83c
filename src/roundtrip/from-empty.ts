/**
 * Every migration applied from empty on a scratch database, for the checks that compare the result with
 * something else (the baseline schema file, a live baseline database, the ORM models), and the
 * `baseline-drift` finding they share.
 */
import { GateError, type Finding, type MigrationSet, errorText } from '../types.js';
import { describeDifference, nameDifferences, type SchemaDifference } from './diff.js';
import { StepError } from './types.js';

/** Where a failed step points, as ` (path:line)`; empty when the error names no file. */
export function stepLocation(error: unknown): string {
  return error instanceof StepError && error.path
    ? ` (${error.path}${error.line ? `:${error.line}` : ''})`
    : '';
}

/**
 * Applies each set's migrations on `db` in turn. Null when all applied; else why the first set failed:
 * `applying the migrations of db/migrations from empty failed (file:line): reason`. A `GateError` (exit 2) is
 * thrown on.
 */
export async function applyFromEmpty<D>(
  sets: MigrationSet[],
  db: D,
  applyAll: (db: D, set: MigrationSet) => Promise<void>,
  what = 'migrations',
): Promise<string | null> {
  for (const set of sets) {
    try {
      await applyAll(db, set);
    } catch (error) {
      if (error instanceof GateError) throw error;
      return `applying the ${what} of ${set.dir} from empty failed${stepLocation(error)}: ${errorText(error)}`;
    }
  }
  return null;
}

/** A `baseline-drift` finding on `path`: the message, or the differences named one a line. */
export function driftFinding(
  path: string,
  what: string,
  differences: SchemaDifference[],
  labels: { before: string; after: string },
): Finding[] {
  if (differences.length === 0) return [];
  return [
    {
      rule: 'baseline-drift',
      severity: 'error',
      migration: null,
      path,
      message:
        `the schema the migrations build from empty differs from ${what} ` +
        `(${differences.length} difference${differences.length === 1 ? '' : 's'}): ${nameDifferences(differences)}`,
      details: differences.map((d) => describeDifference(d, labels)),
    },
  ];
}

/** The `baseline-drift` finding for migrations that could not be applied from empty. */
export function cannotCompare(path: string, what: string, why: string): Finding[] {
  return [
    {
      rule: 'baseline-drift',
      severity: 'error',
      migration: null,
      path,
      message: `cannot compare with ${what}: ${why}`,
    },
  ];
}
