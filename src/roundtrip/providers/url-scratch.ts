import type pg from 'pg';
import { GateError } from '../../types.js';
import type { ScratchDatabase, StepAccess } from '../types.js';
import { connectClient, displayUrl, urlForDatabase, urlWithLogin } from './pg-connect.js';
import type { RunRole } from './server-objects.js';

/** What a scratch database needs of the provider that created it. */
export interface ScratchServer {
  terminate(name: string, role: string | null): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  watchStep<T>(label: string, step: () => Promise<T>): Promise<T>;
}

/** A scratch database on a server reached by URL. */
export class UrlScratch implements ScratchDatabase {
  readonly url: string;
  readonly displayUrl: string;
  private readonly adminUrl: string;
  private dropped = false;
  private dropping: Promise<void> | null = null;

  constructor(
    private readonly provider: ScratchServer,
    readonly name: string,
    serverUrl: string,
    readonly access: StepAccess,
    private readonly role: RunRole | null,
    private readonly connectTimeoutMs: number,
  ) {
    this.adminUrl = urlForDatabase(serverUrl, name);
    this.url = role ? urlWithLogin(this.adminUrl, role.name, role.password) : this.adminUrl;
    this.displayUrl = displayUrl(this.url);
    if (role) this.connectAdmin = () => this.open(this.adminUrl, 'the scratch database (bookkeeping)');
  }

  /** With a role of the run's own: a session as the URL's role, for the gate's storage and snapshots. */
  readonly connectAdmin?: () => Promise<pg.Client>;

  async connect(): Promise<pg.Client> {
    return this.open(this.url, 'the scratch database');
  }

  private async open(url: string, what: string): Promise<pg.Client> {
    if (this.dropped) throw new GateError(`the scratch database ${this.name} was dropped`);
    return connectClient(url, { connectTimeoutMs: this.connectTimeoutMs, what });
  }

  watchStep<T>(label: string, step: () => Promise<T>): Promise<T> {
    return this.provider.watchStep(label, step);
  }

  async terminateSessions(): Promise<void> {
    // The steps' sessions: every session of the run's own role (a module may have opened more), else every
    // session on this database.
    if (!this.dropped) await this.provider.terminate(this.name, this.role?.name ?? null);
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
