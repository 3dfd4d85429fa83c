// Packages the compiled `lib/` into the committed `dist/`:
//   dist/bundle/index.js             one ncc bundle of the engine (Action + CLI)
//   dist/bundle/embedded-worker.js   the embedded PostgreSQL worker (PGlite served over a local socket)
//   dist/node_modules/@electric-sql/pglite   PGlite's own files, unbundled (its WebAssembly loader does not survive bundling)
//   dist/index.js                    the Action's entry (action.yml: main)
//   dist/cli.js                      the CLI's entry (package.json: bin)
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const tmp = join(root, '.tmp', 'package');
const ncc = join(root, 'node_modules', '.bin', 'ncc');

rmSync(dist, { recursive: true, force: true });
rmSync(tmp, { recursive: true, force: true });
mkdirSync(join(dist, 'bundle'), { recursive: true });

function build(entry, out, externals = []) {
  const args = [
    'build',
    join(root, 'lib', entry),
    '-o',
    out,
    '--quiet',
    '--no-source-map-register',
    '--license',
    'licenses.txt',
  ];
  for (const e of externals) args.push('-e', e);
  execFileSync(ncc, args, { stdio: 'inherit' });
}

// The engine.
build('bundle.js', join(dist, 'bundle'));
defineCommonJsPaths(join(dist, 'bundle'));

/**
 * The bundle is ESM, where `__dirname` and `__filename` do not exist; CommonJS code inside it (ssh2's
 * WebAssembly loader, reached through testcontainers → dockerode → docker-modem) still reads them. Each chunk
 * that names them gets both, defined from its own `import.meta.url`, so they point where they would in the
 * package the code came from: next to the running file.
 */
function defineCommonJsPaths(dir) {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.js')) continue;
    const path = join(dir, name);
    const code = readFileSync(path, 'utf8');
    if (!/\b__(dirname|filename)\b/.test(code)) continue;
    if (/^(?:const|let|var)\s+__(?:dirname|filename)\b/m.test(code))
      throw new Error(`${name} declares __dirname or __filename itself: cannot define them for it`);
    const header =
      "import { fileURLToPath as __mgFileURLToPath } from 'node:url';\n" +
      "import { dirname as __mgDirname } from 'node:path';\n" +
      'const __filename = __mgFileURLToPath(import.meta.url);\n' +
      'const __dirname = __mgDirname(__filename);\n';
    writeFileSync(path, header + code);
  }
}

// The worker: PGlite stays external and is resolved from dist/node_modules.
const pgliteExternals = [
  '@electric-sql/pglite',
  '@electric-sql/pglite/contrib/pgcrypto',
  '@electric-sql/pglite/contrib/uuid_ossp',
  '@electric-sql/pglite/contrib/citext',
  '@electric-sql/pglite/contrib/hstore',
  '@electric-sql/pglite/contrib/pg_trgm',
  '@electric-sql/pglite/contrib/btree_gist',
  '@electric-sql/pglite/contrib/ltree',
];
build('roundtrip/providers/embedded-worker.js', join(tmp, 'worker'), pgliteExternals);
const workerFiles = readdirSync(join(tmp, 'worker')).filter(
  (f) => f !== 'package.json' && f !== 'licenses.txt',
);
if (workerFiles.length !== 1)
  throw new Error(`the worker bundle should be one file, got: ${workerFiles.join(', ')}`);
renameSync(join(tmp, 'worker', 'index.js'), join(dist, 'bundle', 'embedded-worker.js'));

// PGlite's files: the ESM build, its WebAssembly and data, the node file system, a few common extensions.
const pgliteSrc = join(root, 'node_modules', '@electric-sql', 'pglite');
const pgliteDst = join(dist, 'node_modules', '@electric-sql', 'pglite');
const keepExtensions = ['pgcrypto', 'uuid-ossp', 'citext', 'hstore', 'pg_trgm', 'btree_gist', 'ltree'];
mkdirSync(join(pgliteDst, 'dist'), { recursive: true });
cpSync(join(pgliteSrc, 'package.json'), join(pgliteDst, 'package.json'));
cpSync(join(pgliteSrc, 'LICENSE'), join(pgliteDst, 'LICENSE'));
for (const f of readdirSync(join(pgliteSrc, 'dist'), { withFileTypes: true })) {
  const name = f.name;
  const keep =
    (f.isFile() && /^(index|pglite|initdb|chunk-[A-Z0-9]+)\.(js|wasm|data)$/.test(name)) ||
    (f.isFile() && keepExtensions.some((e) => name === `${e}.tar.gz`));
  if (keep) cpSync(join(pgliteSrc, 'dist', name), join(pgliteDst, 'dist', name));
}
for (const sub of ['fs', 'contrib']) {
  cpSync(join(pgliteSrc, 'dist', sub), join(pgliteDst, 'dist', sub), {
    recursive: true,
    filter: (src) => !src.endsWith('.map') && !src.endsWith('.cjs') && !/\.d\.c?ts$/.test(src),
  });
}

writeFileSync(join(dist, 'index.js'), "import { run } from './bundle/index.js';\n\nawait run();\n");
// The CLI checks the Node.js version before it loads the bundle (a static import would fail first, with an
// error that names no version), against package.json's `engines`.
const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node;
const minimum = /^>=\s*(\d+)\.(\d+)$/.exec(engines);
if (!minimum) throw new Error(`package.json engines.node should read ">=MAJOR.MINOR", not ${engines}`);
writeFileSync(
  join(dist, 'cli.js'),
  `#!/usr/bin/env node
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < ${minimum[1]} || (major === ${minimum[1]} && minor < ${minimum[2]})) {
  process.stderr.write(
    \`migration-gate: needs Node.js ${minimum[1]}.${minimum[2]} or newer, this is \${process.version}: install a current Node.js (e.g. 24) and run it again\\n\`,
  );
  process.exit(2);
}
const { runCli } = await import('./bundle/index.js');

process.exit(await runCli(process.argv.slice(2)));
`,
);
chmodSync(join(dist, 'cli.js'), 0o755);
const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
writeFileSync(join(dist, 'package.json'), `${JSON.stringify({ name, version, type: 'module' }, null, 2)}\n`);
rmSync(tmp, { recursive: true, force: true });
