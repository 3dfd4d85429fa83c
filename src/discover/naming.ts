/** What the naming pattern reads from a migration name. */
export interface ParsedName {
  /** True when the name matches the pattern. */
  matches: boolean;
  /**
   * The `timestamp` group (its digits only: `2019-02-26-002946` reads `20190226002946`), else the `version`
   * group, else null.
   */
  version: string | null;
  /** True when the version came from a `timestamp` group (checked as a UTC date-time). */
  isTimestamp: boolean;
  slug: string | null;
}

/** Reads version and slug from a migration name with the configured naming pattern. */
export function parseName(name: string, pattern: RegExp): ParsedName {
  const match = pattern.exec(name);
  if (!match) return { matches: false, version: null, isTimestamp: false, slug: null };
  const groups = match.groups ?? {};
  const timestamp = groups.timestamp?.replace(/\D/g, '') ?? null;
  const version = timestamp ?? groups.version ?? null;
  return { matches: true, version, isTimestamp: timestamp !== null, slug: groups.slug ?? null };
}

/**
 * Compares two versions numerically (digit strings of any length; dotted versions such as Flyway's `1.2.10`
 * or `1_2` part by part), falling back to text order.
 */
export function compareVersions(a: string, b: string): number {
  if (DOTTED.test(a) && DOTTED.test(b)) {
    const [xs, ys] = [a.split(/[._]/), b.split(/[._]/)];
    for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
      const order = compareDigits(xs[i] ?? '0', ys[i] ?? '0');
      if (order !== 0) return order;
    }
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

const DOTTED = /^\d+(?:[._]\d+)*$/;

function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Reads a 12-digit (minute) or 14-digit (second) timestamp as a UTC date.
 * Returns null when the digits are not a real date-time (month 13, 31 February, hour 24…).
 */
export function timestampToDate(timestamp: string): Date | null {
  if (!/^\d{12}(\d{2})?$/.test(timestamp)) return null;
  const n = (from: number, len: number) => Number(timestamp.slice(from, from + len));
  const [year, month, day, hour, minute] = [n(0, 4), n(4, 2), n(6, 2), n(8, 2), n(10, 2)];
  const second = timestamp.length === 14 ? n(12, 2) : 0;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const valid =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return valid ? date : null;
}

/** Formats a date as the 12-digit UTC timestamp `YYYYMMDDHHMM` (14 digits with `seconds`). */
export function formatTimestamp(date: Date, seconds = false): string {
  const pad = (v: number, len = 2) => String(v).padStart(len, '0');
  const base =
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes());
  return seconds ? base + pad(date.getUTCSeconds()) : base;
}
