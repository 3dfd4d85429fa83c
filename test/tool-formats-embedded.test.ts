import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMING_PRESETS } from '../src/config/defaults.js';
import { discover } from '../src/discover/index.js';
import { lint } from '../src/lint/index.js';
import { EmbeddedProvider } from '../src/roundtrip/providers/embedded.js';
import { runRoundTrips } from '../src/roundtrip/runner.js';
import { TOOLS, installToolFixtures, toolFixture } from './helpers/tool-fixtures.js';
import { writeHistory } from './helpers/tool-histories.js';
import { roundTripConfig } from './roundtrip-support.js';

const made: string[] = [];

beforeAll(() => installToolFixtures(), 600_000);

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe.each(TOOLS)('%s migrations on the embedded database (PGlite)', (tool) => {
  it('pass a correct history of 30 migrations with zero findings', async () => {
    const dir = writeHistory(tool, path.join(toolFixture(tool), '.tmp'), 30);
    made.push(dir);
    const config = roundTripConfig({
      cwd: toolFixture(tool),
      dirs: [dir],
      database: 'embedded',
      databaseUrl: null,
      namingPattern: new RegExp(NAMING_PRESETS[tool]!),
      namingPatternSource: tool,
    });
    const sets = await discover(config);
    expect(sets[0]!.format).toBe(tool);
    const provider = new EmbeddedProvider();
    const outcome = await runRoundTrips(sets, config, { provider });
    expect(outcome.database?.provider).toBe('embedded');
    expect([...lint(sets, config), ...outcome.findings]).toEqual([]);
    expect(outcome.results.size).toBe(30);
    expect([...outcome.results.values()].every((r) => r.roundtrip?.reup.status === 'pass')).toBe(true);
  }, 180_000);
});
