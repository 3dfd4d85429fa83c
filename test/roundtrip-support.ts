import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { GateConfig } from '../src/config/types.js';
import { defaultConfig } from '../src/config/defaults.js';
import { discover } from '../src/discover/index.js';
import type { DatabaseProvider, ScratchDatabase } from '../src/roundtrip/types.js';
import type { MigrationSet } from '../src/types.js';
import { TEST_DATABASE_URL } from './helpers/db.js';

/** The repository root (fixtures are addressed relative to it). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A configuration for the round-trip tests, rooted at the repository. */
export function roundTripConfig(overrides: Partial<GateConfig> = {}): GateConfig {
  return {
    ...defaultConfig(ROOT),
    database: 'url',
    databaseUrl: TEST_DATABASE_URL,
    stepTimeoutSec: 30,
    ...overrides,
  };
}

/**
 * Discovers `fixtures/roundtrip/<name>` and marks its migrations as history (`unchanged`) except the
 * `changed` ones (default: the last `changedCount`).
 */
export async function fixtureSet(
  name: string,
  options: { changed?: string[]; changedCount?: number; config?: GateConfig } = {},
): Promise<MigrationSet> {
  const config = { ...(options.config ?? roundTripConfig()), dirs: [`fixtures/roundtrip/${name}`] };
  const [set] = await discover(config);
  if (!set) throw new Error(`no set for ${name}`);
  const count = options.changedCount ?? 1;
  set.migrations.forEach((m, i) => {
    const changed = options.changed ? options.changed.includes(m.name) : i >= set.migrations.length - count;
    m.change = changed ? 'added' : 'unchanged';
  });
  return set;
}

/** A provider that records every scratch database it hands out (and can hook into their creation). */
export class TrackingProvider implements DatabaseProvider {
  readonly created: ScratchDatabase[] = [];

  constructor(
    readonly inner: DatabaseProvider,
    private readonly onCreate?: (scratch: ScratchDatabase, index: number) => Promise<void>,
  ) {}

  get kind() {
    return this.inner.kind;
  }

  get notes() {
    return this.inner.notes;
  }

  start() {
    return this.inner.start();
  }

  async createScratch(): Promise<ScratchDatabase> {
    const scratch = await this.inner.createScratch();
    this.created.push(scratch);
    await this.onCreate?.(scratch, this.created.length - 1);
    return scratch;
  }

  get copyScratch(): DatabaseProvider['copyScratch'] {
    const copy = this.inner.copyScratch?.bind(this.inner);
    if (!copy) return undefined;
    return async (source) => {
      const scratch = await copy(source);
      this.created.push(scratch);
      return scratch;
    };
  }

  close() {
    return this.inner.close();
  }
}

/** Names among `names` that still exist on the test server. */
export async function databasesLeft(names: string[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const result = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'migration_gate\\_%' AND datname = ANY($1)",
      [names],
    );
    return result.rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}
