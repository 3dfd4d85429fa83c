import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import { AutoProvider } from '../src/roundtrip/providers/auto.js';
import { ContainerProvider } from '../src/roundtrip/providers/container.js';
import { dockerAnswers, findDocker, pingDocker } from '../src/roundtrip/providers/docker.js';
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

  it('answers yes for a DOCKER_HOST or a socket that answers', async () => {
    const tcp = createServer((req, res) => {
      res.statusCode = req.url === '/_ping' ? 200 : 404;
      res.end('OK');
    });
    servers.push(tcp);
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const port = (tcp.address() as { port: number }).port;
    expect(await dockerAnswers({ DOCKER_HOST: `tcp://127.0.0.1:${port}` })).toBe(true);
    expect(await dockerAnswers({ DOCKER_HOST: `unix://${healthy}` })).toBe(true);
    expect(await dockerAnswers({ TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE: healthy })).toBe(true);
    expect(await findDocker({ TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE: healthy })).toEqual({
      host: `unix://${healthy}`,
      source: 'socket',
    });
  });

  it('takes DOCKER_HOST as the only place to look, as the docker CLI does', async () => {
    // Whatever answers at /var/run/docker.sock on this machine is not asked.
    expect(await dockerAnswers({ DOCKER_HOST: `unix://${broken}` })).toBe(false);
    expect(await dockerAnswers({ DOCKER_HOST: `unix://${join(dir, 'absent.sock')}` })).toBe(false);
    expect(await dockerAnswers({ DOCKER_HOST: 'tcp://127.0.0.1:1' })).toBe(false);
  });
});

describe('auto provider', () => {
  const config = defaultConfig('/project');

  it('falls back to the embedded database, with a note, when Docker answers but no container starts', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${broken}`;
    try {
      const provider = new AutoProvider(config, async () => true);
      const info = await provider.start();
      expect(provider.kind).toBe('embedded');
      expect(info.provider).toBe('embedded');
      expect(provider.notes[0]).toMatch(
        /^Docker answers, but no PostgreSQL container started \(no Docker runtime found \(DOCKER_HOST=unix:\/\/.*broken\.sock does not answer\).*\): using the embedded database$/,
      );
      await provider.close();
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('uses the embedded database, with a note, when no Docker runtime answers', async () => {
    const provider = new AutoProvider(config, async () => false);
    expect((await provider.start()).provider).toBe('embedded');
    expect(provider.notes[0]).toBe('no Docker runtime answered: using the embedded database');
    await provider.close();
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
