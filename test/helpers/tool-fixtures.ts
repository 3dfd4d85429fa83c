import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The migration tools with a fixture project under `fixtures/tools/<tool>`. */
export const TOOLS = ['sequelize', 'knex', 'node-pg-migrate'] as const;
export type Tool = (typeof TOOLS)[number];

/** The absolute path of a tool's fixture project. */
export function toolFixture(tool: Tool): string {
  return fileURLToPath(new URL(`../../fixtures/tools/${tool}`, import.meta.url));
}

function stampOf(dir: string): string {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json']) {
    const at = path.join(dir, file);
    if (existsSync(at)) hash.update(readFileSync(at));
  }
  return hash.digest('hex');
}

/**
 * Installs each tool fixture's pinned packages from the npm registry (`npm install --prefix <fixture>`), the real
 * libraries the migrations run on. Cached: a fixture whose `package.json` and lock file did not change since its
 * last install is not installed again. Installs one at a time across test processes (a lock folder).
 */
export function installToolFixtures(tools: readonly Tool[] = TOOLS): void {
  for (const tool of tools) {
    const dir = toolFixture(tool);
    const stampFile = path.join(dir, 'node_modules', '.migration-gate-fixture');
    const current = () => existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stampOf(dir);
    if (current()) continue;
    withLock(`${dir}.install-lock`, () => {
      if (current()) return;
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', dir], {
        cwd: dir,
        stdio: 'pipe',
        timeout: 300_000,
      });
      writeFileSync(stampFile, stampOf(dir));
    });
  }
}

function withLock(lock: string, fn: () => void): void {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the longest install was left by a process that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000)
        rmSync(lock, { recursive: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
