import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileNamingPattern, loadConfigFile, resolveConfig } from '../src/config/load.js';
import { redactUrl } from '../src/redact.js';
import { GateError } from '../src/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'mg-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('resolveConfig', () => {
  it('applies defaults', () => {
    const c = resolveConfig('/work');
    expect(c).toMatchObject({
      cwd: '/work',
      dirs: ['migrations'],
      format: 'auto',
      database: 'auto',
      failOn: 'error',
      stepTimeoutSec: 300,
      namingPatternSource: 'utc-minute',
    });
    expect(c.namingPattern.test('202611211430_add_invoice_index')).toBe(true);
    expect(c.namingPattern.test('20261121143000_add_invoice_index')).toBe(false);
  });

  it('lets later sources win and ignores empty values', () => {
    const c = resolveConfig(
      '/work',
      { migrations: ['db'], 'fail-on': 'warning' },
      { migrations: ['other'], 'fail-on': '' },
    );
    expect(c.dirs).toEqual(['other']);
    expect(c.failOn).toBe('warning');
  });

  it('reads a postgres URL given as --database', () => {
    const c = resolveConfig('/work', { database: 'postgresql://u:p@localhost/db' });
    expect([c.database, c.databaseUrl]).toEqual(['url', 'postgresql://u:p@localhost/db']);
  });

  it('runs steps as a role of their own unless privileged, and drops leftovers after 6 hours by default', async () => {
    expect(resolveConfig('/work')).toMatchObject({ privileged: false, staleAfterHours: 6 });
    const dir = mkdtempSync(join(tmpdir(), 'mg-config-privileged-'));
    writeFileSync(join(dir, '.migration-gate.yml'), 'privileged: true\nstale-after: 1.5\n');
    const file = await loadConfigFile(dir, null);
    expect(file).toEqual({ privileged: true, 'stale-after': 1.5 });
    expect(resolveConfig('/work', file)).toMatchObject({ privileged: true, staleAfterHours: 1.5 });
    expect(resolveConfig('/work', file, { privileged: false }).privileged).toBe(false);
    expect(() => resolveConfig('/work', { 'stale-after': 0 })).toThrow(
      "stale-after must be a positive number of hours; got '0'",
    );
    writeFileSync(join(dir, '.migration-gate.yml'), 'privileged: yes please\n');
    await expect(loadConfigFile(dir, null)).rejects.toThrow(/'privileged'/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('gates a directory named twice once', () => {
    const c = resolveConfig('/work', { migrations: ['db', './db/', 'other', '/work/db'] });
    expect(c.dirs).toEqual(['db', 'other']);
  });

  it('resolves working-directory and report paths', () => {
    const c = resolveConfig('/work', { 'working-directory': 'api', json: 'out/r.json' });
    expect([c.cwd, c.jsonPath]).toEqual(['/work/api', '/work/out/r.json']);
  });

  it.each([
    [
      { format: 'flyway' },
      /format must be one of auto, sql, umzug, alembic, sequelize, knex, node-pg-migrate; got 'flyway'/,
    ],
    [{ database: 'mysql' }, /database must be one of/],
    [{ 'naming-pattern': '^\\d+_\\w+$' }, /needs a named group 'timestamp' or 'version'/],
    [{ 'requirement-pattern': '(' }, /requirement-pattern is not a valid regular expression/],
    [{ 'requirement-pattern': 'X*' }, /matches the empty string/],
    [{ 'step-timeout': 0 }, /step-timeout must be a positive number/],
    // Past 2^31-1 ms PostgreSQL refuses statement_timeout and Node's timer fires at once.
    [{ 'step-timeout': 3_000_000 }, /^step-timeout must be at most 2000000 seconds .*; got '3000000'$/],
    [{ 'database-url': 'mysql://x' }, /database-url must start with postgres/],
  ])('rejects %j', (settings, message) => {
    expect(() => resolveConfig('/work', settings)).toThrow(GateError);
    expect(() => resolveConfig('/work', settings)).toThrow(message);
  });

  it('knows the naming presets', () => {
    expect(compileNamingPattern('utc-second').exec('20261121143059_x')?.groups?.timestamp).toBe(
      '20261121143059',
    );
    expect(compileNamingPattern('sequential').exec('0042_add_x')?.groups?.version).toBe('0042');
    expect(compileNamingPattern('sequelize').exec('20160619080644-add-index')?.groups?.slug).toBe(
      'add-index',
    );
  });
});

describe('loadConfigFile', () => {
  it('returns nothing when the default file is absent', async () => {
    expect(await loadConfigFile(tmp, null)).toEqual({});
  });

  it('reads the stable keys', async () => {
    writeFileSync(
      join(tmp, '.migration-gate.yml'),
      'migrations:\n  - db/migrations\nnaming-pattern: utc-second\nstep-timeout: 60\nrequire-requirements: true\n',
    );
    const settings = await loadConfigFile(tmp, null);
    expect(settings).toEqual({
      migrations: ['db/migrations'],
      'naming-pattern': 'utc-second',
      'step-timeout': 60,
      'require-requirements': true,
    });
  });

  it('names an unknown key and the known ones', async () => {
    writeFileSync(join(tmp, 'bad.yml'), 'migration: db\n');
    await expect(loadConfigFile(tmp, 'bad.yml')).rejects.toThrow(
      /^bad\.yml: unknown key 'migration' \(known: migrations, /,
    );
  });

  it('refuses Action-only settings such as comment, which the file cannot set', async () => {
    writeFileSync(join(tmp, 'action-only.yml'), 'comment: never\n');
    await expect(loadConfigFile(tmp, 'action-only.yml')).rejects.toThrow(
      /^action-only\.yml: unknown key 'comment'/,
    );
  });

  it('names the line of invalid YAML', async () => {
    writeFileSync(join(tmp, 'broken.yml'), 'migrations:\n  - a\n bad: [\n');
    await expect(loadConfigFile(tmp, 'broken.yml')).rejects.toThrow(/^broken\.yml:\d+: invalid YAML/);
  });

  it('ends the YAML message at its position, and says how to write a regex in double quotes', async () => {
    writeFileSync(join(tmp, 'regex.yml'), 'naming-pattern: "^(?<timestamp>\\d{12})_(?<slug>.*)$"\n');
    const error = await loadConfigFile(tmp, 'regex.yml').catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(GateError);
    expect((error as Error).message).toBe(
      "regex.yml:1: invalid YAML: Invalid escape sequence \\d at line 1, column 32 (a regex in double quotes needs each backslash doubled: write it in single quotes, '\\d+')",
    );
    writeFileSync(join(tmp, 'flow.yml'), 'migrations: [a\n  b: c\n');
    await expect(loadConfigFile(tmp, 'flow.yml')).rejects.toThrow(/at line 1, column 14$/);
  });

  it('fails on a missing explicit file', async () => {
    await expect(loadConfigFile(tmp, 'nope.yml')).rejects.toThrow(
      /cannot read the configuration file nope\.yml/,
    );
  });
});

describe('forbidden-patterns in the configuration file', () => {
  it('replaces the defaults, with the default reason, include and exclusions', () => {
    const c = resolveConfig('/work', {
      'forbidden-patterns': [{ id: 'raw-ddl', pattern: '\\bDROP\\s+TABLE\\b' }],
    });
    expect(c.forbiddenPatterns).toHaveLength(1);
    expect(c.forbiddenPatterns[0]).toMatchObject({
      id: 'raw-ddl',
      reason: 'matches the forbidden pattern \\bDROP\\s+TABLE\\b',
      include: ['**/*'],
      exclude: expect.arrayContaining(['**/tests/**', '**/fixtures/**', '**/node_modules/**']),
    });
    expect(c.forbiddenPatterns[0]!.pattern.test('DROP TABLE users')).toBe(true);
  });

  it("adds a pattern's own exclude to the default exclusions instead of replacing them", () => {
    const c = resolveConfig('/work', {
      'forbidden-patterns': [
        { id: 'raw-ddl', pattern: 'DROP', exclude: ['app/admin/**', '**/node_modules/**'] },
      ],
    });
    const exclude = c.forbiddenPatterns[0]!.exclude;
    expect(exclude).toEqual(
      expect.arrayContaining(['**/tests/**', '**/node_modules/**', '**/dist/**', 'app/admin/**']),
    );
    expect(exclude.filter((g) => g === '**/node_modules/**')).toHaveLength(1);
  });

  it('turns the scan off with false, and names an invalid pattern', () => {
    expect(resolveConfig('/work', { 'forbidden-patterns': false }).forbiddenPatterns).toEqual([]);
    expect(() => resolveConfig('/work', { 'forbidden-patterns': [{ id: 'x', pattern: '(' }] })).toThrow(
      /forbidden-patterns 'x' is not a valid regular expression/,
    );
  });
});

describe('redactUrl', () => {
  it('hides passwords inside any text', () => {
    expect(redactUrl('failed: postgres://admin:s3cr%40t@db:5432/x and postgresql://u:p@h/d')).toBe(
      'failed: postgres://admin:***@db:5432/x and postgresql://u:***@h/d',
    );
    expect(redactUrl('postgres://user@host/db')).toBe('postgres://user@host/db');
    // libpq takes the password as a query parameter too.
    expect(redactUrl('at postgresql://u@h:1/d?sslmode=disable&password=s3cr3t: connect refused')).toBe(
      'at postgresql://u@h:1/d?sslmode=disable&password=***: connect refused',
    );
  });
});
