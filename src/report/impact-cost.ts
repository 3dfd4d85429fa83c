/**
 * The measured part of a migration's impact in plain words: the locks its up held and the tables it rewrote
 * (`ACCESS EXCLUSIVE on public.orders — blocks reads and writes; public.orders rewritten`), what it destroyed of
 * the sample rows, and what could not be measured.
 */
import { describeCost } from '../roundtrip/impact/locks.js';
import type { Impact } from '../types.js';

/** Locks weaker than this are left out of the note (they block no reads or writes). */
const SHOWN_MODES = new Set(['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE']);

export function costLines(impact: Impact): string[] {
  const locks = (impact.locks ?? []).filter((l) => SHOWN_MODES.has(l.mode));
  const lines = describeCost(locks, impact.rewrites ?? []);
  for (const loss of impact.data?.up ?? []) {
    lines.push(
      loss.what === 'column dropped'
        ? `⚠️ drops ${loss.table}.${loss.column ?? ''} (${loss.rows} value(s))`
        : loss.what === 'table dropped'
          ? `⚠️ drops ${loss.table} (${loss.rows} row(s))`
          : `⚠️ deletes ${loss.rows} row(s) of ${loss.table}`,
    );
  }
  lines.push(...(impact.notes ?? []));
  return lines;
}
