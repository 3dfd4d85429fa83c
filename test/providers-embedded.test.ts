import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_NOTE, EmbeddedProvider, workerEntry } from '../src/roundtrip/providers/embedded.js';
import { GateError } from '../src/types.js';

describe('embedded provider', () => {
  const provider = new EmbeddedProvider();

  beforeAll(async () => {
    await provider.start();
  });

  afterAll(async () => {
    await provider.close();
  });

  it('serves PGlite over the wire protocol to node-postgres, one instance per scratch database', async () => {
    const info = await provider.start();
    expect(info).toEqual({ provider: 'embedded', serverVersion: expect.stringMatching(/^18\./) });
    expect(provider.notes).toEqual([EMBEDDED_NOTE]);
    expect(workerEntry().pathname).toMatch(/embedded-worker\.(js|ts)$/);

    const a = await provider.createScratch();
    const b = await provider.createScratch();
    expect(a.url).not.toBe(b.url);
    expect(a.displayUrl).toContain(':***@127.0.0.1:');

    const ca = await a.connect();
    await ca.query('CREATE TABLE only_in_a (id int)');
    await ca.query('CREATE EXTENSION pgcrypto');
    const cb = await b.connect();
    const seen = await cb.query("SELECT to_regclass('public.only_in_a') AS t");
    expect(seen.rows[0].t).toBeNull();
    // A second connection, used after the first is idle.
    const ca2 = await a.connect();
    expect((await ca2.query("SELECT to_regclass('public.only_in_a')::text AS t")).rows[0].t).toBe(
      'only_in_a',
    );
    await Promise.all([ca.end(), ca2.end(), cb.end()]);
    await b.drop();
    await a.drop();
  });

  it('stops a statement PGlite would run for an hour by ending its worker', async () => {
    const scratch = await provider.createScratch();
    const client = await scratch.connect();
    const started = Date.now();
    const sleeping = client.query('SELECT pg_sleep(3600)').then(
      () => 'finished',
      (e: Error) => e.message,
    );
    await new Promise((r) => setTimeout(r, 300));
    await scratch.terminateSessions();
    expect(await sleeping).toMatch(/terminated|ECONNRESET/i);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(scratch.connect()).rejects.toBeInstanceOf(GateError);
    await scratch.drop();
    await client.end().catch(() => undefined);
  });
});
