import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

  it('runs check on the embedded database from the bundle, printing what the README shows', () => {
    const r = run(['check', '--dir', 'fixtures/roundtrip/leftover-index', '--database', 'embedded', '-q']);
    expect(r.stderr).toMatch(/^note: embedded PostgreSQL \(PGlite/m);
    // The README's first example is this run's output, line for line.
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    const shown =
      /\$ npx migration-gate check --dir fixtures\/roundtrip\/leftover-index --database embedded\n([^`]*)```/.exec(
        readme,
      );
    expect(shown).not.toBeNull();
    expect(r.stdout).toBe(shown![1]);
    expect(r.code).toBe(1);
  });

  it('prints its version and exits 2 on a usage error', () => {
    expect(run(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = run(['lint', '--dir']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
