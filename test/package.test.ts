import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bundleDependencies?: string[];
  files?: string[];
  scripts?: Record<string, string>;
  bin?: Record<string, string>;
};

describe('the published package', () => {
  it('pulls no dependency and runs no install script', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.optionalDependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
    expect(pkg.bundleDependencies).toBeUndefined();
    const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare', 'prepack', 'postpack'];
    expect(Object.keys(pkg.scripts ?? {}).filter((s) => lifecycle.includes(s))).toEqual([]);
  });

  it('ships only what runs: dist/, action.yml, the README and package.json', () => {
    expect(pkg.files).toEqual(['dist/', 'action.yml', 'README.md']);
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as [{ files: { path: string }[] }];
    const paths = pack.files.map((f) => f.path);
    expect(paths.filter((p) => !/^(dist\/|action\.yml$|README\.md$|package\.json$|LICENSE)/.test(p))).toEqual(
      [],
    );
    expect(paths).toEqual(
      expect.arrayContaining([pkg.bin!['migration-gate'], 'dist/index.js', 'action.yml']),
    );
    expect(paths.some((p) => p.startsWith('dist/node_modules/@electric-sql/pglite/dist/pglite.wasm'))).toBe(
      true,
    );
  });

  it('loads nothing from outside dist/ at run time: Node built-ins, and PGlite from dist/node_modules', () => {
    const bundle = join(root, 'dist', 'bundle');
    const externals = new Set<string>();
    for (const file of readdirSync(bundle).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(join(bundle, file), 'utf8');
      for (const m of code.matchAll(/__WEBPACK_EXTERNAL_createRequire\(import\.meta\.url\)\("([^"]+)"\)/g))
        externals.add(m[1]!);
      for (const m of code.matchAll(/^import \* as \S+ from "([^"]+)";$/gm)) externals.add(m[1]!);
    }
    expect(externals.size).toBeGreaterThan(0);
    const packages = [...externals].filter((name) => !isBuiltin(name));
    expect(packages.length).toBeGreaterThan(0);
    for (const name of packages) {
      expect(name).toMatch(/^@electric-sql\/pglite(\/|$)/);
      expect(existsSync(join(root, 'dist', 'node_modules', '@electric-sql', 'pglite', 'package.json'))).toBe(
        true,
      );
    }
  });
});
