import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import { ContainerProvider, buildContainer, containerOptions } from '../src/roundtrip/providers/container.js';
import { GateError } from '../src/types.js';

describe('container provider', () => {
  const config = { ...defaultConfig('/project'), postgresImage: 'postgres:17-alpine' };

  it('asks testcontainers for the configured image, its credentials, a throwaway server and a health check', async () => {
    const options = containerOptions(config, 'pw');
    expect(options).toEqual({
      image: 'postgres:17-alpine',
      username: 'migration_gate',
      password: 'pw',
      database: 'migration_gate',
      command: ['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      waitStrategy: 'health-check-and-listening-ports',
      startupTimeoutMs: 120_000,
      environment: {
        POSTGRES_USER: 'migration_gate',
        POSTGRES_PASSWORD: 'pw',
        POSTGRES_DB: 'migration_gate',
      },
    });
    expect(containerOptions(config).password).toMatch(/^[0-9a-f]{24}$/);
    expect(containerOptions(config).password).not.toBe(containerOptions(config).password);

    // The real, unstarted testcontainers object.
    const container = (await buildContainer(options)) as unknown as Record<string, unknown>;
    const createOpts = container.createOpts as {
      Image: string;
      Cmd: string[];
      ExposedPorts: Record<string, unknown>;
    };
    expect(createOpts.Image).toBe('postgres:17-alpine');
    expect(createOpts.Cmd).toEqual(options.command);
    expect(Object.keys(createOpts.ExposedPorts)).toEqual(['5432/tcp']);
    expect([container.username, container.password, container.database]).toEqual([
      'migration_gate',
      'pw',
      'migration_gate',
    ]);
    expect(container.startupTimeoutMs).toBe(120_000);
    const wait = container.waitStrategy as {
      constructor: { name: string };
      waitStrategies: { constructor: { name: string } }[];
    };
    expect(wait.constructor.name).toBe('CompositeWaitStrategy');
    expect(wait.waitStrategies.map((w) => w.constructor.name)).toEqual([
      'HealthCheckWaitStrategy',
      'HostPortWaitStrategy',
    ]);
  });

  it('fails in one line, quickly, when no Docker runtime answers', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    const provider = new ContainerProvider(config, 5_000);
    const started = Date.now();
    try {
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
      await provider.close();
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
