import { execFileSync } from 'node:child_process';

/**
 * The local PostgreSQL image the container tests start (`scripts/postgres-image.sh` builds it from Debian's
 * packages where no image registry is reachable; `.ci/run` and the test setup build it when it is missing).
 */
export const TEST_POSTGRES_IMAGE =
  process.env.MIGRATION_GATE_TEST_POSTGRES_IMAGE ?? 'migration-gate/postgres:15';

/** The label the container provider puts on every container it starts. */
export const GATE_LABEL = 'dev.migration-gate.run';

/** Runs the docker CLI; returns its standard output, trimmed. */
export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Ids of every container (running or not) that carries the gate's label. */
export function gateContainers(): string[] {
  return docker('ps', '-a', '-q', '--filter', `label=${GATE_LABEL}`).split('\n').filter(Boolean);
}

/** Ids of every container on the engine, running or not. */
export function allContainers(): string[] {
  return docker('ps', '-a', '-q', '--no-trunc').split('\n').filter(Boolean).sort();
}

/** Fails loudly (never skips) when the engine does not answer or the test image is missing. */
export function assertDockerReady(): void {
  try {
    docker('image', 'inspect', TEST_POSTGRES_IMAGE);
  } catch (error) {
    throw new Error(
      `The container tests need a Docker engine with the image ${TEST_POSTGRES_IMAGE} ` +
        `(${(error as Error).message.split('\n')[0]}). Run 'bash .ci/run' once (it installs Docker, starts dockerd ` +
        `and builds the image), or set MIGRATION_GATE_TEST_POSTGRES_IMAGE.`,
      { cause: error },
    );
  }
}
