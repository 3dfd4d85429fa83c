import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { redactUrl } from '../../redact.js';
import { GateError } from '../../types.js';
import type { DatabaseInfo } from '../../types.js';
import type { DatabaseProvider, ScratchDatabase } from '../types.js';

/** Prefix of every scratch database the gate creates. */
export const SCRATCH_PREFIX = 'migration_gate_';

const CONNECT_TIMEOUT_MS = 10_000;
const MAINTENANCE_QUERY_TIMEOUT_MS = 60_000;

/** Options of the server-URL provider. */
export interface UrlProviderOptions {
  /** Reported kind: `container` when the server is the gate's own container. */
  kind?: 'url' | 'container';
  /** Milliseconds to wait for a connection. */
  connectTimeoutMs?: number;
  /** Notes shown in the output. */
  notes?: string[];
}

/** The URL with its password replaced by `***` (safe for output). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return redactUrl(parsed.toString());
  } catch {
    return redactUrl(url);
  }
}

/** The password of a PostgreSQL URL (decoded), from its user part or its `password=` parameter, or null. */
function passwordOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.password) return decodeURIComponent(parsed.password);
    return parsed.searchParams.get('password') || null;
  } catch {
    return /^postgres(?:ql)?:\/\/[^:/@\s]*:([^@\s]*)@/i.exec(url)?.[1] ?? null;
  }
}

/**
 * Removes the password of `url` from a text: URL-shaped passwords always, and the bare password
 * wherever it occurs unless it is also the user or database name (which the output shows anyway).
 */
export function scrubSecrets(text: string, url: string): string {
  let out = redactUrl(text);
  const password = passwordOf(url);
  if (password && password.length >= 3) {
    let user = '';
    let database = '';
    try {
      const parsed = new URL(url);
      user = decodeURIComponent(parsed.username);
      database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    } catch {
      // keep scrubbing the bare password
    }
    if (password !== user && password !== database) {
      out = out.split(password).join('***');
      const encoded = encodeURIComponent(password);
      if (encoded !== password) out = out.split(encoded).join('***');
    }
  }
  return out;
}

/** One line describing any thrown value (node-postgres raises AggregateErrors with an empty message). */
export function errorText(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    const inner = error.errors.map((e) => errorText(e)).filter(Boolean);
    return [...new Set(inner)].join('; ') || 'connection failed';
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message || (typeof code === 'string' ? code : error.name);
    return message.split('\n')[0] ?? message;
  }
  return String(error);
}

/** The URL of database `name` on the same server (user, password, host and parameters kept). */
export function urlForDatabase(url: string, name: string): string {
  try {
    const parsed = new URL(url);
    parsed.pathname = `/${encodeURIComponent(name)}`;
    return parsed.toString();
  } catch {
    const match = /^(postgres(?:ql)?:\/\/[^/?#]*)(\/[^?#]*)?(.*)$/i.exec(url);
    if (!match) return url;
    return `${match[1]}/${encodeURIComponent(name)}${match[3] ?? ''}`;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A new scratch database name: `migration_gate_` + 12 random characters. */
export function scratchName(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(12);
  let suffix = '';
  for (const b of bytes) suffix += alphabet[b % alphabet.length];
  return SCRATCH_PREFIX + suffix;
}

/** Ends a session without waiting more than a moment on a server that no longer answers. */
export async function endClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 2_000);
    }),
  ]);
  clearTimeout(timer);
}

/** A connected node-postgres client that never crashes the process on a dropped connection. */
export async function connectClient(
  connectionString: string,
  options: { connectTimeoutMs?: number; queryTimeoutMs?: number; what: string },
): Promise<pg.Client> {
  let client: pg.Client;
  try {
    client = new pg.Client({
      connectionString,
      connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    });
  } catch (error) {
    throw new GateError(
      scrubSecrets(
        `cannot connect to ${options.what} at ${displayUrl(connectionString)}: ${errorText(error)} ` +
          '(percent-encode characters such as / @ : # ? in the user name and password)',
        connectionString,
      ),
      { cause: error },
    );
  }
  // A terminated session emits 'error' on an idle client; the next query reports it instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new GateError(
      scrubSecrets(
        `cannot connect to ${options.what} at ${displayUrl(connectionString)}: ${errorText(error)}`,
        connectionString,
      ),
      { cause: error },
    );
  }
  return client;
}

/**
 * Scratch databases on a PostgreSQL server reached by URL. The URL's database is only the maintenance
 * connection; every migration runs in a `migration_gate_<random>` database created here and dropped at the end.
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

  constructor(
    private readonly url: string,
    options: UrlProviderOptions = {},
  ) {
    this.kind = options.kind ?? 'url';
    this.notes = options.notes ?? [];
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  }

  /** The server URL with the password hidden. */
  get displayUrl(): string {
    return displayUrl(this.url);
  }

  async start(): Promise<DatabaseInfo> {
    if (this.info) return this.info;
    const client = await this.maintenanceClient();
    const row = await this.query<{
      role: string;
      rolcreatedb: boolean;
      rolsuper: boolean;
      version: string;
      num: string;
    }>(
      client,
      `SELECT current_user AS role, r.rolcreatedb, r.rolsuper,
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
    this.versionNum = Number(me.num);
    this.info = { provider: this.kind, serverVersion: me.version.split(' ')[0] ?? me.version };
    return this.info;
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
    for (let attempt = 0; ; attempt++) {
      const name = scratchName();
      const creation = client.query(
        `CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}`,
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
      const scratch = new UrlScratch(this, name, urlForDatabase(this.url, name), this.connectTimeoutMs);
      this.live.set(name, scratch);
      // A throwaway database needs no durable commits: each migration's COMMIT then skips the WAL flush.
      await client
        .query(`ALTER DATABASE ${quoteIdent(name)} SET synchronous_commit = off`)
        .catch((error: unknown) => {
          throw this.gateError(`cannot configure the scratch database ${name}`, error);
        });
      return scratch;
    }
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
    const client = this.maintenance;
    this.maintenance = null;
    if (client) await client.end().catch(() => undefined);
    if (left.length > 0) {
      throw new GateError(
        scrubSecrets(`could not drop the scratch database(s) ${left.join(', ')}: ${reason}`, this.url),
      );
    }
  }

  /** Terminates every other session on database `name`. */
  async terminate(name: string): Promise<void> {
    const client = await this.maintenanceClient();
    await this.query(
      client,
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
  }

  /** Drops database `name` (sessions on it are terminated first). */
  async dropDatabase(name: string): Promise<void> {
    const client = await this.maintenanceClient();
    if (this.versionNum >= 130000) {
      await this.query(client, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    } else {
      await this.terminate(name);
      await this.query(client, `DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
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

class UrlScratch implements ScratchDatabase {
  readonly displayUrl: string;
  private dropped = false;
  private dropping: Promise<void> | null = null;

  constructor(
    private readonly provider: UrlProvider,
    readonly name: string,
    readonly url: string,
    private readonly connectTimeoutMs: number,
  ) {
    this.displayUrl = displayUrl(url);
  }

  async connect(): Promise<pg.Client> {
    if (this.dropped) throw new GateError(`the scratch database ${this.name} was dropped`);
    return connectClient(this.url, { connectTimeoutMs: this.connectTimeoutMs, what: 'the scratch database' });
  }

  async terminateSessions(): Promise<void> {
    if (!this.dropped) await this.provider.terminate(this.name);
  }

  drop(): Promise<void> {
    this.dropping ??= this.provider.dropDatabase(this.name).then(
      () => {
        this.dropped = true;
      },
      (error: unknown) => {
        this.dropping = null;
        throw error;
      },
    );
    return this.dropping;
  }
}
