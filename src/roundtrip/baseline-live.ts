import path from 'node:path';
import pg from 'pg';
import type { GateConfig } from '../config/types.js';
import { GateError, type Finding, type MigrationSet, errorText } from '../types.js';
import { BOOKKEEPING_TABLES } from './baseline.js';
import { diffSnapshots } from './diff.js';
import { redactUrl } from '../redact.js';
import { endClient } from './providers/url.js';
import { takeSnapshot, type Snapshot } from './snapshot/index.js';
import { STORAGE_SCHEMA } from './storage.js';
import type { DatabaseProvider, ScratchDatabase } from './types.js';
import { applyFromEmpty, cannotCompare, driftFinding } from './from-empty.js';

/** What `baseline-database` names: a SQLite file (path or `sqlite:///` URL) or a PostgreSQL server URL. */
export type LiveDatabase = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string };

/** Reads the `baseline-database` setting; a SQLite path is relative to the working directory. */
export function liveDatabase(config: GateConfig): LiveDatabase | null {
  const spec = config.baselineDatabase?.trim();
  if (!spec) return null;
  if (/^postgres(ql)?:\/\//i.test(spec)) return { engine: 'postgres', url: spec };
  const sqlite = /^sqlite(?:\+\w+)?:\/\/\/(.*)$/i.exec(spec);
  if (sqlite) return { engine: 'sqlite', file: path.resolve(config.cwd, sqlite[1]!) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new GateError(
      `baseline-database must be a SQLite file, a sqlite:/// URL or a postgres:// URL, not ${spec.split(':')[0]}://…`,
    );
  }
  return { engine: 'sqlite', file: path.resolve(config.cwd, spec) };
}

/** How the live database is named in findings: a SQLite path as configured, a server URL without its password. */
export function liveName(config: GateConfig, live: LiveDatabase): string {
  if (live.engine === 'postgres') return redactUrl(live.url);
  const rel = path.relative(config.cwd, live.file).split(path.sep).join('/');
  return rel.startsWith('../') || path.isAbsolute(rel) ? live.file : rel;
}

/** Properties a live database's owners and grants give its objects: not a matter of the migrations. */
const ROLE_PROPS = ['owner', 'privileges'];

/** The snapshot without owners and privileges (the live database's roles are not the scratch database's). */
export function withoutRoles(snapshot: Snapshot): Snapshot {
  const objects = new Map(
    [...snapshot.objects].map(([key, o]) => {
      const props = Object.fromEntries(Object.entries(o.props).filter(([k]) => !ROLE_PROPS.includes(k)));
      return [key, { ...o, props }];
    }),
  );
  return { objects };
}

/**
 * Reads the schema of a live PostgreSQL database without writing: one session, one `READ ONLY` transaction
 * that only reads the catalogs, rolled back at the end.
 */
export async function readLivePostgres(
  url: string,
  read: (client: pg.Client) => Promise<Snapshot>,
): Promise<Snapshot> {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'migration-gate baseline (read only)',
  });
  try {
    await client.connect();
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET LOCAL lock_timeout = '5s'`);
    return await read(client);
  } catch (error) {
    throw new GateError(`cannot read baseline-database ${redactUrl(url)}: ${errorText(error)}`, {
      cause: error,
    });
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

/** The `baseline-drift` finding comparing the live database with every migration applied from empty, or none. */
export function liveDriftFindings(name: string, expected: Snapshot, actual: Snapshot): Finding[] {
  return driftFinding(name, `the baseline database ${name}`, diffSnapshots(expected, actual), {
    before: 'in the baseline database',
    after: 'after all migrations',
  });
}

/** What `checkLiveBaseline` needs from the PostgreSQL runner. */
export interface LiveBaselineOptions {
  provider: DatabaseProvider;
  sets: MigrationSet[];
  config: GateConfig;
  applyAll: (db: ScratchDatabase, set: MigrationSet) => Promise<void>;
}

/**
 * `baseline-drift` against a live PostgreSQL database (`baseline-database: postgres://…`): its schema, read in a
 * read-only transaction, must be the one every migration builds from empty on a scratch database. Owners and
 * privileges are left out (the live database's roles are not the run's); bookkeeping tables too.
 */
export async function checkLiveBaseline(opts: LiveBaselineOptions): Promise<Finding[]> {
  const live = liveDatabase(opts.config);
  if (!live) return [];
  const name = liveName(opts.config, live);
  if (live.engine !== 'postgres') {
    throw new GateError(
      `baseline-database ${name} is a SQLite file, but the migrations run on PostgreSQL: add --database sqlite`,
    );
  }
  const options = { excludeTables: BOOKKEEPING_TABLES, excludeSchemas: [STORAGE_SCHEMA] };
  const expected = withoutRoles(await readLivePostgres(live.url, (c) => takeSnapshot(c, options)));
  const db = await opts.provider.createScratch();
  try {
    const failed = await applyFromEmpty(opts.sets, db, opts.applyAll);
    if (failed) return cannotCompare(name, 'the baseline database', failed);
    const client = db.connectAdmin ? await db.connectAdmin() : await db.connect();
    let actual: Snapshot;
    try {
      actual = withoutRoles(await takeSnapshot(client, options));
    } finally {
      await endClient(client);
    }
    return liveDriftFindings(name, expected, actual);
  } finally {
    await db.drop();
  }
}
