import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandLines,
  makeCheckout,
  OWNER,
  pullRequestEvent,
  REPO,
  runAction,
} from './helpers/action-run.js';
import { assertServerReachable, TEST_DATABASE_URL } from './helpers/db.js';
import { BOT_LOGIN, start, TOKENS, type FakeGitHub } from './helpers/fake-github.js';

/*
 * The Action's sources, in process, on a real git checkout, against the real test PostgreSQL and the fake
 * REST API: what a pull request's names, SQL and errors can make the Action print or post.
 */

let fake: FakeGitHub;
let role: string;
let password: string;
let databaseUrl: string;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await assertServerReachable();
  // A role of its own with a password no other text contains: finding it anywhere is a leak.
  role = `mg_out_${randomBytes(5).toString('hex')}`;
  password = `pw${randomBytes(10).toString('hex')}`;
  await admin((c) => c.query(`CREATE ROLE ${role} LOGIN CREATEDB CREATEROLE PASSWORD '${password}'`));
  const url = new URL(TEST_DATABASE_URL);
  url.username = role;
  url.password = password;
  databaseUrl = url.toString();
  fake = await start();
});

afterAll(async () => {
  await fake?.close();
  if (!role) return;
  await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT d.datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = $1`,
      [role],
    );
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS ${role}`);
  });
});

/** The gate's own workflow commands: annotations, masks, debug lines (outputs go to the output file). */
const OWN_COMMAND = /^::(?:error|warning|notice|debug|add-mask)(?: (?:title|file|line)=[^:]*)?::/;

describe('runner output', () => {
  it('prints a migration named with line breaks and workflow commands inert', async () => {
    const name = '202611201020_x\n::stop-commands::token\n::error::forged';
    const up = `migrations/${name}.up.sql`;
    const down = `migrations/${name}.down.sql`;
    const checkout = makeCheckout('inject', {
      [up]:
        '-- requirements: RL-1\nCREATE TABLE forged (id int);\n' +
        "DO $$ BEGIN RAISE EXCEPTION E'boom\\n::warning::from the sql\\n##[error]legacy'; END $$;\n",
      [down]: 'DROP TABLE forged;\n',
    });
    const { event, eventName } = pullRequestEvent(fake, 51, checkout, [down, up]);
    const run = await runAction({
      fake,
      workspace: checkout.dir,
      eventName,
      event,
      inputs: { database: 'url', 'database-url': databaseUrl, 'github-token': TOKENS.bot },
    });
    expect(run.exitCode, run.stdout).toBe(1);

    // No line the runner would execute, other than the gate's own commands.
    const lines = run.stdout.split(/\r\n|[\n\r]/);
    expect(lines.filter((l) => l.includes('##['))).toEqual([]);
    expect(commandLines(run.stdout).filter((l) => !OWN_COMMAND.test(l))).toEqual([]);
    expect(lines.filter((l) => /^\s*::(stop-commands|error::forged|warning::from)/.test(l))).toEqual([]);
    // The progress lines name the migration, its line breaks shown as \n.
    expect(run.stdout).toContain('202611201020_x\\n:\u200B:stop-commands::token\\n:\u200B:error::forged');

    // The gate's own annotations are all there: the name, the failing up, the verdict.
    const annotations = commandLines(run.stdout).filter((l) => l.startsWith('::error title='));
    expect(
      annotations.some((l) =>
        l.startsWith('::error title=name-format,file=migrations/202611201020_x%0A%3A%3Astop-commands'),
      ),
    ).toBe(true);
    expect(
      annotations.some(
        (l) =>
          l.startsWith('::error title=up-failed,') &&
          l.includes('boom%0A:\u200B:warning::from the sql%0A#\u200B#[error]legacy'),
      ),
    ).toBe(true);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^::error::migration-gate: 1 changed migration\(s\), \d+ error\(s\).*the gate fails/,
      ),
    );
    expect(run.outputs.verdict).toBe('fail');
    expect(fake.state.commentsOn(OWNER, REPO, 51)).toHaveLength(1);
  });
});
