/**
 * The measured part of a migration's impact in plain words: the locks its up held and the tables it rewrote
 * (`ACCESS EXCLUSIVE on public.orders — blocks reads and writes; public.orders rewritten`), what it destroyed of
 * the sample rows, and what could not be measured.
 */
import type { Impact } from '../types.js';

/** What each mode does to other sessions, in plain words. */
const BLOCKS: Record<string, string> = {
  'ACCESS SHARE': 'blocks only ACCESS EXCLUSIVE (schema changes)',
  'ROW SHARE': 'blocks EXCLUSIVE and ACCESS EXCLUSIVE, not reads or writes',
  'ROW EXCLUSIVE': 'blocks no reads or writes, only SHARE and stronger locks',
  'SHARE UPDATE EXCLUSIVE': 'blocks schema changes and VACUUM, not reads or writes',
  SHARE: 'blocks writes',
  'SHARE ROW EXCLUSIVE': 'blocks writes',
  EXCLUSIVE: 'blocks writes; reads go on',
  'ACCESS EXCLUSIVE': 'blocks reads and writes',
};

/** The impact note's words: `ACCESS EXCLUSIVE on public.orders — blocks reads and writes; public.orders rewritten`. */
function describeCost(locks: NonNullable<Impact['locks']>, rewrites: readonly string[]): string[] {
  return [
    ...locks.map((l) => `${l.mode} on ${l.relation} — ${BLOCKS[l.mode] ?? 'see the PostgreSQL lock table'}`),
    ...rewrites.map((t) => `${t} rewritten`),
  ];
}

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
