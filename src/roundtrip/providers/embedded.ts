import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import { GateError, errorText } from '../../types.js';
import type { DatabaseInfo } from '../../types.js';
import type { DatabaseProvider, ScratchDatabase } from '../types.js';
import { connectClient, scratchName } from './url.js';

const START_TIMEOUT_MS = 60_000;

/** What the output says about the embedded database. */
export const EMBEDDED_NOTE =
  'embedded PostgreSQL (PGlite, WebAssembly): extensions must be loaded when it is created ' +
  '(available: btree_gist, citext, hstore, ltree, pg_trgm, pgcrypto, uuid-ossp); it serves one connection at a time; ' +
  'step timeouts are enforced by the gate, not by statement_timeout';

/**
 * The worker's entry: the compiled `.js` next to this module (in `lib/`, or the worker bundle next to the
 * engine bundle), or the `.ts` source when run from `src/`. `webpackIgnore` keeps the bundler from
 * replacing the URL with a copy of the unbundled file.
 */
export function workerEntry(): URL {
  const compiled = new URL(/* webpackIgnore: true */ './embedded-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return compiled;
  return new URL(/* webpackIgnore: true */ './embedded-worker.ts', import.meta.url);
}

interface ReadyMessage {
  type: 'ready';
  port: number;
  serverVersion: string;
}

/** One PGlite instance in its own worker thread, served on a loopback port. */
class EmbeddedInstance {
  private exited = false;
  private readonly exitPromise: Promise<void>;

  private constructor(
    readonly worker: Worker,
    readonly port: number,
    readonly serverVersion: string,
  ) {
    this.exitPromise = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.once('exit', () => {
      this.exited = true;
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  static async spawn(dataDir: Uint8Array | null): Promise<EmbeddedInstance> {
    const worker = new Worker(workerEntry(), {
      workerData: { dataDir },
      stdout: true,
      stderr: true,
    });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 20) output.shift();
    };
    worker.stdout.on('data', keep);
    worker.stderr.on('data', keep);
    return new Promise<EmbeddedInstance>((resolve, reject) => {
      const fail = (reason: string) => {
        clearTimeout(timer);
        void worker.terminate();
        const tail = output.join('').trim().split('\n').pop();
        reject(new GateError(`the embedded database did not start: ${reason}${tail ? ` (${tail})` : ''}`));
      };
      const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
      worker.once('error', (error) => fail(errorText(error)));
      worker.once('exit', (code) => fail(`its worker exited with code ${code}`));
      worker.once('message', (message: ReadyMessage | { type: 'error'; message: string }) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          worker.removeAllListeners('exit');
          worker.removeAllListeners('error');
          worker.on('error', () => undefined);
          resolve(new EmbeddedInstance(worker, message.port, message.serverVersion));
        } else {
          fail(message.message);
        }
      });
    });
  }

  /** The data directory as an uncompressed tar. */
  async dump(): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: { type: string; data?: Uint8Array; message?: string }) => {
        if (message.type === 'dump' && message.data) {
          this.worker.off('message', onMessage);
          resolve(message.data);
        } else if (message.type === 'error') {
          this.worker.off('message', onMessage);
          reject(
            new GateError(`the embedded database could not copy its data directory: ${message.message}`),
          );
        }
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage({ type: 'dump' });
    });
  }

  async terminate(): Promise<void> {
    if (this.exited) return;
    await this.worker.terminate();
    await this.exitPromise;
  }
}

class EmbeddedScratch implements ScratchDatabase {
  readonly url: string;
  readonly displayUrl: string;
  private dropped = false;

  constructor(
    private readonly provider: EmbeddedProvider,
    readonly name: string,
    private readonly instance: EmbeddedInstance,
  ) {
    // PGlite accepts any user, password and database name; it serves its one database.
    this.url = `postgresql://postgres:postgres@127.0.0.1:${instance.port}/postgres`;
    this.displayUrl = `postgresql://postgres:***@127.0.0.1:${instance.port}/postgres`;
  }

  async connect(): Promise<pg.Client> {
    if (this.dropped || !this.instance.alive) {
      throw new GateError(
        `the embedded database ${this.name} is gone (it was stopped after a timeout or a crash)`,
      );
    }
    return connectClient(this.url, { what: 'the embedded database' });
  }

  /** The only way to stop PGlite mid-statement: the worker ends, and this database with it. */
  async terminateSessions(): Promise<void> {
    await this.instance.terminate();
  }

  async drop(): Promise<void> {
    if (this.dropped) return;
    this.dropped = true;
    await this.instance.terminate();
    this.provider.forget(this);
  }
}

/**
 * PGlite (PostgreSQL in WebAssembly) in worker threads. Every scratch database is its own instance; after the
 * first, instances start from a copy of a pristine data directory, which skips initdb.
 */
export class EmbeddedProvider implements DatabaseProvider {
  readonly kind = 'embedded' as const;
  readonly notes: string[] = [EMBEDDED_NOTE];
  private info: DatabaseInfo | null = null;
  private starting: Promise<DatabaseInfo> | null = null;
  private pristine: Uint8Array | null = null;
  private spare: EmbeddedInstance | null = null;
  private readonly live = new Set<EmbeddedScratch>();

  async start(): Promise<DatabaseInfo> {
    if (this.info) return this.info;
    this.starting ??= (async () => {
      const first = await EmbeddedInstance.spawn(null);
      try {
        this.pristine = await first.dump();
      } catch (error) {
        await first.terminate();
        throw error;
      }
      this.spare = first;
      this.info = { provider: 'embedded', serverVersion: first.serverVersion };
      return this.info;
    })();
    try {
      return await this.starting;
    } finally {
      this.starting = null;
    }
  }

  async createScratch(): Promise<ScratchDatabase> {
    await this.start();
    let instance = this.spare;
    this.spare = null;
    if (!instance || !instance.alive) instance = await EmbeddedInstance.spawn(this.pristine);
    const scratch = new EmbeddedScratch(this, scratchName(), instance);
    this.live.add(scratch);
    return scratch;
  }

  /** Called by a scratch database once it is dropped. */
  forget(scratch: EmbeddedScratch): void {
    this.live.delete(scratch);
  }

  async close(): Promise<void> {
    const spare = this.spare;
    this.spare = null;
    await Promise.all([...[...this.live].map((s) => s.drop()), spare?.terminate()]);
    this.pristine = null;
  }
}
