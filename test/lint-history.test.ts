import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from '../src/discover/index.js';
import { lint } from '../src/lint/index.js';
import { lintHistory } from '../src/lint/history.js';
import { migration, pairs, set, testConfig } from './helpers/migration.js';

const BASE = ['202611010000_one', '202611020000_two', '202611030000_three'];
const history = BASE.map((n) => migration(n, { change: 'unchanged' }));

describe('order', () => {
  it('reports an added or renamed migration at or below the newest base version, not newer ones', () => {
    const ms = [
      ...history,
      migration('202611015000_early'),
      migration('202611030000_same'),
      migration('202611025000_moved', {
        change: 'renamed',
        previousPath: 'migrations/202611025000_old.up.sql',
      }),
      migration('202611040000_later'),
      migration('202611050000_later_still'),
    ];
    const findings = lintHistory(set(ms, { baseNames: BASE }), testConfig());
    expect(pairs(findings)).toEqual([
      'order 202611015000_early',
      'order 202611030000_same',
      'order 202611025000_moved',
    ]);
    expect(findings[0]).toMatchObject({
      severity: 'error',
      path: 'migrations/202611015000_early.up.sql',
      line: 1,
    });
    expect(findings[0]!.message).toMatchInlineSnapshot(
      `"'202611015000_early' sorts at or before '202611030000_three', the newest migration on the base branch; rename it with a later version"`,
    );
  });

  it('compares with the newest on the base, whatever the order of baseNames', () => {
    const findings = lintHistory(
      set([migration('202611025000_x')], { baseNames: ['202611030000_c', 'junk', '202611010000_a'] }),
      testConfig(),
    );
    expect(pairs(findings)).toEqual(['order 202611025000_x']);
  });

  it('reports nothing without a base', () => {
    expect(lintHistory(set([migration('202601010000_x')], { baseNames: null }), testConfig())).toEqual([]);
  });
});

describe('history-modified and history-deleted', () => {
  it('reports an edited base migration', () => {
    const findings = lintHistory(
      set([migration('202611010000_one', { change: 'modified' })], { baseNames: BASE }),
      testConfig(),
    );
    expect(pairs(findings)).toEqual(['history-modified 202611010000_one']);
    expect(findings[0]!.message).toMatchInlineSnapshot(
      `"'202611010000_one' exists on the base branch and was edited; history is append-only: revert the edit and add a new migration instead"`,
    );
  });

  it('reports deleted and renamed base migrations at their base path, saying which', () => {
    const findings = lintHistory(
      set([], {
        baseNames: BASE,
        deleted: [
          {
            name: '202611010000_one',
            dir: 'migrations',
            path: 'migrations/202611010000_one.up.sql',
            renamedTo: null,
          },
          {
            name: '202611020000_two',
            dir: 'migrations',
            path: 'migrations/202611020000_two.up.sql',
            renamedTo: 'migrations/202611020000_deux.up.sql',
          },
        ],
      }),
      testConfig(),
    );
    expect(findings.map((f) => [f.rule, f.migration, f.path, f.severity])).toEqual([
      ['history-deleted', '202611010000_one', 'migrations/202611010000_one.up.sql', 'error'],
      ['history-deleted', '202611020000_two', 'migrations/202611020000_two.up.sql', 'error'],
    ]);
    expect(findings.map((f) => f.message)).toMatchInlineSnapshot(`
      [
        "'202611010000_one' exists on the base branch and was deleted; restore it and add a new migration that undoes it instead",
        "'202611020000_two' exists on the base branch and was renamed to migrations/202611020000_deux.up.sql; keep the name it has on the base branch",
      ]
    `);
  });
});

describe('history rules on a real git repository', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
      cwd: repo,
      stdio: 'pipe',
    });
  const put = (rel: string, text: string) => writeFile(join(repo, rel), text);
  const pair = async (name: string, up: string, down: string | null) => {
    await put(`migrations/${name}.up.sql`, `-- requirements: RL-1\n${up}\n`);
    if (down !== null) await put(`migrations/${name}.down.sql`, `${down}\n`);
  };

  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), 'migration-gate-history-'));
    await mkdir(join(repo, 'migrations'));
    git('init', '-q', '-b', 'main');
    await pair(
      '202611010900_create_customers',
      'CREATE TABLE customers (id bigint);',
      'DROP TABLE customers;',
    );
    await pair(
      '202611020900_add_email',
      'ALTER TABLE customers ADD email text;',
      'ALTER TABLE customers DROP email;',
    );
    await pair(
      '202611030900_add_phone',
      'ALTER TABLE customers ADD phone text;',
      'ALTER TABLE customers DROP phone;',
    );
    await pair(
      '202611040900_add_notes',
      'ALTER TABLE customers ADD notes text;',
      'ALTER TABLE customers DROP notes;',
    );
    git('add', '-A');
    git('commit', '-q', '-m', 'base history');
    git('checkout', '-q', '-b', 'feature');

    await pair(
      '202611021200_early_index',
      'CREATE INDEX customers_id ON customers (id);',
      'DROP INDEX customers_id;',
    );
    await put(
      'migrations/202611020900_add_email.up.sql',
      '-- requirements: RL-1\nALTER TABLE customers ADD email varchar(200);\n',
    );
    await pair('202611101000_no_down', 'ALTER TABLE customers ADD city text;', null);
    await pair('202611111000_good', 'ALTER TABLE customers ADD zip text;', 'ALTER TABLE customers DROP zip;');
    await unlink(join(repo, 'migrations/202611030900_add_phone.up.sql'));
    await unlink(join(repo, 'migrations/202611030900_add_phone.down.sql'));
    for (const suffix of ['.up.sql', '.down.sql']) {
      await rename(
        join(repo, `migrations/202611040900_add_notes${suffix}`),
        join(repo, `migrations/202611040900_add_customer_notes${suffix}`),
      );
    }
    git('add', '-A');
    git('commit', '-q', '-m', 'feature work');
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('reports order, history-modified, history-deleted and down-missing, and nothing else', async () => {
    const config = testConfig({ cwd: repo, base: 'main' });
    const findings = lint(await discover(config), config);
    expect(findings.map((f) => `${f.rule} ${f.migration} ${f.severity}`).sort()).toEqual([
      'down-missing 202611101000_no_down error',
      'history-deleted 202611030900_add_phone error',
      'history-deleted 202611040900_add_notes error',
      'history-modified 202611020900_add_email error',
      'order 202611021200_early_index error',
      'order 202611040900_add_customer_notes error',
    ]);
    const deleted = findings.filter((f) => f.rule === 'history-deleted').map((f) => f.message);
    expect(deleted).toEqual([
      "'202611030900_add_phone' exists on the base branch and was deleted; restore it and add a new migration that undoes it instead",
      "'202611040900_add_notes' exists on the base branch and was renamed to '202611040900_add_customer_notes' (migrations/202611040900_add_customer_notes.up.sql); keep the name it has on the base branch",
    ]);
  });

  it('reports no history findings without a base', async () => {
    const config = testConfig({ cwd: repo });
    const rules = new Set(lint(await discover(config), config).map((f) => f.rule));
    expect([...rules]).toEqual(['down-missing']);
  });
});
