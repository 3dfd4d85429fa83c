import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandLines,
  makeCheckout,
  OWNER,
  pullRequestEvent,
  REPO,
  runAction,
} from './helpers/action-run.js';
import { admin, assertServerReachable, TEST_DATABASE_URL } from './helpers/db.js';
import { BOT_LOGIN, start, TOKENS, type FakeGitHub } from './helpers/fake-github.js';

/*
 * The Action's sources, in process, on a real git checkout, against the real test PostgreSQL and the fake
 * REST API: what a pull request's names, SQL and errors can make the Action print or post.
 */

let fake: FakeGitHub;
let role: string;
let password: string;
let databaseUrl: string;

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
        /^::error::migration-gate: 1 changed migration, \d+ errors?, \d+ warnings?: the gate fails/,
      ),
    );
    expect(run.outputs.verdict).toBe('fail');
    expect(fake.state.commentsOn(OWNER, REPO, 51)).toHaveLength(1);
  });

  it('never prints or posts the token or the database password', async () => {
    const name = '202611201030_leak_secrets';
    const up = `migrations/${name}.up.sql`;
    const down = `migrations/${name}.down.sql`;
    const encoded = encodeURIComponent(password);
    const checkout = makeCheckout('secrets', {
      [up]: `-- requirements: RL-2\nDO $$ BEGIN RAISE EXCEPTION 'leak ${password} ${TOKENS.bot} ${encoded}'; END $$;\n`,
      [down]: 'SELECT 1;\n',
    });
    const { event, eventName } = pullRequestEvent(fake, 52, checkout, [down, up]);
    const run = await runAction({
      fake,
      workspace: checkout.dir,
      eventName,
      event,
      inputs: { database: 'url', 'database-url': databaseUrl, 'github-token': TOKENS.bot },
    });
    expect(run.exitCode, run.stdout).toBe(1);

    // Both are registered with the runner, which masks them in the log.
    const masks = commandLines(run.stdout).filter((l) => l.startsWith('::add-mask::'));
    expect(masks).toContain(`::add-mask::${TOKENS.bot}`);
    expect(masks).toContain(`::add-mask::${password}`);
    // Apart from those registrations, neither appears anywhere.
    const printed = run.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    const comments = fake.state.commentsOn(OWNER, REPO, 52);
    expect(comments).toHaveLength(1);
    for (const text of [printed, run.summary, comments[0]!.body]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(TOKENS.bot);
      expect(text).not.toContain('actionsbottoken');
    }
    // The finding is still there, with the secrets replaced.
    expect(printed).toMatch(/::error title=up-failed,[^\n]*::up failed: leak \*\*\* \*\*\* \*\*\*/);
    expect(run.summary).toContain('leak \\*\\*\\* \\*\\*\\* \\*\\*\\*');
    expect(comments[0]!.body).toContain('leak \\*\\*\\* \\*\\*\\* \\*\\*\\*');
  });

  it("cannot make another job's comment its own through a name in a schema diff", async () => {
    const table = '<!-- migration-gate:B -->';
    const name = '202611201040_create_marker_table';
    const up = `migrations/${name}.up.sql`;
    const down = `migrations/${name}.down.sql`;
    const checkout = makeCheckout('takeover', {
      [up]: `-- requirements: RL-3\nCREATE TABLE "${table}" (id int);\n`,
      // Leaves the table behind: a down-mismatch whose diff names it.
      [down]: 'SELECT 1;\n',
    });
    const { event, eventName } = pullRequestEvent(fake, 53, checkout, [down, up]);
    const job = (key: string) =>
      runAction({
        fake,
        workspace: checkout.dir,
        eventName,
        event,
        inputs: {
          database: 'url',
          'database-url': databaseUrl,
          'github-token': TOKENS.bot,
          'comment-key': key,
        },
      });

    const a = await job('A');
    expect(a.exitCode, a.stdout).toBe(1);
    const [jobA] = fake.state.commentsOn(OWNER, REPO, 53);
    expect(jobA?.login).toBe(BOT_LOGIN);
    expect(jobA!.body.split('\n')[0]).toBe('<!-- migration-gate:A -->');
    expect(jobA!.body).toContain('down-mismatch');
    // The name shows in the diff, but its source holds no comment delimiter.
    expect(jobA!.body.replace(/\u200D/g, '')).toContain(table);
    expect(jobA!.body.split('\n').slice(1).join('\n')).not.toMatch(/<!--|-->/);
    const bodyA = jobA!.body;

    const b = await job('B');
    expect(b.exitCode, b.stdout).toBe(1);
    const comments = fake.state.commentsOn(OWNER, REPO, 53);
    expect(comments).toHaveLength(2);
    expect(comments[0]!.id).toBe(jobA!.id);
    expect(comments[0]!.body).toBe(bodyA);
    expect(comments[1]!.body.split('\n')[0]).toBe('<!-- migration-gate:B -->');
    expect(fake.state.requestsTo('PATCH', /\/issues\/comments\/\d+$/)).toHaveLength(0);
    expect(b.outputs['comment-url']).toContain(`#issuecomment-${comments[1]!.id}`);
  });
});
