import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { GateConfig } from '../../config/types.js';
import { addSecret } from '../../redact.js';
import { GateError, errorText } from '../../types.js';
import type { DatabaseInfo } from '../../types.js';
import { registerCleanup } from '../cleanup.js';
import type { DatabaseProvider, ScratchDatabase } from '../types.js';
import { findDocker, whereDockerWasLookedFor } from './docker.js';
import { UrlProvider } from './url.js';

const PREFLIGHT_TIMEOUT_MS = 15_000;
/** The label every container of the gate carries; its value is the run's own id. */
export const CONTAINER_LABEL = 'dev.migration-gate.run';

/** Everything the container provider asks of testcontainers. */
export interface ContainerOptions {
  image: string;
  username: string;
  password: string;
  /** The maintenance database (scratch databases are created next to it). */
  database: string;
  /** The server's command line: durability off, this database is thrown away. */
  command: string[];
  /**
   * Wait until the image's health check (`pg_isready` inside the container) passes; whether the mapped port
   * answers from here is then the provider's first connection, which names the fix when it does not.
   */
  waitStrategy: 'health-check';
  startupTimeoutMs: number;
  /** The environment the postgres image reads (as testcontainers sets it). */
  environment: Record<string, string>;
  /** Labels that let the gate find and remove its containers, whatever happens to the run. */
  labels: Record<string, string>;
}

/** What the container provider passes to testcontainers for this configuration. */
export function containerOptions(
  config: GateConfig,
  password = randomBytes(12).toString('hex'),
  runId = randomBytes(6).toString('hex'),
): ContainerOptions {
  // Not `migration_gate`: the default search_path starts with "$user", and a role of the storage schema's
  // name would put every migration's tables into the gate's own (unsnapshotted) schema.
  const username = 'postgres';
  const database = 'postgres';
  return {
    image: config.postgresImage,
    username,
    password,
    database,
    command: ['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    waitStrategy: 'health-check',
    startupTimeoutMs: 120_000,
    environment: { POSTGRES_USER: username, POSTGRES_PASSWORD: password, POSTGRES_DB: database },
    labels: { [CONTAINER_LABEL]: runId },
  };
}

/** The one-line error when no container runtime answers. */
export function noDockerError(reason: string): GateError {
  return new GateError(`no Docker runtime found (${reason}): use --database embedded or a postgres:// URL`);
}

/** The one-line error for a container that did not start, with the fix that fits the cause. */
export function startError(
  image: string,
  error: unknown,
  facts: { imageIsLocal: boolean; ryukEnabled: boolean } = { imageIsLocal: false, ryukEnabled: false },
): GateError {
  const reason = errorText(error).trim();
  const pullFailed =
    /pull access denied|registry|manifest (?:unknown|for)|no such image|repository does not exist|lookup \S+ .*no such host/i.test(
      reason,
    );
  // With the image here, a failed pull can only be testcontainers' own helper image.
  if (/ryuk/i.test(reason) || (pullFailed && facts.imageIsLocal && facts.ryukEnabled)) {
    return new GateError(
      `testcontainers' Ryuk container did not start (${reason}): set TESTCONTAINERS_RYUK_DISABLED=true ` +
        '(the gate removes its own container), or use --database embedded',
      { cause: error },
    );
  }
  if (pullFailed) {
    return new GateError(
      `the image ${image} is not on this machine and cannot be pulled (${reason}): pull or build it, name a ` +
        'local image with --postgres-image, or use --database embedded',
      { cause: error },
    );
  }
  return new GateError(
    `the PostgreSQL container ${image} did not start (${reason}): check the image with 'docker run ${image}', ` +
      'name another with --postgres-image, or use --database embedded',
    { cause: error },
  );
}

/** The one-line error when the container runs but its mapped port does not answer from this process. */
function unreachableError(image: string, error: unknown): GateError {
  const inContainer = existsSync('/.dockerenv');
  return new GateError(
    `the PostgreSQL container ${image} runs, but its port does not answer from here (${errorText(error)}): ` +
      (inContainer
        ? 'this process runs inside a container; set TESTCONTAINERS_HOST_OVERRIDE to the address where the ' +
          'Docker host publishes ports (127.0.0.1 when dockerd runs with --ip 127.0.0.1), or use --database embedded'
        : 'set TESTCONTAINERS_HOST_OVERRIDE to the address where the Docker host publishes ports, or use ' +
          '--database embedded'),
    { cause: error },
  );
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
    .withLabels(options.labels)
    .withWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(options.startupTimeoutMs);
}

interface StartedContainer {
  getConnectionUri(): string;
  stop(options?: { timeout?: number }): Promise<unknown>;
}

/** The part of dockerode the cleanup uses (testcontainers' container client holds one). */
interface Dockerode {
  getImage(name: string): { inspect(): Promise<unknown> };
  listContainers(options: { all: boolean; filters: Record<string, string[]> }): Promise<{ Id: string }[]>;
  getContainer(id: string): { remove(options: { force: boolean; v: boolean }): Promise<unknown> };
}

/** testcontainers' dockerode (the runtime client was made by the preflight). */
async function dockerode(): Promise<Dockerode> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  return (client.container as unknown as { dockerode: Dockerode }).dockerode;
}

/** True when the image is on this machine (no pull needed). Never throws. */
async function imageIsLocal(image: string): Promise<boolean> {
  try {
    await (await dockerode()).getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes every container labelled with this run's id, running or not (a container created while a signal
 * arrived, or one testcontainers failed to remove). Never throws.
 */
async function removeLabelled(runId: string): Promise<void> {
  try {
    const docker = await dockerode();
    const found = await docker.listContainers({
      all: true,
      filters: { label: [`${CONTAINER_LABEL}=${runId}`] },
    });
    await Promise.all(
      found.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => undefined),
      ),
    );
  } catch {
    // Nothing to remove, or no runtime left to ask.
  }
}

/**
 * A PostgreSQL container started once (testcontainers `PostgreSqlContainer`), then used like a server URL.
 * testcontainers is imported only when this provider starts. The container is removed when the provider
 * closes, when starting fails, and on SIGINT / SIGTERM.
 */
export class ContainerProvider implements DatabaseProvider {
  readonly kind = 'container' as const;
  private readonly ownNotes: string[] = [];
  private container: StartedContainer | null = null;
  private server: UrlProvider | null = null;
  private info: DatabaseInfo | null = null;
  private runId: string | null = null;
  private unregister: (() => void) | null = null;
  /** The server's notes, kept when it is closed (the report is written after). */
  private serverNotes: string[] = [];

  constructor(
    private readonly config: GateConfig,
    private readonly preflightTimeoutMs = PREFLIGHT_TIMEOUT_MS,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async start(): Promise<DatabaseInfo> {
    if (this.info) return this.info;
    const endpoint = await findDocker(this.env);
    if (!endpoint) throw noDockerError(whereDockerWasLookedFor(this.env));
    const options = containerOptions(this.config);
    addSecret(options.password);
    this.runId = options.labels[CONTAINER_LABEL]!;
    this.unregister = registerCleanup(() => this.close());

    const testcontainers = await import('testcontainers');
    // testcontainers tries several places in turn; it is pointed at the one that answered.
    const savedHost = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = endpoint.host;
    try {
      await withTimeout(
        testcontainers.getContainerRuntimeClient(),
        this.preflightTimeoutMs,
        'the container runtime',
      );
    } catch (error) {
      await this.close();
      throw noDockerError(`${endpoint.host} answers, but ${errorText(error)}`);
    } finally {
      if (savedHost === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = savedHost;
    }

    try {
      this.container = await (await buildContainer(options)).start();
    } catch (error) {
      const facts = {
        imageIsLocal: await imageIsLocal(options.image),
        ryukEnabled: !/^(true|1)$/i.test(this.env.TESTCONTAINERS_RYUK_DISABLED ?? ''),
      };
      await this.close();
      throw startError(options.image, error, facts);
    }
    this.server = new UrlProvider(this.container.getConnectionUri(), { kind: 'container' });
    try {
      this.info = await this.server.start();
    } catch (error) {
      await this.close();
      throw unreachableError(options.image, error);
    }
    this.ownNotes.push(`PostgreSQL ${this.info.serverVersion} in a container (${options.image})`);
    return this.info;
  }

  /** This provider's notes, then the server's (cluster-wide objects a step left and the run removed, …). */
  get notes(): string[] {
    return [...this.ownNotes, ...(this.server?.notes ?? this.serverNotes)];
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
    const { server, container, runId, unregister } = this;
    if (server) this.serverNotes = server.notes;
    this.server = null;
    this.container = null;
    this.info = null;
    this.runId = null;
    this.unregister = null;
    try {
      await server?.close();
    } finally {
      // The server is thrown away: no shutdown wait, volumes removed with it.
      await container?.stop({ timeout: 0 }).catch(() => undefined);
      if (runId) await removeLabelled(runId);
      unregister?.();
    }
  }
}
