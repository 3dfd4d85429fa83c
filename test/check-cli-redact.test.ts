import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { admin, TEST_DATABASE_URL } from './helpers/db.js';

/**
 * A migration can throw anything it can reach: the connection's password, the process's arguments. None of
 * it may leave the process: not on stdout or stderr, not in the JSON or the Markdown report.
 */

const role = `mg_leak_${process.pid}`;
/** A password of real length, so that finding it anywhere is meaningful. */
const password = randomBytes(24).toString('base64url');
let url: string;
let tmp: string;

function write(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'mg-redact-'));
  await admin((c) =>
    c.query(
      `DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN CREATEDB CREATEROLE PASSWORD ${pg.escapeLiteral(password)}`,
    ),
  );
  const u = new URL(TEST_DATABASE_URL);
  u.username = role;
  u.password = password;
  url = u.toString();
  write(
    join(tmp, 'password/202601010000_throw_password.mjs'),
    `export async function up({ context }) {\n  throw new Error('leak ' + context.client.connectionParameters.password);\n}\n` +
      `export async function down() {}\n`,
  );
  write(
    join(tmp, 'argv/202601010000_throw_argv.mjs'),
    `export async function up() {\n  throw new Error(process.argv.join(' '));\n}\nexport async function down() {}\n`,
  );
});

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await admin(async (c) => {
    const dbs = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database d WHERE pg_has_role($1, d.datdba, 'MEMBER')`,
      [role],
    );
    for (const { datname } of dbs.rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS ${role}`);
  });
});

/** Runs `check` on one directory of `tmp` with `process.argv` as a shell would set it. */
async function check(dir: string, extra: string[] = []) {
  const json = join(tmp, `${dir}.json`);
  const markdown = join(tmp, `${dir}.md`);
  const args = ['check', '--dir', dir, '--database', url, '--json', json, '--markdown', markdown, ...extra];
  const argv = process.argv;
  process.argv = [argv[0]!, '/usr/bin/migration-gate', ...args];
  try {
    const r = await cli(args, tmp);
    return { ...r, json: readFileSync(json, 'utf8'), markdown: readFileSync(markdown, 'utf8') };
  } finally {
    process.argv = argv;
  }
}

function expectNoPassword(texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(password);
    expect(text).not.toContain(encodeURIComponent(password));
  }
}

describe('no output carries the database password', () => {
  it('when a module throws the connection password', async () => {
    const r = await check('password');
    expect(r.code).toBe(1);
    // The error itself is reported, with the password cut out.
    expect(r.stdout).toMatch(/^password\/202601010000_throw_password\.mjs(?::\d+)? up-failed .*leak \*\*\*/m);
    expect(r.json).toContain('leak ***');
    expect(r.markdown).toContain('leak \\*\\*\\*');
    expectNoPassword([r.stdout, r.stderr, r.json, r.markdown]);
  });

  it('when a module throws the process arguments, which hold the --database URL', async () => {
    const r = await check('argv');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/up-failed .*--database postgres(?:ql)?:\/\/[^ ]*\*\*\*/m);
    expectNoPassword([r.stdout, r.stderr, r.json, r.markdown]);
  });

  it('in an error message and its --debug stack trace', async () => {
    // A report path that holds the password: the error naming it, and its stack, go through the redaction.
    const blocker = join(tmp, `file-${password}`);
    writeFileSync(blocker, '');
    const r = await cli(
      ['check', '--dir', 'password', '--database', url, '--json', join(blocker, 'r.json'), '--debug'],
      tmp,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^migration-gate: cannot write the JSON report to .*file-\*\*\*\/r\.json/m);
    expect(r.stderr).toMatch(/^\s+at /m);
    expectNoPassword([r.stdout, r.stderr]);
  });
});
