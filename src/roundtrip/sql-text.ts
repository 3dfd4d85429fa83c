/** Quoting for SQL text the gate writes itself (PostgreSQL and SQLite quote alike). */

/** A quoted identifier: `"name"`, inner quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A quoted string literal: `'value'`, inner quotes doubled (standard_conforming_strings). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
