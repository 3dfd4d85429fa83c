import type pg from 'pg';
import type { Umzug } from 'umzug';
import { GateError } from '../types.js';
import { registerCleanup } from './cleanup.js';
import { endClient, errorText } from './providers/url.js';
import { STORAGE_SQL } from './storage.js';
import type { DatabaseProvider, ScratchDatabase } from './types.js';

/** The scratch database of one directory, its session and its Umzug. */
export interface Scratch {
  db: ScratchDatabase;
  client: pg.Client;
  umzug: Umzug<object>;
  /** Unregisters the signal cleanup that drops `db`. */
  release: () => void;
}

/** Builds the Umzug that runs a directory's migrations and keeps its log through `client`. */
export type UmzugFactory = (client: pg.Client) => Umzug<object>;

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

/** A session on `db` with the storage schema in place, and the Umzug that runs there. */
export async function attachScratch(
  db: ScratchDatabase,
  umzugFor: UmzugFactory,
): Promise<{ client: pg.Client; umzug: Umzug<object> }> {
  const client = await db.connect();
  try {
    await client.query(STORAGE_SQL);
  } catch (error) {
    await endClient(client);
    throw new GateError(`cannot prepare the scratch database ${db.name}: ${errorText(error)}`, {
      cause: error,
    });
  }
  return { client, umzug: umzugFor(client) };
}

/** Ends the session and drops the database. */
export async function closeScratch(scratch: Scratch | null): Promise<void> {
  if (!scratch) return;
  await endClient(scratch.client);
  await scratch.db.drop();
  scratch.release();
}
