import pg from 'pg';
import { addSecret, registerUrlPassword } from '../../redact.js';
import { GateError, errorText } from '../../types.js';
import type { DatabaseInfo } from '../../types.js';
import type { DatabaseProvider, ScratchDatabase, StepAccess } from '../types.js';
import { CONNECT_TIMEOUT_MS, connectClient, displayUrl, scratchName, scrubSecrets } from './pg-connect.js';
import {
  ClusterTracker,
  createRunRole,
  creationComment,
  dropDatabase,
  dropRole,
  dropStale,
  lockServer,
} from './server-objects.js';
import type { RunRole } from './server-objects.js';
import { UrlScratch } from './url-scratch.js';
import { quoteIdent } from '../sql-text.js';

export {
  SCRATCH_PREFIX,
  connectClient,
  displayUrl,
  endClient,
  scratchName,
  scrubSecrets,
  urlForDatabase,
} from './pg-connect.js';

const MAINTENANCE_QUERY_TIMEOUT_MS = 60_000;
const DEFAULT_STALE_AFTER_HOURS = 6;

/** Options of the server-URL provider. */
export interface UrlProviderOptions {
  /** Reported kind: `container` when the server is the gate's own container. */
  kind?: 'url' | 'container';
  /**
   * Run the migration steps as the URL's role (default for `container`, whose server is thrown away) instead of
   * a role of the run's own that can change nothing but its scratch database.
   */
  privileged?: boolean;
  /** Scratch databases and roles of earlier runs older than this are dropped at start (default 6 hours). */
  staleAfterHours?: number;
  /** Milliseconds to wait for a connection. */
  connectTimeoutMs?: number;
  /** Notes shown in the output. */
  notes?: string[];
  /** Clock for the creation comments and the age of leftovers (tests). */
  now?: () => Date;
}

/**
 * Scratch databases on a PostgreSQL server reached by URL. The URL's database is only the maintenance
 * connection; every migration runs in a `migration_gate_<random>` database created here and dropped at the end,
 * as a login role of the run's own that owns the scratch database and nothing else (unless `privileged`).
 */
export class UrlProvider implements DatabaseProvider {
  readonly kind: DatabaseInfo['provider'];
  readonly notes: string[];
  private maintenance: pg.Client | null = null;
  private maintenanceBroken = false;
  private versionNum = 0;
  private info: DatabaseInfo | null = null;
  private readonly live = new Map<string, UrlScratch>();
  /** `CREATE DATABASE` statements the server may still be running. */
  private readonly creating = new Set<Promise<unknown>>();
  private readonly connectTimeoutMs: number;
  private readonly privileged: boolean;
  private readonly staleAfterHours: number;
  private readonly now: () => Date;
  /** The role the steps run as: the run's own, or the URL's when privileged. */
  private access: StepAccess | null = null;
  private role: RunRole | null = null;
  private tracker: ClusterTracker | null = null;
  /** The server lock is held by the maintenance session: taken again when that session is replaced. */
  private locked = false;

  constructor(
    private readonly url: string,
    options: UrlProviderOptions = {},
  ) {
    this.kind = options.kind ?? 'url';
    this.notes = options.notes ?? [];
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.privileged = options.privileged ?? this.kind === 'container';
    this.staleAfterHours = options.staleAfterHours ?? DEFAULT_STALE_AFTER_HOURS;
    this.now = options.now ?? (() => new Date());
    registerUrlPassword(url);
  }

  /** The server URL with the password hidden. */
  get displayUrl(): string {
    return displayUrl(this.url);
  }

  /** The run's own role, while it exists (null when privileged). */
  get runRole(): string | null {
    return this.role?.name ?? null;
  }

  async start(): Promise<DatabaseInfo> {
    if (this.info) return this.info;
    const client = await this.maintenanceClient();
    const row = await this.query<{
      role: string;
      rolcreatedb: boolean;
      rolcreaterole: boolean;
      rolsuper: boolean;
      version: string;
      num: string;
    }>(
      client,
      `SELECT current_user AS role, r.rolcreatedb, r.rolcreaterole, r.rolsuper,
              current_setting('server_version') AS version, current_setting('server_version_num') AS num
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    const me = row.rows[0];
    if (!me) throw new GateError(`cannot read the current role at ${this.displayUrl}`);
    if (!me.rolcreatedb && !me.rolsuper) {
      await this.close();
      throw new GateError(
        `the role '${me.role}' may not create databases: migration-gate needs a scratch database of its own ` +
          `(grant CREATEDB, or use --database embedded)`,
      );
    }
    if (!this.privileged && !me.rolcreaterole && !me.rolsuper) {
      await this.close();
      throw new GateError(
        `the role '${me.role}' may not create roles: on a server, migration-gate runs the migrations as a role of ` +
          `the run's own that can change only its scratch database (grant CREATEROLE, or set privileged: true ` +
          `to run them as '${me.role}')`,
      );
    }
    this.versionNum = Number(me.num);
    const waited = await this.lock(client);
    if (waited >= 1_000) {
      this.notes.push(
        `waited ${Math.round(waited / 1000)} s for ${this.privileged ? 'the other runs' : 'a privileged run'} ` +
          `of migration-gate on this server`,
      );
    }
    await this.dropLeftovers(client);
    if (this.privileged) {
      this.access = { role: me.role, restricted: false };
      this.tracker = new ClusterTracker(() => this.maintenanceClient(), this.notes);
      if (this.kind === 'url') {
        this.notes.push(
          `privileged: the migrations ran as the server URL's role '${me.role}', not as a role of the run's own: ` +
            `they could change the whole server (other databases, roles, settings), not only the scratch database`,
        );
      }
    } else {
      try {
        this.role = await createRunRole(client, this.now());
      } catch (error) {
        throw this.gateError('cannot create the role the migrations run as', error);
      }
      addSecret(this.role.password);
      this.access = { role: this.role.name, restricted: true };
    }
    this.info = { provider: this.kind, serverVersion: me.version.split(' ')[0] ?? me.version };
    return this.info;
  }

  private async lock(client: pg.Client): Promise<number> {
    try {
      const waited = await lockServer(client, this.privileged);
      this.locked = true;
      return waited;
    } catch (error) {
      throw this.gateError('cannot take the server lock', error);
    }
  }

  /** Drops the gate's own databases and roles left by earlier runs, older than the configured age. */
  private async dropLeftovers(client: pg.Client): Promise<void> {
    let cleanup;
    try {
      cleanup = await dropStale(client, this.staleAfterHours, this.now(), this.versionNum);
    } catch (error) {
      this.notes.push(
        scrubSecrets(`could not look for leftovers of earlier runs: ${errorText(error)}`, this.url),
      );
      return;
    }
    const age = `older than ${this.staleAfterHours} h`;
    if (cleanup.dropped.length > 0) {
      this.notes.push(
        `dropped ${cleanup.dropped.length} leftover(s) of earlier runs on this server (${age}): ${cleanup.dropped.join(', ')}`,
      );
    }
    if (cleanup.failed.length > 0) {
      this.notes.push(
        scrubSecrets(
          `could not drop leftovers of earlier runs (${age}): ${cleanup.failed.join('; ')}`,
          this.url,
        ),
      );
    }
  }

  async createScratch(): Promise<ScratchDatabase> {
    return this.create(null);
  }

  /** `CREATE DATABASE … TEMPLATE`: a copy of one of this provider's scratch databases. */
  async copyScratch(source: ScratchDatabase): Promise<ScratchDatabase> {
    if (this.live.get(source.name) !== source) {
      throw new GateError(`${source.name} is not a live scratch database of this server`);
    }
    return this.create(source.name);
  }

  private async create(template: string | null): Promise<ScratchDatabase> {
    await this.start();
    const client = await this.maintenanceClient();
    const owner = this.role ? ` OWNER ${quoteIdent(this.role.name)}` : '';
    for (let attempt = 0; ; attempt++) {
      const name = scratchName();
      const creation = client.query(
        `CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}${owner}`,
      );
      this.creating.add(creation);
      try {
        await creation;
      } catch (error) {
        if ((error as { code?: string }).code === '42P04' && attempt < 3) continue;
        throw this.gateError(`cannot create the scratch database ${name}`, error);
      } finally {
        this.creating.delete(creation);
      }
      const scratch = new UrlScratch(this, name, this.url, this.access!, this.role, this.connectTimeoutMs);
      this.live.set(name, scratch);
      // The comment dates it for the leftover cleanup of later runs. A throwaway database needs no durable
      // commits: each migration's COMMIT then skips the WAL flush.
      await client
        .query(
          `COMMENT ON DATABASE ${quoteIdent(name)} IS ${pg.escapeLiteral(creationComment(this.now()))};
           ALTER DATABASE ${quoteIdent(name)} SET synchronous_commit = off`,
        )
        .catch((error: unknown) => {
          throw this.gateError(`cannot configure the scratch database ${name}`, error);
        });
      return scratch;
    }
  }

  /** Runs one step, noting the roles, tablespaces and server settings it creates (privileged runs only). */
  watchStep<T>(label: string, step: () => Promise<T>): Promise<T> {
    return this.tracker ? this.tracker.watch(label, step) : step();
  }

  async close(): Promise<void> {
    // A database being created (say, when SIGINT arrives) exists once the server finishes: wait for it, so that
    // it is live, and dropped below, instead of created after the drops and left behind.
    if (this.creating.size > 0) await Promise.allSettled([...this.creating]);
    const left: string[] = [];
    let reason: string | null = null;
    for (const scratch of [...this.live.values()]) {
      // After one failure the server is most likely gone: do not wait on it once per database.
      if (reason !== null) {
        left.push(scratch.name);
        continue;
      }
      try {
        await scratch.drop();
      } catch (error) {
        left.push(scratch.name);
        reason = errorText(error);
      }
    }
    const problems: string[] = [];
    if (reason === null) {
      if (this.tracker) problems.push(...(await this.tracker.undo().catch((e: unknown) => [errorText(e)])));
      const role = this.role;
      if (role) {
        try {
          await dropRole(await this.maintenanceClient(), role.name);
          this.role = null;
        } catch (error) {
          problems.push(`role ${role.name}: ${errorText(error)}`);
        }
      }
    } else if (this.role) {
      problems.push(`role ${this.role.name}`);
    }
    const client = this.maintenance;
    this.maintenance = null;
    this.locked = false;
    this.info = null;
    if (client) await client.end().catch(() => undefined);
    const messages = [
      ...(left.length > 0 ? [`could not drop the scratch database(s) ${left.join(', ')}: ${reason}`] : []),
      ...(problems.length > 0 ? [`could not remove ${problems.join('; ')}`] : []),
    ];
    if (messages.length > 0) throw new GateError(scrubSecrets(messages.join('; '), this.url));
  }

  /** Terminates every session on database `name` (or, with `role`, every session of that role). */
  async terminate(name: string, role: string | null = null): Promise<void> {
    const client = await this.maintenanceClient();
    await this.query(
      client,
      role
        ? 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()'
        : 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [role ?? name],
    );
  }

  /** Drops database `name` (sessions on it are terminated first). */
  async dropDatabase(name: string): Promise<void> {
    const client = await this.maintenanceClient();
    try {
      await dropDatabase(client, name, this.versionNum);
    } catch (error) {
      if (!(error as { code?: string }).code) this.maintenanceBroken = true;
      throw this.gateError('PostgreSQL failed', error);
    }
    this.live.delete(name);
  }

  private async maintenanceClient(): Promise<pg.Client> {
    if (this.maintenance && !this.maintenanceBroken) return this.maintenance;
    if (this.maintenance) await this.maintenance.end().catch(() => undefined);
    this.maintenance = null;
    this.maintenanceBroken = false;
    const client = await connectClient(this.url, {
      connectTimeoutMs: this.connectTimeoutMs,
      queryTimeoutMs: MAINTENANCE_QUERY_TIMEOUT_MS,
      what: 'PostgreSQL',
    });
    client.on('error', () => {
      this.maintenanceBroken = true;
    });
    client.on('end', () => {
      this.maintenanceBroken = true;
    });
    this.maintenance = client;
    if (this.locked) await lockServer(client, this.privileged);
    return client;
  }

  private async query<R extends pg.QueryResultRow>(
    client: pg.Client,
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await client.query<R>(text, values);
    } catch (error) {
      if (!(error as { code?: string }).code) this.maintenanceBroken = true;
      throw this.gateError('PostgreSQL failed', error);
    }
  }

  private gateError(what: string, error: unknown): GateError {
    if (error instanceof GateError) return error;
    return new GateError(scrubSecrets(`${what} at ${this.displayUrl}: ${errorText(error)}`, this.url), {
      cause: error,
    });
  }
}
