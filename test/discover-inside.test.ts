import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from '../src/discover/index.js';
import { changedFiles } from '../src/discover/git.js';
import { containment, isInside, repositoryRoot } from '../src/repository.js';
import { lint } from '../src/lint/index.js';
import { scanForbidden } from '../src/lint/forbidden.js';
import { cli } from './helpers/cli.js';
import { testConfig } from './helpers/migration.js';

/** Text that must never appear in any output: it lives outside the repository. */
const SECRET = 'TOPSECRET-7f3a9c1e-outside-the-repository';

let tmp: string;
let repo: string;
let outside: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

function write(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mg-inside-'));
  outside = join(tmp, 'outside');
  repo = join(tmp, 'repo');
  // A file outside the repository that looks like a migration (and would fail the lint if read).
  write(
    join(outside, 'secret.sql'),
    `-- migrate:up\nSELECT '${SECRET}';\n-- migrate:up\n-- migrate:down\nSELECT '${SECRET}';\n`,
  );
  write(join(outside, 'dir/202601010000_a.up.sql'), `SELECT '${SECRET}';\n`);
  write(join(outside, 'schema.sql'), `CREATE TABLE "${SECRET}" ();\n`);
  write(join(outside, 'gate.yml'), `migrations: [${SECRET}\n`);
  write(join(outside, 'create_all.py'), `Base.metadata.create_all(engine)  # ${SECRET}\n`);
  // An ESM module that would leave a trace if it were ever imported.
  write(
    join(outside, 'module.mjs'),
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(join(outside, 'imported'))}, 'x');\n` +
      `export async function up() { throw new Error('${SECRET}'); }\nexport async function down() {}\n`,
  );

  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  write(
    join(repo, 'db/202601010000_create_a.sql'),
    '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n',
  );
  symlinkSync(join(outside, 'secret.sql'), join(repo, 'db/202601020000_leak.sql'));
  // A link inside the repository keeps working.
  write(
    join(repo, 'shared/b.sql'),
    '-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n',
  );
  symlinkSync('../shared/b.sql', join(repo, 'db/202601030000_create_b.sql'));
  symlinkSync(join(outside, 'dir'), join(repo, 'linked'));
  symlinkSync('../outside/schema.sql', join(repo, 'schema.sql'));
  mkdirSync(join(repo, 'js'));
  symlinkSync(join(outside, 'module.mjs'), join(repo, 'js/202601010000_leak.mjs'));
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'init');
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('containment', () => {
  it('resolves links and says where one outside leads', async () => {
    const root = await repositoryRoot(join(repo, 'db'));
    expect(root).toBe(await repositoryRoot(repo));
    expect(await containment(root, join(repo, 'db/202601030000_create_b.sql'))).toMatchObject({
      inside: true,
      real: join(root, 'shared/b.sql'),
    });
    const leak = await containment(root, join(repo, 'db/202601020000_leak.sql'));
    expect(leak).toMatchObject({ inside: false });
    expect(leak.inside === false && leak.message).toMatch(
      /^is a symbolic link to '.*\/outside\/secret\.sql', outside the repository: not read/,
    );
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a/b/..c')).toBe(true);
    expect(isInside('/a/b', '/a')).toBe(false);
  });

  it('is the working directory outside a git repository', async () => {
    expect(await repositoryRoot(outside)).toBe(await repositoryRoot(outside));
    const root = await repositoryRoot(join(outside, 'dir'));
    expect(root.endsWith('/outside/dir')).toBe(true);
  });
});

describe('a migration whose real path leaves the repository', () => {
  it('is a parse-error naming the file and its target, never read; a link inside still works', async () => {
    const config = testConfig({ cwd: repo, dirs: ['db'] });
    const sets = await discover(config);
    const leak = sets[0]!.migrations.find((m) => m.name === '202601020000_leak')!;
    expect(leak.up).toBeNull();
    expect(sets[0]!.outside).toEqual([{ path: 'db/202601020000_leak.sql', message: expect.any(String) }]);
    const findings = lint(sets, config).filter((f) => f.rule === 'parse-error');
    expect(findings).toEqual([
      {
        rule: 'parse-error',
        severity: 'error',
        migration: '202601020000_leak',
        path: 'db/202601020000_leak.sql',
        message: expect.stringMatching(
          /^this file is a symbolic link to '.*\/outside\/secret\.sql', outside the repository: not read/,
        ) as string,
      },
    ]);
    // The duplicate marker inside the secret file would be a finding if it had been read.
    expect(JSON.stringify(sets)).not.toContain(SECRET);
    const linked = sets[0]!.migrations.find((m) => m.name === '202601030000_create_b')!;
    expect(linked.up?.text).toContain('CREATE TABLE b');
    expect(linked.parseProblems).toEqual([]);
  });

  it('is refused by the CLI: the secret is in no output, report or comment text', async () => {
    const json = join(tmp, 'lint.json');
    const markdown = join(tmp, 'lint.md');
    const r = await cli(['lint', '--dir', 'db', '--json', json, '--markdown', markdown], repo);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^db\/202601020000_leak\.sql parse-error this file is a symbolic link to '.*secret\.sql', outside the repository/m,
    );
    for (const text of [r.stdout, r.stderr, readFileSync(json, 'utf8'), readFileSync(markdown, 'utf8')]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it('never imports a module that leads outside, and check starts no round-trip for its directory', async () => {
    const json = join(tmp, 'check.json');
    const r = await cli(['check', '--dir', 'js', '--database', 'embedded', '-q', '--json', json], repo);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^js\/202601010000_leak\.mjs parse-error this file is a symbolic link/m);
    expect(r.stderr).toContain(
      'note: the round-trip of js was skipped: 1 path(s) lead outside the repository',
    );
    expect(existsSync(join(outside, 'imported'))).toBe(false);
    expect(r.stdout + r.stderr + readFileSync(json, 'utf8')).not.toContain(SECRET);
  });
});

describe('a migration directory whose real path leaves the repository', () => {
  it('is one parse-error naming the directory; nothing in it is listed or read', async () => {
    const json = join(tmp, 'dir.json');
    const r = await cli(['lint', '--dir', 'linked', '--json', json], repo);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^linked parse-error migration directory 'linked' is a symbolic link to '.*\/outside\/dir', outside the repository: not read/m,
    );
    const report = readFileSync(json, 'utf8');
    expect(report).not.toContain('202601010000_a');
    expect(r.stdout + r.stderr + report).not.toContain(SECRET);
  });

  it('is refused by its real path too, without a link (a directory named past the repository)', async () => {
    const r = await cli(['lint', '--dir', '../outside/dir'], repo);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^\.\.\/outside\/dir parse-error migration directory '\.\.\/outside\/dir' lies outside/m,
    );
  });
});

describe('the baseline schema, the policy scan and the configuration file', () => {
  it('refuses a baseline schema that leads outside', async () => {
    const r = await cli(['lint', '--dir', 'db', '--baseline-schema', 'schema.sql'], repo);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^schema\.sql parse-error the baseline schema is a symbolic link to '.*\/outside\/schema\.sql', outside the repository/m,
    );
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('does not scan a file past the repository that a pattern names', async () => {
    const inRepo = join(repo, 'app/models.py');
    write(inRepo, 'Base.metadata.create_all(engine)\n');
    try {
      const config = testConfig({
        cwd: repo,
        forbiddenPatterns: [
          {
            id: 'create-all',
            pattern: /create_all\(/,
            reason: 'no create_all',
            include: ['app/**/*.py', '../outside/*.py'],
            exclude: [],
          },
        ],
      });
      const findings = await scanForbidden(config);
      expect(findings.map((f) => f.path)).toEqual(['app/models.py']);
      expect(JSON.stringify(findings)).not.toContain(SECRET);
    } finally {
      rmSync(join(repo, 'app'), { recursive: true, force: true });
    }
  });

  it('refuses a configuration file that is a link leading outside, without reading it', async () => {
    const sub = join(repo, 'cfg');
    mkdirSync(sub, { recursive: true });
    symlinkSync(join(outside, 'gate.yml'), join(sub, '.migration-gate.yml'));
    try {
      const r = await cli(['lint', '--dir', '../db'], sub);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^migration-gate: the configuration file \.migration-gate\.yml is a symbolic link to '.*\/outside\/gate\.yml', outside the repository/,
      );
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    } finally {
      rmSync(sub, { recursive: true, force: true });
    }
  });
});

describe('the base comparison', () => {
  it('compares an untracked link by its link text, never hashing through it', async () => {
    const base = git(repo, 'rev-parse', 'HEAD').trim();
    // The deleted file's content equals the link's target: hashing through the link would call it a rename.
    write(join(repo, 'db/202601040000_gone.sql'), readFileSync(join(outside, 'schema.sql'), 'utf8'));
    git(repo, 'add', 'db/202601040000_gone.sql');
    git(repo, 'commit', '-q', '-m', 'gone');
    const withGone = git(repo, 'rev-parse', 'HEAD').trim();
    git(repo, 'rm', '-q', 'db/202601040000_gone.sql');
    symlinkSync(join(outside, 'schema.sql'), join(repo, 'db/202601050000_link.sql'));
    try {
      const changes = await changedFiles(repo, withGone, ['db']);
      expect(changes).toContainEqual({
        status: 'added',
        path: 'db/202601050000_link.sql',
        previousPath: null,
      });
      expect(changes).toContainEqual({
        status: 'deleted',
        path: 'db/202601040000_gone.sql',
        previousPath: null,
      });
    } finally {
      rmSync(join(repo, 'db/202601050000_link.sql'));
      git(repo, 'reset', '-q', '--hard', base);
    }
  });
});
