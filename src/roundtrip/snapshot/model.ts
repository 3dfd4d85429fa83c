/**
 * The snapshot's data model: what a catalog snapshot holds and how each object kind is read.
 * A snapshot is plain data (no OIDs, no current values; column positions only beside the compared
 * properties), so two snapshots of the same schema compare equal whichever database, session or server run
 * produced them.
 */

/** Anything with node-postgres' query shape: `pg.Client`, `pg.PoolClient`, PGlite. */
export interface Queryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

/** Which cluster-wide objects a snapshot holds. */
export interface ClusterScope {
  /**
   * True when the steps run with rights over the whole server (privileged, a container, the embedded database):
   * roles, memberships, tablespaces, every database's and role's settings. False for a role of the run's own,
   * which can change nothing of these but the settings of its scratch database and of itself, so only those are
   * read (objects others create on a shared server meanwhile then cannot show up as the migration's).
   */
  full: boolean;
  /** The role the steps run as, shown as "the migration role"; null: the snapshot session's own role. */
  role: string | null;
  /** True when `ALTER SYSTEM` settings (`pg_file_settings`) are readable and part of the snapshot. */
  system: boolean;
}

/** What to leave out of a snapshot, besides system schemas and the gate's own `migration_gate` schema. */
export interface SnapshotOptions {
  /** Schema names whose objects are ignored. */
  excludeSchemas?: string[];
  /**
   * Tables ignored with everything attached to them (columns, constraints, indexes, triggers, policies,
   * owned sequences). Qualified (`public.alembic_version`); a name without a schema matches in every schema.
   */
  excludeTables?: string[];
  /** Cluster-wide objects to read too (roles, tablespaces, settings); none when absent. */
  cluster?: ClusterScope;
}

/** Object kinds a snapshot records, in the order differences are listed. */
export const OBJECT_KINDS = [
  'schema',
  'extension',
  'enum',
  'domain',
  'composite type',
  'range type',
  'sequence',
  'table',
  'column',
  'constraint',
  'index',
  'view',
  'materialized view',
  'function',
  'procedure',
  'aggregate',
  'trigger',
  'policy',
  'default privileges',
  'role',
  'role membership',
  'tablespace',
  'setting',
  'server setting',
] as const;

export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** The kinds read only with `SnapshotOptions.cluster`: objects of the whole server, not of one database. */
export const CLUSTER_KINDS: readonly ObjectKind[] = [
  'role',
  'role membership',
  'tablespace',
  'setting',
  'server setting',
];

/** A property value: scalars as the catalogs give them (numbers as text), sets as sorted arrays. */
export type PropValue = string | boolean | number | null | string[];

/** One schema object. */
export interface SchemaObject {
  kind: ObjectKind;
  /**
   * Qualified name, unquoted: `public.users` (table), `public.users.active` (column),
   * `public.orders.orders_amount_check` (constraint), `public.orders_created_at_idx` (index),
   * `public.total(integer, integer)` (function: identity signature).
   */
  name: string;
  /** Schema the object lives in; null for extensions and global default privileges. */
  schema: string | null;
  /** Qualified table (or view) the object belongs to, for columns, constraints, indexes, triggers, policies and owned sequences. */
  table: string | null;
  /** Short qualifier shown next to the name, e.g. `CHECK` for a constraint. */
  label?: string;
  /** Compared property by property; key order is the order differences are listed. */
  props: Record<string, PropValue>;
  /**
   * A column's place in its table (`attnum`: gaps where columns were dropped). Not compared with the
   * properties: only the `column-order` rule reads it, as the order of a table's columns.
   */
  position?: number;
}

/** Every object of the inspected database, keyed by `${kind} ${name}`. */
export interface Snapshot {
  objects: Map<string, SchemaObject>;
}

/** A catalog row as returned by an inspector's query. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CatalogRow = Record<string, any>;

/** Reads one object kind (or a family of kinds) with ONE catalog query. */
export interface Inspector {
  /** What the query reads, for error messages. */
  readonly what: string;
  readonly sql: string;
  toObject(row: CatalogRow): SchemaObject;
}

/** The key an object is stored under in `Snapshot.objects`. */
export function objectKey(kind: ObjectKind, name: string): string {
  return `${kind} ${name}`;
}
