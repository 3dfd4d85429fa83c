import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import type { Report } from '../src/types.js';
import { TEST_DATABASE_URL } from './helpers/db.js';

const root = resolve(import.meta.dirname, '..');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mg-alembic-history-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=dev', ...args], {
    cwd,
    stdio: 'pipe',
  });

/**
 * A copy of an Alembic fixture project in a git repository: every revision but the last on `main`, the last one
 * added on a branch, so the others are history.
 */
function project(fixture: string): string {
  const dir = join(tmp, fixture);
  cpSync(join(root, 'fixtures/alembic', fixture), dir, { recursive: true });
  const versions = join(dir, 'migrations/versions');
  const files = execFileSync('ls', [versions], { encoding: 'utf8' }).trim().split('\n');
  const last = files.at(-1)!;
  const text = readFileSync(join(versions, last), 'utf8');
  rmSync(join(versions, last));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'history');
  git(dir, 'checkout', '-qb', 'feature');
  writeFileSync(join(versions, last), text);
  return dir;
}

async function check(cwd: string, extra: string[] = []) {
  const args = ['check', '--format', 'alembic', '--dir', 'migrations/versions', '--base', 'main'];
  const r = await cli([...args, '--database', TEST_DATABASE_URL, '--json', 'r.json', ...extra], cwd);
  return { ...r, report: JSON.parse(readFileSync(join(cwd, 'r.json'), 'utf8')) as Report };
}

describe('Alembic history', () => {
  it('goes up in one alembic process, then the changed revision runs', async () => {
    const dir = project('project');
    const log = join(dir, 'alembic.log');
    const wrapper = `sh -c 'echo "$*" >> ${log}; exec alembic "$@"' alembic`;
    const r = await check(dir, ['--alembic-command', wrapper]);
    expect(r.stderr).toMatch(/history of 3 migration\(s\) applied/);
    const upgrades = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => /^(upgrade|downgrade) /.test(l));
    // One process for the three revisions of the history (up to the third one, c47d1e9a5b32), then the
    // changed revision, which is waived: up only; then the model comparison's one process to head.
    expect(upgrades).toEqual([
      'upgrade c47d1e9a5b32',
      expect.stringMatching(/^upgrade \w+$/),
      'upgrade e1a5b3c7d943',
    ]);
    expect(r.report.migrations.map((m) => [m.name, m.change])).toEqual([
      ['202611041200_normalize_customer_emails', 'added'],
    ]);
    expect(r.report.migrations[0]!.roundtrip?.up.status).toBe('pass');
    expect(r.code).toBe(0);
  });

  it('falls back to one revision at a time when it fails, naming the failing revision and line', async () => {
    const dir = join(tmp, 'failing-history');
    cpSync(join(root, 'fixtures/alembic/failing'), dir, { recursive: true });
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'history with a broken revision');
    git(dir, 'checkout', '-qb', 'feature');
    writeFileSync(
      join(dir, 'migrations/versions/202611051200_add_invoice_note.py'),
      [
        '"""add invoice note"""',
        '# requirements: RL-9',
        'from alembic import op',
        'import sqlalchemy as sa',
        '',
        'revision = "b1c2d3e4f5a6"',
        'down_revision = "a0b1c2d3e4f5"',
        'branch_labels = None',
        'depends_on = None',
        '',
        '',
        'def upgrade() -> None:',
        '    op.add_column("invoices", sa.Column("note", sa.Text(), nullable=True))',
        '',
        '',
        'def downgrade() -> None:',
        '    op.drop_column("invoices", "note")',
        '',
      ].join('\n'),
    );
    const r = await check(dir);
    const failed = r.report.findings.find((f) => f.rule === 'up-failed');
    expect(failed).toMatchObject({
      migration: '202611051100_add_invoice_total',
      path: 'migrations/versions/202611051100_add_invoice_total.py',
      line: 21,
    });
    expect(failed?.message).toMatch(/the history of migrations\/versions does not apply/);
    expect(r.code).toBe(1);
  });
});
