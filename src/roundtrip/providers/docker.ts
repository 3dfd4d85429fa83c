import { existsSync } from 'node:fs';
import { request, type RequestOptions } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

const PING_TIMEOUT_MS = 1_500;

/** Where a Docker-compatible API was found: the `DOCKER_HOST` form of it and how it was found. */
export interface DockerEndpoint {
  /** `unix:///var/run/docker.sock`, `tcp://127.0.0.1:2375`, … */
  host: string;
  /** `DOCKER_HOST` when the user set it, else the socket that answered. */
  source: 'DOCKER_HOST' | 'socket';
}

/** Unix sockets where Docker-compatible runtimes usually listen (Docker, rootless Docker, Docker Desktop, Podman). */
export function candidateSockets(env: NodeJS.ProcessEnv = process.env): string[] {
  const sockets = [
    env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE,
    '/var/run/docker.sock',
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'docker.sock') : undefined,
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock') : undefined,
  ];
  return [...new Set(sockets.filter((s): s is string => Boolean(s)))];
}

function ping(options: RequestOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...options, path: '/_ping', method: 'GET', timeout: PING_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** True when a Docker-compatible API answers `/_ping` on this unix socket. */
export function pingDocker(socketPath: string): Promise<boolean> {
  return ping({ socketPath });
}

/**
 * True when the API at `DOCKER_HOST` answers `/_ping`. `unix://` and plain `tcp://` are asked; other forms
 * (TLS, `ssh://`, `npipe://`) are left to the container library, which knows their credentials.
 */
export async function pingDockerHost(
  dockerHost: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(dockerHost);
  } catch {
    return false;
  }
  if (url.protocol === 'unix:') return pingDocker(url.pathname);
  if (url.protocol === 'tcp:' || url.protocol === 'http:') {
    if (env.DOCKER_TLS_VERIFY === '1') return true;
    return ping({ host: url.hostname, port: Number(url.port || 2375) });
  }
  return true;
}

/**
 * The Docker API this machine offers, or null. `DOCKER_HOST` is authoritative when set (as for the docker
 * CLI): when it does not answer, no other socket is tried. Loads nothing of testcontainers.
 */
export async function findDocker(env: NodeJS.ProcessEnv = process.env): Promise<DockerEndpoint | null> {
  if (env.DOCKER_HOST) {
    return (await pingDockerHost(env.DOCKER_HOST, env))
      ? { host: env.DOCKER_HOST, source: 'DOCKER_HOST' }
      : null;
  }
  for (const socket of candidateSockets(env)) {
    if (existsSync(socket) && (await pingDocker(socket)))
      return { host: `unix://${socket}`, source: 'socket' };
  }
  return null;
}

/** A fast answer to "does a Docker runtime answer here?" (see `findDocker`). */
export async function dockerAnswers(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return (await findDocker(env)) !== null;
}

/** Where the runtime was looked for, for the one-line error. */
export function whereDockerWasLookedFor(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_HOST) return `DOCKER_HOST=${env.DOCKER_HOST} does not answer`;
  const present = candidateSockets(env).filter((s) => existsSync(s));
  if (present.length > 0) return `${present.join(', ')} does not answer`;
  return 'DOCKER_HOST is not set and there is no /var/run/docker.sock';
}
