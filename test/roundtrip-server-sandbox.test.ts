import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from '../src/discover/index.js';
import { clearSecrets } from '../src/redact.js';
import { UrlProvider } from '../src/roundtrip/providers/url.js';
import type { UrlProviderOptions } from '../src/roundtrip/providers/url.js';
import { runRoundTrips } from '../src/roundtrip/runner.js';
import type { RoundTripOutcome } from '../src/roundtrip/runner.js';
import type { MigrationSet } from '../src/types.js';
import { admin, assertServerReachable, TEST_DATABASE_URL } from './helpers/db.js';
import { roundTripConfig } from './roundtrip-support.js';

/**
 * Migrations from an untrusted pull request on a real server (URL provider): by default they run as a role of
 * the run's own that owns the scratch database and nothing else; `privileged` runs them as the URL's role, and
 * then what they create on the server is part of the proof and removed at the end.
 */

const suffix = randomBytes(4).toString('hex');
/** A non-superuser with CREATEDB and CREATEROLE that owns the "application" database: a common setup. */
const owner = `mg_sandbox_owner_${suffix}`;
const ownerPassword = `pw-${randomBytes(12).toString('hex')}`;
const victim = `mg_sandbox_victim_${suffix}`;
/** A role with CREATEDB only. */
const plain = `mg_sandbox_plain_${suffix}`;
let ownerUrl = '';
let plainUrl = '';
const dirs: string[] = [];

async function exists(kind: 'role' | 'database' | 'tablespace', name: string): Promise<boolean> {
  const sql = {
    role: 'SELECT 1 FROM pg_roles WHERE rolname = $1',
    database: 'SELECT 1 FROM pg_database WHERE datname = $1',
    tablespace: 'SELECT 1 FROM pg_tablespace WHERE spcname = $1',
  }[kind];
  return admin(async (c) => ((await c.query(sql, [name])).rowCount ?? 0) > 0);
}

/** Roles and databases of the gate on the server (prefix), for "nothing remains". */
async function gateObjects(): Promise<string[]> {
  return admin(async (c) =>
    (
      await c.query<{ name: string }>(
        `SELECT datname AS name FROM pg_database WHERE datname LIKE 'migration\\_gate\\_%'
         UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'migration\\_gate\\_%'`,
      )
    ).rows.map((r) => r.name),
  );
}

function loginUrl(user: string, password: string): string {
  const u = new URL(TEST_DATABASE_URL);
  u.username = user;
  u.password = password;
  return u.toString();
}

/** A directory of dbmate migrations (`name` → text), discovered with every migration changed. */
async function migrations(files: Record<string, string>): Promise<MigrationSet> {
  const dir = mkdtempSync(join(tmpdir(), 'mg-sandbox-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const [set] = await discover({ ...roundTripConfig({ cwd: dir }), dirs: ['.'] });
  cwdOf.set(set!, dir);
  return set!;
}

const cwdOf = new WeakMap<MigrationSet, string>();

async function run(
  set: MigrationSet,
  url = TEST_DATABASE_URL,
  options: UrlProviderOptions = {},
): Promise<RoundTripOutcome & { provider: UrlProvider; role: string | null }> {
  const provider = new UrlProvider(url, options);
  let role: string | null = null;
  const outcome = await runRoundTrips([set], roundTripConfig({ cwd: cwdOf.get(set)! }), {
    provider,
    progress: () => {
      role ??= provider.runRole;
    },
  });
  return { ...outcome, provider, role };
}

function rules(outcome: RoundTripOutcome): string[] {
  return outcome.findings.map((f) => `${f.rule} ${f.migration}`);
}

const CREATE_ORDERS = '-- migrate:up\nCREATE TABLE orders (id int);\n-- migrate:down\nDROP TABLE orders;\n';

beforeAll(async () => {
  await assertServerReachable();
  await admin(async (c) => {
    await c.query(
      `CREATE ROLE ${owner} LOGIN CREATEDB CREATEROLE PASSWORD ${pg.escapeLiteral(ownerPassword)}`,
    );
    await c.query(`CREATE DATABASE ${victim} OWNER ${owner}`);
    await c.query(`CREATE ROLE ${plain} LOGIN CREATEDB PASSWORD 'plain-secret'`);
  });
  ownerUrl = loginUrl(owner, ownerPassword);
  plainUrl = loginUrl(plain, 'plain-secret');
});

afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${victim} WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS ${owner}`);
    await c.query(`DROP ROLE IF EXISTS ${plain}`);
  });
  clearSecrets();
});

describe('least privilege on a server (url)', () => {
  const dropVictim = () =>
    migrations({
      '202601010900_create_orders.sql': CREATE_ORDERS,
      '202601011000_drop_app.sql': `-- migrate:up transaction:false\nDROP DATABASE ${victim} WITH (FORCE);\n-- migrate:down\nSELECT 1;\n`,
    });

  it('runs the steps as a role of its own: a migration cannot drop the database the URL role owns', async () => {
    const outcome = await run(await dropVictim(), ownerUrl);
    expect(await exists('database', victim)).toBe(true);
    expect(rules(outcome)).toEqual(['up-failed 202601011000_drop_app']);
    expect(outcome.findings[0]!.message).toBe(
      `up failed: must be owner of database ${victim}: the migrations run as a role of the run's own that owns ` +
        "the scratch database and nothing else; run with `privileged: true` (--privileged) to run them as the server URL's role",
    );
    expect(outcome.role).toMatch(/^migration_gate_[a-z0-9]{12}$/);
    expect(await exists('role', outcome.role!)).toBe(false);
  });

  it('keeps the victim as superuser too, and runs the clean migration before it', async () => {
    const outcome = await run(await dropVictim());
    expect(await exists('database', victim)).toBe(true);
    expect(rules(outcome)).toEqual(['up-failed 202601011000_drop_app']);
    expect([...outcome.results.values()][0]!.roundtrip!.reup.status).toBe('pass');
  });

  it('refuses a role that may not create roles, unless privileged', async () => {
    const set = await migrations({ '202601010900_create_orders.sql': CREATE_ORDERS });
    await expect(run(set, plainUrl)).rejects.toThrow(
      `the role '${plain}' may not create roles: on a server, migration-gate runs the migrations as a role of the ` +
        `run's own that can change only its scratch database (grant CREATEROLE, or set privileged: true to run them as '${plain}')`,
    );
    const outcome = await run(set, plainUrl, { privileged: true });
    expect(outcome.findings).toEqual([]);
    expect(outcome.notes).toContainEqual(
      expect.stringMatching(
        /^privileged: the migrations ran as the server URL's role 'mg_sandbox_plain_\w+'/,
      ),
    );
  });

  it('lets the owner create trusted extensions and says how to get the rest', async () => {
    const set = await migrations({
      '202601010900_crypto.sql':
        '-- migrate:up\nCREATE EXTENSION pgcrypto;\n-- migrate:down\nDROP EXTENSION pgcrypto;\n',
      '202601011000_adminpack.sql':
        '-- migrate:up\nCREATE EXTENSION adminpack;\n-- migrate:down\nDROP EXTENSION adminpack;\n',
    });
    const outcome = await run(set, ownerUrl);
    expect(rules(outcome)).toEqual(['up-failed 202601011000_adminpack']);
    expect(outcome.findings[0]!.message).toMatch(
      /^up failed: permission denied to create extension "adminpack": .*run with `privileged: true`/,
    );
  });

  it('never puts the password a module throws into findings or notes', async () => {
    const module = (name: string) => ({
      [`${name}.mjs`]:
        'export async function up({ context }) {\n  throw new Error(`leak ${context.client.connectionParameters.password}`);\n}\n' +
        'export async function down() {}\n',
    });
    const set = await migrations(module('202601010900_throw_password'));
    for (const privileged of [false, true]) {
      let seen = '';
      const provider = new UrlProvider(ownerUrl, { privileged });
      const outcome = await runRoundTrips([set], roundTripConfig({ cwd: cwdOf.get(set)! }), {
        provider,
        progress: () => {
          seen ||= provider.runRole ?? ownerPassword;
        },
      });
      expect(outcome.findings.map((f) => f.rule)).toEqual(['up-failed']);
      expect(outcome.findings[0]!.message).toBe('up failed: leak ***');
      expect(JSON.stringify([outcome.findings, outcome.notes])).not.toContain(ownerPassword);
      expect(seen).not.toBe('');
    }
  });
});

describe('cluster-wide objects', () => {
  const roleName = `mg_sandbox_app_${suffix}`;
  const roleUpDown = () =>
    migrations({
      '202601010900_app_role.sql': `-- migrate:up\nCREATE ROLE ${roleName} NOLOGIN;\n-- migrate:down\nDROP ROLE ${roleName};\n`,
    });

  it('refuses CREATE ROLE by default, with the way out', async () => {
    const outcome = await run(await roleUpDown());
    expect(rules(outcome)).toEqual(['up-failed 202601010900_app_role']);
    expect(outcome.findings[0]!.message).toMatch(
      /^up failed: permission denied to create role: .*privileged: true/,
    );
  });

  it('privileged: a role created in up and dropped in down passes, remains nowhere, and passes again', async () => {
    const set = await roleUpDown();
    for (let i = 0; i < 2; i++) {
      const outcome = await run(set, TEST_DATABASE_URL, { privileged: true });
      expect(outcome.findings).toEqual([]);
      expect([...outcome.results.values()][0]!.impact!.added).toEqual([`role ${roleName}`]);
      expect(await exists('role', roleName)).toBe(false);
      expect(outcome.notes).toContain(
        `migration-gate removed what the migrations created on the server: role ${roleName}`,
      );
    }
  });

  it('privileged: six concurrent runs of it all pass', async () => {
    const set = await roleUpDown();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => run(set, TEST_DATABASE_URL, { privileged: true })),
    );
    expect(outcomes.map((o) => o.findings)).toEqual(Array.from({ length: 6 }, () => []));
    expect(await exists('role', roleName)).toBe(false);
  });

  it('privileged: a down that leaves a role is a down-mismatch naming it, and the role is removed', async () => {
    const set = await migrations({
      '202601010900_app_role.sql': `-- migrate:up\nCREATE ROLE ${roleName} NOLOGIN;\nGRANT ${roleName} TO CURRENT_USER;\n-- migrate:down\nREVOKE ${roleName} FROM CURRENT_USER;\n`,
    });
    const outcome = await run(set, TEST_DATABASE_URL, { privileged: true });
    expect(rules(outcome)).toEqual([
      'down-mismatch 202601010900_app_role',
      'reup-failed 202601010900_app_role',
    ]);
    expect(outcome.findings[0]!.message).toBe(
      `after down, the schema differs from before up: role ${roleName}`,
    );
    expect(outcome.findings[0]!.details).toEqual([`role ${roleName}: present after down, absent before up`]);
    expect(await exists('role', roleName)).toBe(false);
  });

  it('a setting the down forgets is a down-mismatch, also under the run role', async () => {
    const set = await migrations({
      '202601010900_work_mem.sql':
        "-- migrate:up\nALTER ROLE CURRENT_USER SET work_mem = '8MB';\n-- migrate:down\nSELECT 1;\n",
    });
    const outcome = await run(set);
    expect(rules(outcome)).toEqual(['down-mismatch 202601010900_work_mem']);
    expect(outcome.findings[0]!.details).toEqual([
      'setting role (the migration role): present after down, absent before up',
    ]);
  });

  it('a waived migration creating a SUPERUSER role: refused by default, removed at the end when privileged', async () => {
    const evil = `mg_sandbox_evil_${suffix}`;
    const set = await migrations({
      '202601010900_evil.sql': `-- downgrade-waiver: owner=@x; rationale=one way\n-- migrate:up\nCREATE ROLE ${evil} SUPERUSER LOGIN PASSWORD 'evil-secret';\n`,
    });
    const refused = await run(set);
    expect(rules(refused)).toEqual(['up-failed 202601010900_evil']);
    expect(refused.findings[0]!.message).toMatch(/^up failed: must be superuser to create superusers: /);
    const privileged = await run(set, TEST_DATABASE_URL, { privileged: true });
    expect(privileged.findings).toEqual([]);
    expect([...privileged.results.values()][0]).toMatchObject({ waived: true });
    expect(await exists('role', evil)).toBe(false);
  });

  it('CREATE TABLESPACE and ALTER SYSTEM: refused by default; removed and restored when privileged', async () => {
    const location = mkdtempSync(join(tmpdir(), 'mg-tablespace-'));
    dirs.push(location);
    mkdirSync(join(location, 'ts'));
    chmodSync(location, 0o755);
    // The server writes into the tablespace's directory: it must belong to the server's user.
    chownSync(join(location, 'ts'), idOf('-u'), idOf('-g'));
    const space = `mg_sandbox_ts_${suffix}`;
    const set = await migrations({
      '202601010900_space.sql': `-- downgrade-waiver: owner=@x; rationale=one way\n-- migrate:up transaction:false\nCREATE TABLESPACE ${space} LOCATION '${join(location, 'ts')}';\n`,
      '202601011000_system.sql': `-- downgrade-waiver: owner=@x; rationale=one way\n-- migrate:up transaction:false\nALTER SYSTEM SET work_mem = '7MB';\n`,
    });
    const refused = await run(set);
    expect(refused.findings.map((f) => f.message.split(': the migrations run as')[0])).toEqual([
      `up failed: permission denied to create tablespace "${space}"`,
      'up failed: permission denied to set parameter "work_mem"',
    ]);
    const privileged = await run(set, TEST_DATABASE_URL, { privileged: true });
    expect(privileged.findings).toEqual([]);
    expect(await exists('tablespace', space)).toBe(false);
    expect(privileged.notes).toContain(
      '202601011000_system up changed the server setting work_mem with ALTER SYSTEM; migration-gate restored it at the end of the run',
    );
    const auto = await admin(
      async (c) =>
        (
          await c.query(
            "SELECT 1 FROM pg_file_settings WHERE name = 'work_mem' AND sourcefile LIKE '%auto.conf'",
          )
        ).rowCount,
    );
    expect(auto).toBe(0);
  });
});

/** The user or group id of the local server's `postgres` user. */
function idOf(which: '-u' | '-g'): number {
  return Number(execFileSync('id', [which, 'postgres'], { encoding: 'utf8' }).trim());
}

describe("the gate's storage", () => {
  it('a down that drops it or an up that writes into it is a finding on that migration (privileged)', async () => {
    const set = await migrations({
      '202601010900_create_orders.sql': CREATE_ORDERS,
      '202601011000_drop_storage.sql':
        '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\nDROP SCHEMA migration_gate CASCADE;\n',
      '202601011100_write_storage.sql':
        "-- migrate:up\nINSERT INTO migration_gate.executed (name) VALUES ('202601019999_forged');\n-- migrate:down\nSELECT 1;\n",
      '202601011200_create_b.sql':
        '-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n',
    });
    const outcome = await run(set, TEST_DATABASE_URL, { privileged: true });
    expect(rules(outcome)).toEqual([
      'storage-tampered 202601011000_drop_storage',
      'storage-tampered 202601011100_write_storage',
    ]);
    expect(outcome.findings[0]!.message).toBe(
      "down dropped the gate's storage (migration_gate.executed): the schema migration_gate is migration-gate's own " +
        'record of the applied migrations: a migration must leave it alone',
    );
    expect(outcome.findings[1]!.message).toMatch(
      /^up wrote into the gate's storage table migration_gate\.executed/,
    );
    const last = [...outcome.results.values()].at(-1)!;
    expect(last.roundtrip!.reup.status).toBe('pass');
  });

  it("is out of the run role's reach", async () => {
    const set = await migrations({
      '202601011000_drop_storage.sql':
        '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\nDROP SCHEMA migration_gate CASCADE;\n',
    });
    const outcome = await run(set);
    expect(rules(outcome)).toEqual(['storage-tampered 202601011000_drop_storage']);
    expect(outcome.findings[0]!.message).toBe(
      "down tried to change the gate's storage (must be owner of schema migration_gate): the schema " +
        "migration_gate is migration-gate's own record of the applied migrations: a migration must leave it alone",
    );
  });
});

describe('leftovers of earlier runs', () => {
  it("drops the gate's own databases and roles older than stale-after, and says so", async () => {
    const old = `migration_gate_stale${suffix}`;
    const fresh = `migration_gate_fresh${suffix}`;
    const foreign = `migration_gate_other${suffix}`;
    await admin(async (c) => {
      await c.query(`CREATE ROLE ${old} NOLOGIN`);
      await c.query(`CREATE DATABASE ${old} OWNER ${old}`);
      await c.query(`COMMENT ON ROLE ${old} IS 'migration-gate scratch created 2026-01-01T08:00:00Z'`);
      await c.query(`COMMENT ON DATABASE ${old} IS 'migration-gate scratch created 2026-01-01T08:00:00Z'`);
      await c.query(`CREATE DATABASE ${fresh}`);
      await c.query(`CREATE DATABASE ${foreign}`);
      await c.query(`COMMENT ON DATABASE ${fresh} IS 'migration-gate scratch created 2026-01-01T13:30:00Z'`);
    });
    try {
      const set = await migrations({ '202601010900_create_orders.sql': CREATE_ORDERS });
      const outcome = await run(set, TEST_DATABASE_URL, {
        staleAfterHours: 6,
        now: () => new Date('2026-01-01T15:00:00Z'),
      });
      expect(outcome.findings).toEqual([]);
      expect(outcome.notes).toContain(
        `dropped 2 leftover(s) of earlier runs on this server (older than 6 h): ${old}, ${old}`,
      );
      expect(await exists('database', old)).toBe(false);
      expect(await exists('role', old)).toBe(false);
      // Younger than 6 hours, or without the gate's comment: not the gate's to drop.
      expect(await exists('database', fresh)).toBe(true);
      expect(await exists('database', foreign)).toBe(true);
    } finally {
      await admin(async (c) => {
        for (const name of [old, fresh, foreign]) await c.query(`DROP DATABASE IF EXISTS ${name}`);
        await c.query(`DROP ROLE IF EXISTS ${old}`);
      });
    }
  });

  it('leaves no database or role of its own behind', async () => {
    const before = await gateObjects();
    const set = await migrations({ '202601010900_create_orders.sql': CREATE_ORDERS });
    const outcome = await run(set, ownerUrl);
    expect(outcome.role).not.toBeNull();
    expect((await gateObjects()).filter((n) => !before.includes(n) && n === outcome.role)).toEqual([]);
  });
});
