import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import {
  CONTAINER_LABEL,
  ContainerProvider,
  buildContainer,
  containerOptions,
  startError,
} from '../src/roundtrip/providers/container.js';
import { GateError } from '../src/types.js';

describe('container provider', () => {
  const config = { ...defaultConfig('/project'), postgresImage: 'postgres:17-alpine' };

  it('asks testcontainers for the configured image, its credentials, a throwaway server, a health check and a label', async () => {
    const options = containerOptions(config, 'pw', 'run1');
    expect(options).toEqual({
      image: 'postgres:17-alpine',
      username: 'postgres',
      password: 'pw',
      database: 'postgres',
      command: ['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      waitStrategy: 'health-check',
      startupTimeoutMs: 120_000,
      environment: {
        POSTGRES_USER: 'postgres',
        POSTGRES_PASSWORD: 'pw',
        POSTGRES_DB: 'postgres',
      },
      labels: { [CONTAINER_LABEL]: 'run1' },
    });
    expect(containerOptions(config).password).toMatch(/^[0-9a-f]{24}$/);
    expect(containerOptions(config).password).not.toBe(containerOptions(config).password);
    expect(containerOptions(config).labels[CONTAINER_LABEL]).not.toBe(
      containerOptions(config).labels[CONTAINER_LABEL],
    );

    // The real, unstarted testcontainers object.
    const container = (await buildContainer(options)) as unknown as Record<string, unknown>;
    const createOpts = container.createOpts as {
      Image: string;
      Cmd: string[];
      ExposedPorts: Record<string, unknown>;
      Labels: Record<string, string>;
    };
    expect(createOpts.Image).toBe('postgres:17-alpine');
    expect(createOpts.Cmd).toEqual(options.command);
    expect(Object.keys(createOpts.ExposedPorts)).toEqual(['5432/tcp']);
    expect(createOpts.Labels[CONTAINER_LABEL]).toBe('run1');
    expect([container.username, container.password, container.database]).toEqual([
      'postgres',
      'pw',
      'postgres',
    ]);
    expect(container.startupTimeoutMs).toBe(120_000);
    const wait = container.waitStrategy as { constructor: { name: string } };
    expect(wait.constructor.name).toBe('HealthCheckWaitStrategy');
  });

  it('names the fix that fits each cause of a failed start', () => {
    const pull = new Error(
      '(HTTP code 500) server error - Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.1:53: no such host ',
    );
    expect(startError('postgres:18', pull).message).toBe(
      `the image postgres:18 is not on this machine and cannot be pulled (${pull.message.trim()}): pull or build it, ` +
        'name a local image with --postgres-image, or use --database embedded',
    );
    // The image is here, so the pull that failed was the reaper's.
    expect(startError('postgres:18', pull, { imageIsLocal: true, ryukEnabled: true }).message).toMatch(
      /^testcontainers' Ryuk container did not start \(.+\): set TESTCONTAINERS_RYUK_DISABLED=true/,
    );
    const exec = new Error(
      '(HTTP code 400) unexpected - failed to create shim task: exec: "postgres": executable file not found in $PATH: unknown',
    );
    expect(startError('debian:12', exec).message).toMatch(
      /^the PostgreSQL container debian:12 did not start \(.+executable file not found.+\): check the image with 'docker run debian:12', name another with --postgres-image, or use --database embedded$/,
    );
    for (const e of [pull, exec]) expect(startError('x', e).message).not.toContain('\n');
  });

  it('fails in one line, quickly, when no Docker runtime answers', async () => {
    // DOCKER_HOST is authoritative: the machine's own /var/run/docker.sock is not tried.
    const provider = new ContainerProvider(config, 5_000, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    const started = Date.now();
    {
      const error = await provider.start().then(
        () => null,
        (e: unknown) => e,
      );
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(error).toBeInstanceOf(GateError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toMatch(
        /^no Docker runtime found \(.+\): use --database embedded or a postgres:\/\/ URL$/,
      );
      expect(message).toContain('DOCKER_HOST=unix:///nonexistent/docker.sock does not answer');
      await provider.close();
    }
  });
});
