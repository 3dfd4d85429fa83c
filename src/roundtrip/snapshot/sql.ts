/**
 * SQL fragments and row helpers shared by the inspectors. Queries run with an empty `search_path`,
 * so every name the `pg_get_*` functions print comes out schema-qualified.
 */

import type { PropValue } from './model.js';

/**
 * Condition keeping user schemas only. Users cannot create `pg_*` schemas, so the prefix covers
 * `pg_catalog`, `pg_toast*` and `pg_temp*`.
 */
export function userSchema(nsp: string): string {
  return `${nsp}.nspname !~ '^pg_' AND ${nsp}.nspname NOT IN ('information_schema', 'migration_gate')`;
}

/** Condition dropping objects that belong to an extension (the extension itself is recorded instead). */
export function notExtensionMember(catalog: string, oid: string): string {
  return `NOT EXISTS (SELECT FROM pg_catalog.pg_depend ext WHERE ext.classid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND ext.objid = ${oid} AND ext.deptype = 'e')`;
}

/**
 * The comment on an object (sub-object 0 unless given), as a scalar subquery: one index probe per row,
 * whatever the number of comments in the database.
 */
export function commentOf(catalog: string, oid: string, subId = '0'): string {
  return `(SELECT d.description FROM pg_catalog.pg_description d WHERE d.objoid = ${oid} AND d.classoid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND d.objsubid = ${subId})`;
}

/**
 * Effective privileges as text, never null: an ACL left at its default equals the default written out,
 * so GRANT followed by REVOKE compares equal to never granting.
 */
export function aclText(acl: string, type: string, owner: string): string {
  return `COALESCE(${acl}, pg_catalog.acldefault('${type}', ${owner}))::pg_catalog.text[]`;
}

/** Code-point order, independent of any locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A text array from a row, sorted; an absent array is empty. */
export function sortedArray(value: unknown): string[] {
  return textArray(value).sort(compareText);
}

/** A text array from a row in catalog order; an absent array is empty. */
export function textArray(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) return [String(value)];
  return value.map((item) => String(item));
}

/** A nullable text column. */
export function text(value: unknown): PropValue {
  return value === null || value === undefined ? null : String(value);
}

/** A boolean column (drivers may hand back `t`/`f`). */
export function bool(value: unknown): boolean {
  return value === true || value === 't' || value === 'true';
}

/** `schema.name` for display and keys (identifiers unquoted). */
export function qualify(...parts: (string | null | undefined)[]): string {
  return parts.filter((part) => part !== null && part !== undefined).join('.');
}
