import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import { AutoProvider } from '../src/roundtrip/providers/auto.js';
import { ContainerProvider, dockerAnswers, pingDocker } from '../src/roundtrip/providers/container.js';
import { EmbeddedProvider } from '../src/roundtrip/providers/embedded.js';
import { UrlProvider } from '../src/roundtrip/providers/url.js';
import { createProvider } from '../src/roundtrip/providers/index.js';
import { GateError } from '../src/types.js';

const dir = mkdtempSync(join(tmpdir(), 'mg-docker-'));
const servers: Server[] = [];

function socketAnswering(status: number, name: string): Promise<string> {
  const path = join(dir, name);
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/_ping' ? status : 404;
    res.end('OK');
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(path, () => resolve(path)));
}

let healthy = '';
let broken = '';
beforeAll(async () => {
  healthy = await socketAnswering(200, 'ok.sock');
  broken = await socketAnswering(503, 'broken.sock');
});

afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Docker detection', () => {
  it('pings the runtime socket', async () => {
    expect(await pingDocker(healthy)).toBe(true);
    expect(await pingDocker(broken)).toBe(false);
    expect(await pingDocker(join(dir, 'absent.sock'))).toBe(false);
  });

  it('answers yes for DOCKER_HOST or a socket that answers', async () => {
    expect(await dockerAnswers({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toBe(true);
    expect(await dockerAnswers({ TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE: healthy })).toBe(true);
  });
});

describe('auto provider', () => {
  const config = defaultConfig('/project');

  it('uses the container provider when Docker answers', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      const provider = new AutoProvider(config, async () => true);
      const error = await provider.start().then(
        () => null,
        (e: unknown) => e,
      );
      expect(provider.kind).toBe('container');
      expect(error).toBeInstanceOf(GateError);
      expect((error as Error).message).toMatch(
        /^no Docker runtime found \(DOCKER_HOST=unix:\/\/\/nonexistent/,
      );
      await provider.close();
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});

describe('createProvider', () => {
  const config = defaultConfig('/project');

  it('maps the database setting to a provider without starting anything', () => {
    expect(createProvider({ ...config, database: 'embedded' })).toBeInstanceOf(EmbeddedProvider);
    expect(createProvider({ ...config, database: 'container' })).toBeInstanceOf(ContainerProvider);
    expect(createProvider({ ...config, database: 'auto' })).toBeInstanceOf(AutoProvider);
    const url = createProvider({ ...config, database: 'url', databaseUrl: 'postgres://u:secret@h/db' });
    expect(url).toBeInstanceOf(UrlProvider);
    expect((url as UrlProvider).displayUrl).toBe('postgres://u:***@h/db');
    expect(() => createProvider({ ...config, database: 'url', databaseUrl: null })).toThrow(GateError);
  });
});
