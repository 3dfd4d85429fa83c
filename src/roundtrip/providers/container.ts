import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { GateConfig } from '../../config/types.js';
import { GateError } from '../../types.js';
import type { DatabaseInfo } from '../../types.js';
import type { DatabaseProvider, ScratchDatabase } from '../types.js';
import { UrlProvider, errorText } from './url.js';

const PREFLIGHT_TIMEOUT_MS = 15_000;
const PING_TIMEOUT_MS = 1_500;

/** Unix sockets where Docker-compatible runtimes usually listen. */
export function candidateSockets(env: NodeJS.ProcessEnv = process.env): string[] {
  const sockets = [
    env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE,
    '/var/run/docker.sock',
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'docker.sock') : undefined,
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock') : undefined,
  ];
  return sockets.filter((s): s is string => Boolean(s));
}

/** True when a Docker-compatible API answers `/_ping` on this unix socket. */
export function pingDocker(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: PING_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * A fast answer to "does a Docker runtime answer here?": `DOCKER_HOST` set (the user configured one), or a
 * runtime socket that answers `/_ping`. Loads nothing of testcontainers.
 */
export async function dockerAnswers(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (env.DOCKER_HOST) return true;
  for (const socket of candidateSockets(env)) {
    if (existsSync(socket) && (await pingDocker(socket))) return true;
  }
  return false;
}

/** Everything the container provider asks of testcontainers. */
export interface ContainerOptions {
  image: string;
  username: string;
  password: string;
  /** The maintenance database (scratch databases are created next to it). */
  database: string;
  /** The server's command line: durability off, this database is thrown away. */
  command: string[];
  /** Wait until the image's health check (`pg_isready`) passes and the port listens. */
  waitStrategy: 'health-check-and-listening-ports';
  startupTimeoutMs: number;
  /** The environment the postgres image reads (as testcontainers sets it). */
  environment: Record<string, string>;
}

/** What the container provider passes to testcontainers for this configuration. */
export function containerOptions(
  config: GateConfig,
  password = randomBytes(12).toString('hex'),
): ContainerOptions {
  const username = 'migration_gate';
  const database = 'migration_gate';
  return {
    image: config.postgresImage,
    username,
    password,
    database,
    command: ['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    waitStrategy: 'health-check-and-listening-ports',
    startupTimeoutMs: 120_000,
    environment: { POSTGRES_USER: username, POSTGRES_PASSWORD: password, POSTGRES_DB: database },
  };
}

/** Where the runtime was looked for, for the one-line error. */
export function whereDockerWasLookedFor(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_HOST) return `DOCKER_HOST=${env.DOCKER_HOST} does not answer`;
  const present = candidateSockets(env).filter((s) => existsSync(s));
  if (present.length > 0) return `${present.join(', ')} does not answer`;
  return 'DOCKER_HOST is not set and there is no /var/run/docker.sock';
}

/** The one-line error when no container runtime answers. */
export function noDockerError(reason: string): GateError {
  return new GateError(`no Docker runtime found (${reason}): use --database embedded or a postgres:// URL`);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The unstarted testcontainers `PostgreSqlContainer` for these options (imports testcontainers). */
export async function buildContainer(options: ContainerOptions) {
  const [{ PostgreSqlContainer }, { Wait }] = await Promise.all([
    import('@testcontainers/postgresql'),
    import('testcontainers'),
  ]);
  return new PostgreSqlContainer(options.image)
    .withUsername(options.username)
    .withPassword(options.password)
    .withDatabase(options.database)
    .withCommand(options.command)
    .withWaitStrategy(Wait.forAll([Wait.forHealthCheck(), Wait.forListeningPorts()]))
    .withStartupTimeout(options.startupTimeoutMs);
}

interface StartedContainer {
  getConnectionUri(): string;
  stop(): Promise<unknown>;
}

/**
 * A PostgreSQL container started once (testcontainers `PostgreSqlContainer`), then used like a server URL.
 * testcontainers is imported only when this provider starts.
 */
export class ContainerProvider implements DatabaseProvider {
  readonly kind = 'container' as const;
  readonly notes: string[] = [];
  private container: StartedContainer | null = null;
  private server: UrlProvider | null = null;
  private info: DatabaseInfo | null = null;

  constructor(
    private readonly config: GateConfig,
    private readonly preflightTimeoutMs = PREFLIGHT_TIMEOUT_MS,
  ) {}

  async start(): Promise<DatabaseInfo> {
    if (this.info) return this.info;
    const options = containerOptions(this.config);
    const testcontainers = await import('testcontainers');
    try {
      await withTimeout(
        testcontainers.getContainerRuntimeClient(),
        this.preflightTimeoutMs,
        'the container runtime',
      );
    } catch (error) {
      throw noDockerError(`${whereDockerWasLookedFor()}; ${errorText(error)}`);
    }
    try {
      this.container = await (await buildContainer(options)).start();
    } catch (error) {
      throw new GateError(`cannot start the PostgreSQL container ${options.image}: ${errorText(error)}`, {
        cause: error,
      });
    }
    this.server = new UrlProvider(this.container.getConnectionUri(), { kind: 'container' });
    this.info = await this.server.start();
    this.notes.push(`PostgreSQL ${this.info.serverVersion} in a container (${options.image})`);
    return this.info;
  }

  async createScratch(): Promise<ScratchDatabase> {
    await this.start();
    return this.server!.createScratch();
  }

  async copyScratch(source: ScratchDatabase): Promise<ScratchDatabase> {
    await this.start();
    return this.server!.copyScratch(source);
  }

  async close(): Promise<void> {
    const server = this.server;
    const container = this.container;
    this.server = null;
    this.container = null;
    this.info = null;
    try {
      await server?.close();
    } finally {
      await container?.stop().catch(() => undefined);
    }
  }
}
