/**
 * The catalog snapshot: every user-visible schema object of a PostgreSQL database as plain, comparable
 * data. One catalog query per object kind, run one after another on the given connection.
 */

import { GateError } from '../../types.js';
import { clusterInspectors } from './cluster.js';
import { columns } from './columns.js';
import { compositeTypes } from './composite-types.js';
import { constraints } from './constraints.js';
import { defaultPrivileges } from './default-privileges.js';
import { domains } from './domains.js';
import { enums } from './enums.js';
import { extensions } from './extensions.js';
import { functions } from './functions.js';
import { indexes } from './indexes.js';
import type { Inspector, Queryable, SchemaObject, Snapshot, SnapshotOptions } from './model.js';
import { objectKey } from './model.js';
import { policies } from './policies.js';
import { rangeTypes } from './range-types.js';
import { schemas } from './schemas.js';
import { sequences } from './sequences.js';
import { tables } from './tables.js';
import { triggers } from './triggers.js';
import { views } from './views.js';

export type {
  CatalogRow,
  Inspector,
  ObjectKind,
  PropValue,
  Queryable,
  SchemaObject,
  Snapshot,
  SnapshotOptions,
} from './model.js';
export { CLUSTER_KINDS, OBJECT_KINDS, objectKey } from './model.js';
export { clusterScope } from './cluster.js';
export type { ClusterScope } from './cluster.js';

/** Every inspector, in the order their queries run. */
export const INSPECTORS: readonly Inspector[] = [
  schemas,
  extensions,
  enums,
  domains,
  compositeTypes,
  rangeTypes,
  sequences,
  tables,
  columns,
  constraints,
  indexes,
  views,
  functions,
  triggers,
  policies,
  defaultPrivileges,
];

/**
 * Reads the schema of the database `db` is connected to. The session's `search_path` is emptied while
 * the catalogs are read (so definitions come out schema-qualified) and restored afterwards.
 * Throws `GateError` naming the object kind when a catalog query fails.
 */
export async function takeSnapshot(db: Queryable, options: SnapshotOptions = {}): Promise<Snapshot> {
  const excluded = exclusionFilter(options);
  const saved = await run(db, 'the search_path', "SELECT pg_catalog.current_setting('search_path') AS value");
  const searchPath = String(saved[0]?.value ?? '');
  await run(db, 'the search_path', "SELECT pg_catalog.set_config('search_path', '', false)");
  let objects: Map<string, SchemaObject>;
  try {
    const inspectors = options.cluster ? [...INSPECTORS, ...clusterInspectors(options.cluster)] : INSPECTORS;
    objects = await readObjects(db, inspectors, excluded);
  } catch (error) {
    await restoreSearchPath(db, searchPath).catch(() => undefined);
    throw error;
  }
  await restoreSearchPath(db, searchPath);
  return { objects };
}

async function readObjects(
  db: Queryable,
  inspectors: readonly Inspector[],
  excluded: (object: SchemaObject) => boolean,
): Promise<Map<string, SchemaObject>> {
  const objects = new Map<string, SchemaObject>();
  for (const inspector of inspectors) {
    const rows = await run(db, inspector.what, inspector.sql);
    for (const row of rows) {
      const object = inspector.toObject(row);
      if (!excluded(object)) objects.set(objectKey(object.kind, object.name), object);
    }
  }
  return objects;
}

async function restoreSearchPath(db: Queryable, searchPath: string): Promise<void> {
  try {
    await db.query("SELECT pg_catalog.set_config('search_path', $1, false)", [searchPath]);
  } catch (error) {
    throw readError('the search_path', error);
  }
}

async function run(db: Queryable, what: string, sql: string): Promise<Record<string, unknown>[]> {
  try {
    const result = await db.query(sql);
    return result.rows;
  } catch (error) {
    throw readError(what, error);
  }
}

function readError(what: string, error: unknown): GateError {
  const message = error instanceof Error ? error.message : String(error);
  return new GateError(`Could not read ${what} from the database catalogs: ${message}`, { cause: error });
}

function exclusionFilter(options: SnapshotOptions): (object: SchemaObject) => boolean {
  const schemaSet = new Set(options.excludeSchemas ?? []);
  const qualified = new Set<string>();
  const anySchema = new Set<string>();
  for (const name of options.excludeTables ?? []) {
    if (name.includes('.')) qualified.add(name);
    else anySchema.add(name);
  }
  return (object) => {
    if (object.schema !== null && schemaSet.has(object.schema)) return true;
    if (object.table === null) return false;
    if (qualified.has(object.table)) return true;
    return anySchema.size > 0 && anySchema.has(object.table.slice(object.table.indexOf('.') + 1));
  };
}
