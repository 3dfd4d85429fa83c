import type pg from 'pg';
import type { Umzug } from 'umzug';
import { GateError, errorText } from '../types.js';
import { registerCleanup } from './cleanup.js';
import { endClient } from './providers/url.js';
import { STORAGE_SQL } from './storage.js';
import type { DatabaseProvider, ScratchDatabase } from './types.js';

/** The scratch database of one directory, its session and its Umzug. */
export interface Scratch {
  db: ScratchDatabase;
  /** The steps' session. */
  client: pg.Client;
  /**
   * The gate's own session for its storage and snapshots: the server URL's role when the steps run as the run's
   * own role (which then cannot reach the storage), else the steps' session itself.
   */
  admin: pg.Client;
  umzug: Umzug<object>;
  /** Unregisters the signal cleanup that drops `db`. */
  release: () => void;
}

/** Builds the Umzug that runs a directory's migrations and keeps its log through `storage`. */
export type UmzugFactory = (storage: pg.Client) => Umzug<object>;

/** A fresh scratch database (or a copy of `from`) with its session, storage and Umzug. */
export async function openScratch(
  provider: DatabaseProvider,
  from: ScratchDatabase | null,
  umzugFor: UmzugFactory,
): Promise<Scratch> {
  const db = from ? await provider.copyScratch!(from) : await provider.createScratch();
  const release = registerCleanup(() => db.drop());
  try {
    return { ...(await attachScratch(db, umzugFor)), db, release };
  } catch (error) {
    await db.drop().catch(() => undefined);
    release();
    throw error;
  }
}

/** The sessions on `db` with the storage schema in place, and the Umzug that runs there. */
export async function attachScratch(
  db: ScratchDatabase,
  umzugFor: UmzugFactory,
): Promise<{ client: pg.Client; admin: pg.Client; umzug: Umzug<object> }> {
  const admin = db.connectAdmin ? await db.connectAdmin() : await db.connect();
  let client = admin;
  try {
    await admin.query(STORAGE_SQL);
    if (db.connectAdmin) client = await db.connect();
  } catch (error) {
    await endClient(admin);
    if (error instanceof GateError) throw error;
    throw new GateError(`cannot prepare the scratch database ${db.name}: ${errorText(error)}`, {
      cause: error,
    });
  }
  return { client, admin, umzug: umzugFor(admin) };
}

/** Ends the session and drops the database. */
export async function closeScratch(scratch: Scratch | null): Promise<void> {
  if (!scratch) return;
  await endClient(scratch.client);
  if (scratch.admin !== scratch.client) await endClient(scratch.admin);
  await scratch.db.drop();
  scratch.release();
}
