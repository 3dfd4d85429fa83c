import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import type { GateConfig } from '../src/config/types.js';
import { discover } from '../src/discover/index.js';
import { GateError, type MigrationSet } from '../src/types.js';

const root = path.resolve(import.meta.dirname, '..');

function configFor(cwd: string, dirs: string[], extra: Partial<GateConfig> = {}): GateConfig {
  return { ...defaultConfig(cwd), dirs, ...extra };
}

async function gateError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GateError);
  expect((error as Error).message).not.toContain('\n');
  return (error as Error).message;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'mg-discover-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('discover over the format fixtures', () => {
  it('parses every fixture directory into sorted, complete migration sets', async () => {
    const dirs = ['sql-pair', 'dbmate', 'goose', 'sql-migrate', 'umzug-js', 'umzug-ts'].map(
      (d) => `fixtures/formats/${d}`,
    );
    const sets = await discover(configFor(root, dirs));
    expect(
      sets.map((s) => ({
        dir: s.dir,
        format: s.format,
        baseNames: s.baseNames,
        deleted: s.deleted,
        migrations: s.migrations.map((m) => [
          m.name,
          m.dialect,
          m.change,
          m.transaction,
          m.down === null ? 'no down' : m.down.empty ? 'empty down' : 'down',
          m.waiver ? 'waiver' : '-',
          m.requirements.join(','),
          m.parseProblems.length,
        ]),
      })),
    ).toMatchSnapshot();
    for (const set of sets) {
      for (const m of set.migrations) {
        expect(m.version).toMatch(/^\d{12}$/);
        expect(m.path.startsWith(`${set.dir}/`)).toBe(true);
        expect(m.up?.empty).toBe(false);
      }
      expect(set.migrations.some((m) => m.waiver)).toBe(true);
    }
  });

  it('normalises directory spellings and keeps the order of the configured directories', async () => {
    const sets = await discover(configFor(root, ['./fixtures/formats/goose/', 'fixtures/formats/dbmate']));
    expect(sets.map((s) => s.dir)).toEqual(['fixtures/formats/goose', 'fixtures/formats/dbmate']);
    const fromInside = await discover(configFor(path.join(root, 'fixtures/formats/goose'), ['.']));
    expect(fromInside[0]!.migrations[0]!.path).toBe('202601071000_create_accounts.sql');
  });
});

describe('discover over Alembic revisions', () => {
  it('detects the versions directory and orders revisions along the graph', async () => {
    const dir = 'fixtures/alembic/project/migrations/versions';
    const [set] = await discover(configFor(root, [dir]));
    expect(set!.format).toBe('alembic');
    expect(set!.migrations.length).toBeGreaterThan(1);
    const seen = new Set<string>();
    for (const migration of set!.migrations) {
      expect(migration).toMatchObject({ format: 'alembic', dialect: null, dir });
      expect(migration.alembic).not.toBeNull();
      for (const parent of migration.alembic!.downRevisions) expect(seen.has(parent)).toBe(true);
      seen.add(migration.alembic!.revision);
    }
  });

  it('refuses, in one line, a directory whose migrations lie one folder down (never 0 migrations)', async () => {
    // env.py and the script template are no migrations; the revisions are in versions/.
    expect(await gateError(discover(configFor(root, ['fixtures/alembic/project/migrations'])))).toMatch(
      /^migration directory 'fixtures\/alembic\/project\/migrations' holds \d+ \.py files one folder down but no migration \('versions\/[^']+\.py'\): point the directory setting at 'fixtures\/alembic\/project\/migrations\/versions', which holds them$/,
    );
  });

  it('names a missing directory in a one-line GateError', async () => {
    expect(await gateError(discover(configFor(root, ['fixtures/bad-input/missing'])))).toBe(
      `migration directory 'fixtures/bad-input/missing' does not exist (looked for ${root}/fixtures/bad-input/missing)`,
    );
    expect(await gateError(discover(configFor(root, ['package.json'])))).toBe(
      "migration directory 'package.json' is not a directory",
    );
  });

  it('gives an empty directory (only README.md and .gitkeep) an empty set', async () => {
    expect(await discover(configFor(root, ['fixtures/bad-input/empty']))).toEqual([
      { dir: 'fixtures/bad-input/empty', format: 'sql', migrations: [], deleted: [], baseNames: null },
    ]);
  });

  it('refuses mixed formats and SQL without any known markers', async () => {
    expect(await gateError(discover(configFor(root, ['fixtures/bad-input/mixed'])))).toContain(
      "mixes formats: '202601011000_pair_style.down.sql' (SQL up/down pair) and '202601011010_dbmate_style.sql' (dbmate SQL)",
    );
    expect(await gateError(discover(configFor(root, ['fixtures/bad-input/unmarked'])))).toMatchInlineSnapshot(
      `"no migration of a known format in 'fixtures/bad-input/unmarked' ('202601011000_init.sql' is none): use <name>.up.sql/<name>.down.sql pairs, SQL files with '-- migrate:up', '-- +goose Up' or '-- +migrate Up' markers, modules exporting 'up', or Alembic revisions"`,
    );
  });

  it('refuses a forced format that finds none of the migrations of the directory, instead of gating nothing', async () => {
    expect(
      await gateError(discover(configFor(root, ['fixtures/formats/sql-pair'], { format: 'umzug' }))),
    ).toMatch(
      /^migration directory 'fixtures\/formats\/sql-pair' holds no umzug migration, only files of another format such as '202601051000_create_customers\.(up|down)\.sql': set format auto/,
    );
    // A directory with nothing in it still gates nothing, whatever the format.
    expect(
      (await discover(configFor(root, ['fixtures/bad-input/empty'], { format: 'umzug' })))[0]!.migrations,
    ).toEqual([]);
  });

  it('reads a file name holding a line break as a migration (the naming rule flags it), not a crash', async () => {
    const dir = path.join(tmp, 'line-break');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '202601011000_x\nfake.up.sql'), 'SELECT 1;\n');
    writeFileSync(path.join(dir, '202601011000_x\nfake.down.sql'), 'SELECT 1;\n');
    writeFileSync(path.join(dir, '202601011010_ok.up.sql'), 'SELECT 1;\n');
    const [set] = await discover(configFor(tmp, ['line-break']));
    expect(set!.migrations.map((m) => [m.name, m.version, m.files.length])).toEqual([
      ['202601011000_x\nfake', null, 2],
      ['202601011010_ok', '202601011010', 1],
    ]);
  });

  it('turns marker mistakes into parse problems with lines, and ignores README and schema dumps', async () => {
    const [set] = await discover(configFor(root, ['fixtures/bad-input/markers']));
    const dir = 'fixtures/bad-input/markers';
    expect(set!.migrations.map((m) => m.name)).toEqual([
      '202601011000_create_widgets',
      '202601011010_markers_twice',
      '202601011020_down_before_up',
      '202601011030_no_up_marker',
      '202601011040_comment_only_down',
      '202601011050_sql_before_marker',
    ]);
    const problems = set!.migrations.flatMap((m) =>
      m.parseProblems.map((p) => `${p.path.slice(dir.length + 1)}:${p.line} ${p.message}`),
    );
    expect(problems).toEqual([
      "202601011010_markers_twice.sql:7 '-- migrate:up' appears again (first on line 1)",
      "202601011020_down_before_up.sql:1 '-- migrate:down' comes before '-- migrate:up' (line 4)",
      "202601011030_no_up_marker.sql:3 no '-- migrate:up' marker: nothing in this file runs as the upgrade",
      '202601011030_no_up_marker.sql:1 SQL before the first marker belongs to neither up nor down',
      '202601011050_sql_before_marker.sql:2 SQL before the first marker belongs to neither up nor down',
    ]);
    const commentOnly = set!.migrations.find((m) => m.name.endsWith('comment_only_down'))!;
    expect(commentOnly.down).toMatchObject({ empty: true, startLine: 5 });
  });

  it('handles orphan down files, stray SQL files and comment-only downs in a pair directory', async () => {
    const [set] = await discover(configFor(root, ['fixtures/bad-input/pairs']));
    expect(
      set!.migrations.map((m) => [
        m.name,
        m.files.length,
        m.up ? 'up' : 'no up',
        m.down ? (m.down.empty ? 'empty' : 'down') : 'no down',
        m.parseProblems.map((p) => p.message),
      ]),
    ).toEqual([
      ['202601011000_create_pa', 2, 'up', 'down', []],
      [
        '202601011010_orphan_down',
        1,
        'no up',
        'down',
        [
          "'202601011010_orphan_down.down.sql' has no matching '202601011010_orphan_down.up.sql': a pair needs an up file",
        ],
      ],
      [
        '202601011020_not_a_pair',
        1,
        'no up',
        'no down',
        [
          "'202601011020_not_a_pair.sql' is not part of a pair: name it '202601011020_not_a_pair.up.sql' (with '202601011020_not_a_pair.down.sql')",
        ],
      ],
      ['202601011030_empty_down', 2, 'up', 'empty', []],
      ['202601011040_no_down', 1, 'up', 'no down', []],
    ]);
  });

  it('parses names with spaces, unicode, markdown and HTML (the naming rule flags them later)', async () => {
    const [set] = await discover(configFor(root, ['fixtures/bad-input/odd-names']));
    expect(set!.migrations.map((m) => [m.name, m.version, m.files.length])).toEqual([
      ['202601011000_add users', null, 2],
      ['202601011010_añadir_índice', null, 2],
      ['202601011020_**bold**_[link](http:evil)', null, 2],
      ['202601011030_<img src=x onerror=alert(1)>', null, 2],
      ['202601011040_@admin ping `code`', null, 2],
    ]);
    expect(set!.migrations[0]!.requirements).toEqual(['RL-3']);
  });

  it('reports binary, oversized and non-UTF-8 files as parse problems, and writes nothing it reads', async () => {
    const dir = path.join(tmp, 'bad-files');
    mkdirSync(dir);
    writeFileSync(path.join(dir, '202601011000_ok.up.sql'), 'SELECT 1;\n');
    writeFileSync(path.join(dir, '202601011000_ok.down.sql'), 'SELECT 1;\n');
    writeFileSync(
      path.join(dir, '202601011010_binary.up.sql'),
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]),
    );
    writeFileSync(path.join(dir, '202601011020_huge.up.sql'), '');
    truncateSync(path.join(dir, '202601011020_huge.up.sql'), 50 * 1024 * 1024);
    writeFileSync(
      path.join(dir, '202601011030_latin1.up.sql'),
      Buffer.from('SELECT 1;\n-- caf\xe9\n', 'latin1'),
    );
    writeFileSync(path.join(dir, '202601011030_latin1.down.sql'), 'SELECT 1;\n');
    const before = readdirSync(dir).map((f) => [
      f,
      statSync(path.join(dir, f)).mtimeMs,
      statSync(path.join(dir, f)).size,
    ]);

    const [set] = await discover(configFor(tmp, ['bad-files']));
    expect(set!.migrations.map((m) => [m.name, m.files, m.parseProblems])).toEqual([
      ['202601011000_ok', ['bad-files/202601011000_ok.up.sql', 'bad-files/202601011000_ok.down.sql'], []],
      [
        '202601011010_binary',
        ['bad-files/202601011010_binary.up.sql'],
        [
          {
            path: 'bad-files/202601011010_binary.up.sql',
            line: 1,
            message: 'binary file (NUL byte): a migration must be a text file',
          },
        ],
      ],
      [
        '202601011020_huge',
        ['bad-files/202601011020_huge.up.sql'],
        [
          {
            path: 'bad-files/202601011020_huge.up.sql',
            line: null,
            message: 'file is 50 MB, above the 10 MB limit for a migration file: not read',
          },
        ],
      ],
      [
        '202601011030_latin1',
        ['bad-files/202601011030_latin1.up.sql', 'bad-files/202601011030_latin1.down.sql'],
        [
          {
            path: 'bad-files/202601011030_latin1.up.sql',
            line: 2,
            message: 'not valid UTF-8 text: save the migration as UTF-8',
          },
        ],
      ],
    ]);
    const after = readdirSync(dir).map((f) => [
      f,
      statSync(path.join(dir, f)).mtimeMs,
      statSync(path.join(dir, f)).size,
    ]);
    expect(after).toEqual(before);
  });

  it('reports an unreadable file (EACCES) as a parse problem, not a crash', async () => {
    const dir = path.join(tmp, 'unreadable');
    mkdirSync(dir);
    chmodSync(tmp, 0o755);
    writeFileSync(path.join(dir, '202601011000_secret.sql'), '-- migrate:up\nSELECT 1;\n');
    writeFileSync(
      path.join(dir, '202601011010_open.sql'),
      '-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n',
    );
    chmodSync(path.join(dir, '202601011000_secret.sql'), 0o000);
    let sets: MigrationSet[];
    if (process.getuid?.() === 0) {
      // root reads any file: run discovery as an unprivileged user to meet a real EACCES.
      sets = discoverAsNobody(tmp, ['unreadable']);
    } else {
      sets = await discover(configFor(tmp, ['unreadable']));
    }
    chmodSync(path.join(dir, '202601011000_secret.sql'), 0o644);
    expect(sets[0]!.format).toBe('sql');
    expect(sets[0]!.migrations.map((m) => [m.name, m.dialect, m.parseProblems])).toEqual([
      [
        '202601011000_secret',
        'dbmate',
        [
          {
            path: 'unreadable/202601011000_secret.sql',
            line: null,
            message: 'cannot read the file: permission denied (EACCES)',
          },
        ],
      ],
      ['202601011010_open', 'dbmate', []],
    ]);
  });
});

/** Runs `discover` in a child process as user `nobody` (Node strips the TypeScript types itself). */
function discoverAsNobody(cwd: string, dirs: string[]): MigrationSet[] {
  const script = `
    import { registerHooks } from 'node:module';
    registerHooks({
      resolve(specifier, context, next) {
        try {
          return next(specifier, context);
        } catch (error) {
          if (specifier.startsWith('.') && specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
          throw error;
        }
      },
    });
    const [indexPath, defaultsPath, cwd, dirs] = process.argv.slice(1);
    const { discover } = await import(indexPath);
    const { defaultConfig } = await import(defaultsPath);
    const sets = await discover({ ...defaultConfig(cwd), dirs: JSON.parse(dirs) });
    process.stdout.write(JSON.stringify(sets));
  `;
  const result = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '--disable-warning=ExperimentalWarning',
      '-e',
      script,
      path.join(root, 'src/discover/index.ts'),
      path.join(root, 'src/config/defaults.ts'),
      cwd,
      JSON.stringify(dirs),
    ],
    { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' },
  );
  if (result.status !== 0) throw new Error(`discovery as nobody failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as MigrationSet[];
}

describe('discover against a base ref', () => {
  let repo: string;
  beforeAll(() => {
    repo = path.join(tmp, 'repo');
    mkdirSync(path.join(repo, 'app/db'), { recursive: true });
    const dir = path.join(repo, 'app/db');
    const put = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
    git(repo, 'init', '-q', '-b', 'main');
    put('202601011000_unchanged.up.sql', 'CREATE TABLE u (id int);\n');
    put('202601011000_unchanged.down.sql', 'DROP TABLE u;\n');
    put('202601011010_edited.up.sql', 'CREATE TABLE e (id int);\n');
    put('202601011010_edited.down.sql', 'DROP TABLE e;\n');
    put('202601011020_removed.up.sql', 'CREATE TABLE r (id int);\n');
    put('202601011020_removed.down.sql', 'DROP TABLE r;\n');
    put('202601011030_old_name.up.sql', 'CREATE TABLE o (id int, note text, created timestamptz);\n');
    put('202601011030_old_name.down.sql', 'DROP TABLE o; -- the old name of this migration\n');
    put('202601011040_down_later.up.sql', 'CREATE TABLE d (id int);\n');
    put('README.md', '# migrations\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    git(repo, 'checkout', '-q', '-b', 'feature');
    put('202601011010_edited.down.sql', 'DROP TABLE IF EXISTS e;\n');
    git(repo, 'rm', '-q', 'app/db/202601011020_removed.up.sql', 'app/db/202601011020_removed.down.sql');
    git(repo, 'mv', 'app/db/202601011030_old_name.up.sql', 'app/db/202601011035_new_name.up.sql');
    git(repo, 'mv', 'app/db/202601011030_old_name.down.sql', 'app/db/202601011035_new_name.down.sql');
    put('202601011040_down_later.down.sql', 'DROP TABLE d;\n');
    put('202601011050_committed.up.sql', 'CREATE TABLE c (id int);\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'feature');
    put('202601011060_untracked.up.sql', 'CREATE TABLE n (id int);\n');
    put('README.md', '# migrations, edited\n');
  });

  it('classifies added, modified, unchanged, renamed and deleted migrations', async () => {
    const [set] = await discover(configFor(repo, ['app/db'], { base: 'main' }));
    expect(set!.migrations.map((m) => [m.name, m.change, m.previousPath])).toEqual([
      ['202601011000_unchanged', 'unchanged', null],
      ['202601011010_edited', 'modified', null],
      ['202601011035_new_name', 'renamed', 'app/db/202601011030_old_name.up.sql'],
      ['202601011040_down_later', 'modified', null],
      ['202601011050_committed', 'added', null],
      ['202601011060_untracked', 'added', null],
    ]);
    expect(set!.deleted).toEqual([
      {
        name: '202601011020_removed',
        dir: 'app/db',
        path: 'app/db/202601011020_removed.up.sql',
        renamedTo: null,
      },
      {
        name: '202601011030_old_name',
        dir: 'app/db',
        path: 'app/db/202601011030_old_name.up.sql',
        renamedTo: 'app/db/202601011035_new_name.up.sql',
      },
    ]);
    expect(set!.baseNames).toEqual([
      '202601011000_unchanged',
      '202601011010_edited',
      '202601011020_removed',
      '202601011030_old_name',
      '202601011040_down_later',
    ]);
  });

  it('works from a working directory inside the repository', async () => {
    const [set] = await discover(configFor(path.join(repo, 'app'), ['db'], { base: 'main' }));
    expect(set!.migrations.find((m) => m.change === 'renamed')?.previousPath).toBe(
      'db/202601011030_old_name.up.sql',
    );
    expect(set!.deleted.map((d) => d.path)).toEqual([
      'db/202601011020_removed.up.sql',
      'db/202601011030_old_name.up.sql',
    ]);
  });

  it('without a base, calls every migration added and leaves baseNames null', async () => {
    const [set] = await discover(configFor(repo, ['app/db']));
    expect(new Set(set!.migrations.map((m) => m.change))).toEqual(new Set(['added']));
    expect(set!.baseNames).toBeNull();
    expect(set!.deleted).toEqual([]);
  });

  it('fails with one line when the base ref is missing', async () => {
    expect(await gateError(discover(configFor(repo, ['app/db'], { base: 'develop' })))).toBe(
      "base ref 'develop' not found in this clone (tried 'develop' and 'origin/develop'): this repository has no remote to fetch it from; name one of its branches, tags or commits (branches here: feature, main)",
    );
  });

  it('lists every migration of a directory deleted since the base as deleted', async () => {
    const clone = path.join(tmp, 'gone');
    cpSync(repo, clone, { recursive: true });
    for (const f of readdirSync(path.join(clone, 'app/db')))
      if (f !== 'README.md') unlinkSync(path.join(clone, 'app/db', f));
    const [set] = await discover(configFor(clone, ['app/db'], { base: 'main' }));
    expect(set!.migrations).toEqual([]);
    expect(set!.deleted.map((d) => [d.name, d.renamedTo])).toEqual([
      ['202601011000_unchanged', null],
      ['202601011010_edited', null],
      ['202601011020_removed', null],
      ['202601011030_old_name', null],
      ['202601011040_down_later', null],
    ]);
  });
});

describe('discover at scale (timings live in npm run bench)', () => {
  it('classifies 2,000 SQL migrations against a base', async () => {
    const repo = path.join(tmp, 'many');
    const dir = path.join(repo, 'migrations');
    mkdirSync(dir, { recursive: true });
    const name = (i: number) => `${202601010000 + Math.floor(i / 60) * 100 + (i % 60)}_step_${i}`;
    for (let i = 0; i < 2000; i++) {
      writeFileSync(
        path.join(dir, `${name(i)}.sql`),
        `-- requirements: RL-${i}\n-- migrate:up\nCREATE TABLE t_${i} (id int);\n-- migrate:down\nDROP TABLE t_${i};\n`,
      );
    }
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    writeFileSync(path.join(dir, `${name(7)}.sql`), '-- migrate:up\nCREATE TABLE t_7 (id bigint);\n');

    const [set] = await discover(configFor(repo, ['migrations'], { base: 'main' }));
    expect(set!.migrations).toHaveLength(2000);
    expect(set!.migrations[1999]!.name).toBe(name(1999));
    expect(set!.migrations.filter((m) => m.change !== 'unchanged').map((m) => [m.name, m.change])).toEqual([
      [name(7), 'modified'],
    ]);
    expect(set!.baseNames).toHaveLength(2000);
  });
});
