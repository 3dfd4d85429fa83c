import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const bin = resolve(root, 'dist/cli.js');

/** The committed bundle, as `npx migration-gate` runs it (package.json's bin). */
function run(args: string[]) {
  if (!existsSync(bin)) throw new Error('dist/cli.js is missing: run npm run build');
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dist/cli.js (the bin of the package)', () => {
  it('lints a fixture and prints file:line rule message, exit 1', () => {
    const r = run(['lint', '--dir', 'fixtures/lint/waiver-incomplete', '-q']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^fixtures\/lint\/waiver-incomplete\/\S+\.up\.sql:\d+ waiver-incomplete .+lacks/m,
    );
  });

  it('runs check on the embedded database from the bundle, naming what a downgrade left behind', () => {
    const r = run(['check', '--dir', 'fixtures/roundtrip/leftover-index', '--database', 'embedded', '-q']);
    expect(r.stderr).toMatch(/^note: embedded PostgreSQL \(PGlite/m);
    expect(r.stdout).toContain('index public.orders_created_at_idx: present after down, absent before up');
    expect(r.code).toBe(1);
  });

  it('prints its version and exits 2 on a usage error', () => {
    expect(run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = run(['lint', '--dir']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
