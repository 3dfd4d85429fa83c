import type { Migration } from '../types.js';
import { splitStatements } from './sql-split.js';

/**
 * Statements PostgreSQL refuses inside a transaction block ("cannot run inside a transaction block"), by
 * their first words, with how a finding or note names them.
 */
const NO_TRANSACTION: { pattern: RegExp; label: string }[] = [
  { pattern: /^create\s+(?:unique\s+)?index\s+concurrently\b/i, label: 'CREATE INDEX CONCURRENTLY' },
  { pattern: /^drop\s+index\s+concurrently\b/i, label: 'DROP INDEX CONCURRENTLY' },
  {
    pattern: /^reindex\b(?:\s*\([^)]*\))?\s+(?:index|table|schema|database|system)\s+concurrently\b/i,
    label: 'REINDEX … CONCURRENTLY',
  },
  { pattern: /^reindex\b(?:\s*\([^)]*\))?\s+(?:database|system)\b/i, label: 'REINDEX DATABASE' },
  {
    pattern: /^alter\s+table\b[^;]*\bdetach\s+partition\b[^;]*\bconcurrently\b/i,
    label: 'DETACH PARTITION … CONCURRENTLY',
  },
  { pattern: /^vacuum\b/i, label: 'VACUUM' },
  { pattern: /^(?:create|drop)\s+database\b/i, label: 'CREATE/DROP DATABASE' },
  { pattern: /^alter\s+database\b[^;]*\bset\s+tablespace\b/i, label: 'ALTER DATABASE … SET TABLESPACE' },
  { pattern: /^(?:create|drop)\s+tablespace\b/i, label: 'CREATE/DROP TABLESPACE' },
  { pattern: /^alter\s+system\b/i, label: 'ALTER SYSTEM' },
  { pattern: /^(?:create|drop)\s+subscription\b/i, label: 'CREATE/DROP SUBSCRIPTION' },
];

/** A statement that cannot run inside a transaction block, with its file line. */
export interface NoTransactionStatement {
  label: string;
  line: number;
}

/** The first statement of `sql` that cannot run inside a transaction block, or null. */
export function noTransactionStatement(sql: string, startLine = 1): NoTransactionStatement | null {
  // Cheap before the split: every such statement names one of these words.
  if (!/concurrently|vacuum|database|tablespace|system|subscription/i.test(sql)) return null;
  for (const statement of splitStatements(sql, startLine)) {
    const found = NO_TRANSACTION.find((s) => s.pattern.test(statement.text));
    if (found) return { label: found.label, line: statement.line };
  }
  return null;
}

/** sqlx's opt-out: a file whose first line is `-- no-transaction` runs without a transaction. */
export function sqlxNoTransaction(text: string): boolean {
  return /^--\s*no-transaction\s*(?:\r?\n|$)/.test(text);
}

const detected = new WeakMap<Migration, string>();

/**
 * For layouts whose own runner wraps no transaction around a file it cannot run in one (golang-migrate pairs,
 * Flyway): sqlx's first line `-- no-transaction`, or a statement that cannot run inside a transaction block,
 * makes the migration run outside a transaction, statement by statement. The second is remembered for a note
 * (see `noTransactionNote`).
 */
export function detectNoTransaction(m: Migration): void {
  if ([m.up, m.down].some((part) => part && sqlxNoTransaction(part.text))) {
    m.transaction = false;
    return;
  }
  if (!m.transaction) return;
  for (const part of [m.up, m.down]) {
    if (!part || part.empty) continue;
    const found = noTransactionStatement(part.text, part.startLine);
    if (found) {
      m.transaction = false;
      detected.set(
        m,
        `${part.path}:${found.line}: ${found.label} cannot run inside a transaction block, so '${m.name}' runs ` +
          `outside one, statement by statement`,
      );
      return;
    }
  }
}

/** Why discovery made `m` run outside a transaction on its own, when it did. */
export function noTransactionNote(m: Migration): string | null {
  return detected.get(m) ?? null;
}
