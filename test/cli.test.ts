import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import type { Report } from '../src/types.js';

const root = resolve(import.meta.dirname, '..');

const run = (args: string[], cwd = root) => cli(args, cwd);

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=dev', ...args], {
    cwd,
    stdio: 'pipe',
  });

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mg-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('migration-gate lint', () => {
  it('passes a clean fixture with exit 0', async () => {
    const r = await run(['lint', '--dir', 'fixtures/lint/clean', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/3 changed migrations, 0 errors, 0 warnings: the gate passes/);
  });

  it('counts migrations in the progress line in the singular and the plural', async () => {
    const one = join(tmp, 'one-migration');
    mkdirSync(join(one, 'm'), { recursive: true });
    cpSync(
      join(root, 'fixtures/lint/clean/202611010900_create_customers.up.sql'),
      join(one, 'm/202611010900_a.up.sql'),
    );
    expect((await run(['lint', '--dir', 'm'], one)).stderr).toMatch(/^\[lint\] 1 migration \(/m);
    expect((await run(['lint', '--dir', 'fixtures/lint/clean'])).stderr).toMatch(
      /^\[lint\] 3 migrations \(/m,
    );
  });

  it('prints findings as file:line rule message and exits 1', async () => {
    const r = await run(['lint', '--dir', 'fixtures/lint/down-missing', '-q']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^fixtures\/lint\/down-missing\/202611021015_add_customer_email\.up\.sql down-missing .+/,
    );
    expect(lines.at(-1)).toMatch(/1 error, 0 warnings: the gate fails/);
  });

  it('names file and line for a finding with a line', async () => {
    const r = await run(['lint', '--dir', 'fixtures/lint/waiver-incomplete', '-q']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^fixtures\/lint\/waiver-incomplete\/\S+\.up\.sql:\d+ waiver-incomplete /m);
  });

  it('treats warnings as failures with --fail-on warning', async () => {
    const pass = await run(['lint', '--dir', 'fixtures/lint/requirement-missing', '-q']);
    const fail = await run([
      'lint',
      '--dir',
      'fixtures/lint/requirement-missing',
      '-q',
      '--fail-on',
      'warning',
    ]);
    expect(pass.stdout).toMatch(/requirement-missing warning: /);
    expect([pass.code, fail.code]).toEqual([0, 1]);
  });

  it('writes the JSON report with the stable fields', async () => {
    const json = join(tmp, 'lint.json');
    const r = await run(['lint', '--dir', 'fixtures/lint/down-missing', '-q', '--json', json]);
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report).toMatchObject({ version: 1, verdict: 'fail', base: null, database: null });
    expect(report.migrations.map((m) => [m.name, m.format, m.change])).toEqual([
      ['202611010900_create_customers', 'sql', 'added'],
      ['202611021015_add_customer_email', 'sql', 'added'],
    ]);
    expect(report.findings).toEqual([
      expect.objectContaining({
        rule: 'down-missing',
        severity: 'error',
        migration: '202611021015_add_customer_email',
        path: 'fixtures/lint/down-missing/202611021015_add_customer_email.up.sql',
      }),
    ]);
  });

  it('writes the Markdown report', async () => {
    const md = join(tmp, 'lint.md');
    const r = await run(['lint', '--dir', 'fixtures/lint/clean', '-q', '--markdown', md]);
    expect(r.code).toBe(0);
    expect(readFileSync(md, 'utf8')).toContain('202611031200\\_create\\_invoices');
  });
});

describe('the acceptance scenario: a branch against main', () => {
  it('reports order, history-modified and down-missing on the right migrations, nothing else at error', async () => {
    const repo = join(tmp, 'accept');
    const dir = join(repo, 'migrations');
    mkdirSync(dir, { recursive: true });
    const pair = (name: string, up: string, down: string | null) => {
      writeFileSync(join(dir, `${name}.up.sql`), `-- requirements: RL-1\n${up}\n`);
      if (down !== null) writeFileSync(join(dir, `${name}.down.sql`), `${down}\n`);
    };
    pair('202611010900_create_customers', 'CREATE TABLE customers (id int);', 'DROP TABLE customers;');
    pair('202611020900_create_orders', 'CREATE TABLE orders (id int);', 'DROP TABLE orders;');
    pair('202611030900_create_invoices', 'CREATE TABLE invoices (id int);', 'DROP TABLE invoices;');
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'three migrations');
    git(repo, 'checkout', '-qb', 'feature');
    pair(
      '202611011200_add_customer_name',
      'ALTER TABLE customers ADD name text;',
      'ALTER TABLE customers DROP name;',
    );
    writeFileSync(join(dir, '202611020900_create_orders.up.sql'), 'CREATE TABLE orders (id bigint);\n');
    pair('202611200900_add_invoice_total', 'ALTER TABLE invoices ADD total numeric;', null);
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'branch');

    const r = await run(['lint', '--dir', 'migrations', '--base', 'main', '--json', 'r.json', '-q'], repo);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(join(repo, 'r.json'), 'utf8')) as Report;
    const errors = report.findings.filter((f) => f.severity === 'error').map((f) => [f.rule, f.migration]);
    expect(errors.sort()).toEqual(
      [
        ['down-missing', '202611200900_add_invoice_total'],
        ['history-modified', '202611020900_create_orders'],
        ['order', '202611011200_add_customer_name'],
      ].sort(),
    );
    expect(report.base).toBe('main');
  });
});

describe('errors exit 2 with one line', () => {
  it.each([
    [['lint', '--dir', 'fixtures/does-not-exist'], /does-not-exist/],
    [
      ['lint', '--dir', 'fixtures/lint/clean', '--naming-pattern', '(?<timestamp>[0-9'],
      /naming-pattern .*not a valid regular expression/,
    ],
    [['lint', '--dir', 'fixtures/lint/clean', '--base', 'no-such-ref-anywhere'], /no-such-ref-anywhere/],
    [
      ['lint', '--dir', 'fixtures/lint/clean', '--fail-on', 'sometimes'],
      /fail-on must be one of error, warning/,
    ],
    [['lint', '--frobnicate'], /--frobnicate/],
    [['deploy'], /unknown command 'deploy'/],
    [['check', '--dir', 'fixtures/lint/clean', '--database', 'url'], /needs a server URL/],
    [['lint', '--dir', 'fixtures/lint/clean', '--step-timeout', 'soon'], /--step-timeout takes a number/],
  ])('%j', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unreadable configuration file names the file and the key', async () => {
    const dir = join(tmp, 'cfg');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.migration-gate.yml'), 'migrations: [db]\nstep-timeout: fast\n');
    const r = await run(['lint'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^migration-gate: \.migration-gate\.yml: 'step-timeout': /);
  });

  it('refuses an unwritable report path before any work', async () => {
    const r = await run([
      'check',
      '--dir',
      'fixtures/lint/clean',
      '--database',
      'postgres://u:p@127.0.0.1:1/db',
      '--json',
      'fixtures/lint/clean/202611010900_create_customers.up.sql/r.json',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^migration-gate: cannot write the JSON report to .*r\.json: /m);
    // Stopped before the round-trip (and so before any connection to the database).
    expect(r.stderr).not.toContain('[round-trip');
  });

  it('never prints a database password', async () => {
    const r = await run([
      'check',
      '--dir',
      'fixtures/lint/clean',
      '--database',
      'postgres://u:hunter2@127.0.0.1:1/db',
      '-q',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('refuses to write a report over a file it reads, and leaves that file as it was', async () => {
    const dir = join(tmp, 'overwrite');
    cpSync(join(root, 'fixtures/lint/clean'), join(dir, 'migrations'), { recursive: true });
    const target = `migrations/${readdirSync(join(dir, 'migrations')).sort()[0]}`;
    const before = readFileSync(join(dir, target), 'utf8');
    for (const [flag, what] of [
      ['--json', 'JSON'],
      ['--markdown', 'Markdown'],
    ]) {
      const r = await run(['lint', '-q', flag!, target], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `migration-gate: the ${what} report ${join(dir, target)} would overwrite ${target}, a file the gate reads: write the report somewhere else\n`,
      );
      expect(readFileSync(join(dir, target), 'utf8')).toBe(before);
    }
    const config = await run(['lint', '-q', '--json', '.migration-gate.yml'], dir);
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(/would overwrite the configuration file/);
  });

  it('creates the folder of the Markdown report, and names the file it cannot write', async () => {
    const dir = join(tmp, 'markdown-dirs');
    cpSync(join(root, 'fixtures/lint/clean'), join(dir, 'migrations'), { recursive: true });
    const ok = await run(['lint', '-q', '--markdown', 'out/deep/report.md'], dir);
    expect(ok.code).toBe(0);
    expect(readFileSync(join(dir, 'out/deep/report.md'), 'utf8')).toMatch(/Migration gate passed/);
    writeFileSync(join(dir, 'plain-file'), '');
    const bad = await run(['lint', '-q', '--markdown', 'plain-file/report.md'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^migration-gate: cannot write the Markdown report to \S+plain-file\/report\.md: /,
    );
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('terminal output', () => {
  it('shows control characters of file names as escapes, so a name cannot fake lines or drive the terminal', async () => {
    const dir = join(tmp, 'control-names');
    mkdirSync(join(dir, 'migrations'), { recursive: true });
    writeFileSync(join(dir, 'migrations', '202601011000_x\nfake.sql:1 ok.up.sql'), 'SELECT 1;\n');
    writeFileSync(join(dir, 'migrations', '202601011010_\u001b[2Jred.up.sql'), 'SELECT 1;\n');
    const r = await run(['lint', '-q'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('\u001b');
    const lines = r.stdout.trim().split('\n');
    expect(lines.every((l) => l.startsWith('migrations/') || l.startsWith('migration-gate lint:'))).toBe(
      true,
    );
    expect(r.stdout).toContain("name '202601011000_x\\nfake.sql:1 ok' does not match the naming pattern");
    expect(r.stdout).toContain('migrations/202601011010_\\x1b[2Jred.up.sql:1 name-format');
  });
});

describe('help and version', () => {
  it('prints help with examples and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain(
      'migration-gate check --base origin/main --dir db/migrations --database embedded',
    );
    // The examples lead with --base: without it, every shipped migration of an existing project is judged as new.
    const examples = r.stdout.slice(r.stdout.indexOf('Examples'));
    const commands = examples.split('\n').filter((l) => /^\s+migration-gate (check|lint) /.test(l));
    expect(commands.length).toBeGreaterThan(3);
    for (const command of commands) expect(command).toMatch(/^\s+migration-gate (check|lint) --base /);
  });

  it('without a command prints help and exits 2', async () => {
    expect((await run([])).code).toBe(2);
  });
});

describe('migration-gate new', () => {
  it('writes a correctly named migration that lint then reads', async () => {
    const dir = join(tmp, 'new');
    cpSync(join(root, 'fixtures/lint/clean'), join(dir, 'migrations'), { recursive: true });
    const r = await run(['new', 'add_invoice_index', '--dir', 'migrations'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^created migrations\/\d{12}_add_invoice_index\.up\.sql$/m);
    const up = readFileSync(join(dir, r.stdout.match(/created (\S+\.up\.sql)/)![1]!), 'utf8');
    expect(up).toMatch(/^-- requirements: /m);
    const lint = await run(['lint', '--dir', 'migrations', '-q', '--json', 'r.json'], dir);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    const created = report.migrations.find((m) => m.name.endsWith('_add_invoice_index'))!;
    expect([created.format, created.change]).toEqual(['sql', 'added']);
    // An untouched template does nothing (an empty up and an empty down): only the requirement is asked for.
    const rules = (r: Report) => r.findings.filter((f) => f.migration === created.name).map((f) => f.rule);
    expect(rules(report)).toEqual(['requirement-missing']);
    expect(lint.code).toBe(0);
    // Once the up part does something, the gate holds the migration back until the downgrade is written.
    writeFileSync(join(dir, created.path), `${up}CREATE INDEX invoices_idx ON invoices (id);\n`);
    const again = await run(['lint', '--dir', 'migrations', '-q', '--json', 'r.json'], dir);
    expect(rules(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report)).toEqual([
      'down-missing',
      'requirement-missing',
    ]);
    expect(again.code).toBe(1);
  });

  it('exits 2 without --dir or a configured directory when ./migrations does not exist', async () => {
    const dir = join(tmp, 'new-nodir');
    mkdirSync(dir, { recursive: true });
    const r = await run(['new', 'add_x'], dir);
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      '',
      'migration-gate: no migration directory given, and the default migrations does not exist: name it with --dir <path> (or migrations: in .migration-gate.yml)\n',
    ]);
    expect(readdirSync(dir)).toEqual([]);
  });
});
