// `npm run bench`: prints the product's performance figures. Whole-process timings (min / median / max over
// several runs) of the committed bundle, against public tools on the same files where a comparison exists.
//
//   MIGRATION_GATE_BENCH_DATABASE_URL   PostgreSQL server for the round-trip and snapshot figures
//                                       (default: the test server started by .ci/run)
//   MIGRATION_GATE_BENCH_POSTGRES_IMAGE image for the container provider's figures
//                                       (default migration-gate/postgres:15, built by scripts/postgres-image.sh)
//   BENCH_RUNS                          runs per figure (default 5)
//
//   npm run bench [-- lint check sequelize snapshot start providers]   (default: all)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'dist', 'cli.js');
const action = join(root, 'dist', 'index.js');
const dbmate = join(root, 'node_modules', '.bin', 'dbmate');
const url =
  process.env.MIGRATION_GATE_BENCH_DATABASE_URL ??
  process.env.MIGRATION_GATE_TEST_DATABASE_URL ??
  'postgresql://postgres:postgres@127.0.0.1:5432/postgres';
const runs = Number(process.env.BENCH_RUNS ?? 5);
const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const line = (label, st) =>
  console.log(
    `${label.padEnd(58)} min ${fmt(st.min).padStart(8)}  median ${fmt(st.median).padStart(8)}  max ${fmt(st.max).padStart(8)}`,
  );

function time(cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (opts.expect !== undefined && r.status !== opts.expect) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`.slice(0, 2000));
  }
  return ms;
}

function repeat(n, fn) {
  const xs = [];
  for (let i = 0; i < n; i++) xs.push(fn(i));
  return stats(xs);
}

const git = (cwd, ...args) => execFileSync('git', args, { cwd, stdio: 'pipe' });

/** A migration's SQL: a table with a key, an index, a check and a foreign key to the previous table. */
function migrationSql(i) {
  const t = `t${String(i).padStart(4, '0')}`;
  const prev = i > 0 ? `t${String(i - 1).padStart(4, '0')}` : null;
  const up = [
    `CREATE TABLE ${t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, amount numeric(12,2) DEFAULT 0 CHECK (amount >= 0)${prev ? `, ${prev}_id bigint REFERENCES ${prev}(id)` : ''});`,
    `CREATE INDEX ${t}_name_idx ON ${t} (name);`,
  ].join('\n');
  const down = `DROP TABLE ${t};`;
  return { up, down };
}

const version = (i) => {
  const d = new Date(Date.UTC(2024, 0, 1) + i * 60_000);
  const p = (v, n = 2) => String(v).padStart(n, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
};

function benchLint() {
  const dir = mkdtempSync(join(tmpdir(), 'mg-bench-lint-'));
  const mig = join(dir, 'migrations');
  mkdirSync(mig);
  for (let i = 0; i < 2000; i++) {
    const { up, down } = migrationSql(i);
    const name = `${version(i)}_create_table_${i}`;
    writeFileSync(join(mig, `${name}.up.sql`), `-- requirements: RL-${i}\n${up}\n`);
    writeFileSync(join(mig, `${name}.down.sql`), `${down}\n`);
  }
  // The same history as a folder per migration (diesel's layout and names), every tenth with a metadata.toml.
  const folders = join(dir, 'folders');
  for (let i = 0; i < 2000; i++) {
    const { up, down } = migrationSql(i);
    const v = version(i);
    const name = `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}-${v.slice(8, 12)}00_create_table_${i}`;
    mkdirSync(join(folders, name), { recursive: true });
    writeFileSync(join(folders, name, 'up.sql'), `-- requirements: RL-${i}\n${up}\n`);
    writeFileSync(join(folders, name, 'down.sql'), `${down}\n`);
    if (i % 10 === 0) writeFileSync(join(folders, name, 'metadata.toml'), 'run_in_transaction = true\n');
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, '-c', 'user.email=b@b', '-c', 'user.name=b', 'add', '.');
  git(dir, '-c', 'user.email=b@b', '-c', 'user.name=b', 'commit', '-qm', 'history');
  console.log('\nlint over 2,000 migrations (paired SQL, whole process, aim < 2 s)');
  line(
    'migration-gate lint (no base: all 2,000 linted as new)',
    repeat(runs, () =>
      time('node', [cli, 'lint', '--dir', 'migrations', '-q', '--no-forbidden-patterns'], {
        cwd: dir,
        expect: 0,
      }),
    ),
  );
  line(
    'migration-gate lint --base main',
    repeat(runs, () =>
      time('node', [cli, 'lint', '--dir', 'migrations', '--base', 'main', '-q', '--no-forbidden-patterns'], {
        cwd: dir,
        expect: 0,
      }),
    ),
  );
  const diesel = ['--naming-pattern', 'diesel', '-q', '--no-forbidden-patterns'];
  line(
    'lint, a folder per migration (2,000 folders, no base)',
    repeat(runs, () => time('node', [cli, 'lint', '--dir', 'folders', ...diesel], { cwd: dir, expect: 0 })),
  );
  line(
    'lint, a folder per migration --base main',
    repeat(runs, () =>
      time('node', [cli, 'lint', '--dir', 'folders', '--base', 'main', ...diesel], { cwd: dir, expect: 0 }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
}

function adminQuery(sql) {
  execFileSync('psql', [url, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: 'pipe' });
}

function benchCheck() {
  const dir = mkdtempSync(join(tmpdir(), 'mg-bench-check-'));
  const mig = join(dir, 'db', 'migrations');
  mkdirSync(mig, { recursive: true });
  const total = 500;
  const changed = 5;
  const files = [];
  const write = (i) => {
    const { up, down } = migrationSql(i);
    const file = join(mig, `${version(i)}_create_table_${i}.sql`);
    writeFileSync(file, `-- requirements: RL-${i}\n-- migrate:up\n${up}\n\n-- migrate:down\n${down}\n`);
    files.push({ up, down });
  };
  for (let i = 0; i < total - changed; i++) write(i);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, '-c', 'user.email=b@b', '-c', 'user.name=b', 'add', '.');
  git(dir, '-c', 'user.email=b@b', '-c', 'user.name=b', 'commit', '-qm', 'history');
  git(dir, 'checkout', '-q', '-b', 'feature');
  for (let i = total - changed; i < total; i++) write(i);

  const psqlFile = join(dir, 'all.sql');
  const tail = files.slice(total - changed);
  writeFileSync(
    psqlFile,
    [...files.map((f) => f.up), ...[...tail].reverse().map((f) => f.down), ...tail.map((f) => f.up)].join(
      '\n',
    ),
  );
  const dbUrl = (name) => {
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const fresh = (name) => {
    adminQuery(`DROP DATABASE IF EXISTS ${name}`);
    adminQuery(`CREATE DATABASE ${name}`);
  };
  console.log(
    `\ncheck: ${total}-migration history, ${changed} changed (dbmate files, url provider, local PostgreSQL)`,
  );
  console.log('(the three take turns, each after a CHECKPOINT, so that they meet the same disk)');
  const settle = () => {
    try {
      adminQuery('CHECKPOINT');
    } catch {
      // Not a superuser: the runs are then only interleaved.
    }
  };
  const gateArgs = [
    'check',
    '--dir',
    'db/migrations',
    '--base',
    'main',
    '--database',
    url,
    '-q',
    '--no-forbidden-patterns',
  ];
  const gateRun = (data = 'on') => {
    settle();
    return time('node', [cli, ...gateArgs, '--data', data], { cwd: dir, expect: 0 });
  };
  const dbmateRun = () => {
    fresh('mg_bench_dbmate');
    settle();
    const env = {
      ...process.env,
      DATABASE_URL: `${dbUrl('mg_bench_dbmate')}?sslmode=disable`,
      DBMATE_MIGRATIONS_DIR: 'db/migrations',
      DBMATE_NO_DUMP_SCHEMA: 'true',
    };
    let ms = time(dbmate, ['up'], { cwd: dir, env, expect: 0 });
    for (let i = 0; i < changed; i++) ms += time(dbmate, ['rollback'], { cwd: dir, env, expect: 0 });
    ms += time(dbmate, ['up'], { cwd: dir, env, expect: 0 });
    return ms;
  };
  const psqlRun = () => {
    fresh('mg_bench_psql');
    settle();
    const args = [dbUrl('mg_bench_psql'), '-qX', '-1', '-v', 'ON_ERROR_STOP=1', '-f', psqlFile];
    return time('psql', args, { expect: 0 });
  };
  const xs = { gate: [], gateOff: [], dbmate: [], psql: [] };
  for (let i = 0; i < runs; i++) {
    xs.gate.push(gateRun());
    xs.gateOff.push(gateRun('off'));
    xs.dbmate.push(dbmateRun());
    xs.psql.push(psqlRun());
  }
  const [gate, dm, ps] = [stats(xs.gate), stats(xs.dbmate), stats(xs.psql)];
  const gateOff = stats(xs.gateOff);
  line('migration-gate check (create db, history, 5 × up/down/up, proofs)', gate);
  line('migration-gate check --data off (no sample rows)', gateOff);
  line('dbmate up (500) + 5 × rollback + up (5)', dm);
  line('psql -1 (the same SQL in one transaction)', ps);
  adminQuery('DROP DATABASE IF EXISTS mg_bench_dbmate');
  adminQuery('DROP DATABASE IF EXISTS mg_bench_psql');
  const ratio = (a, b) => `median ${(a.median / b.median).toFixed(2)}×, min ${(a.min / b.min).toFixed(2)}×`;
  console.log(`ratio data on / off    ${ratio(gate, gateOff)}  (target ≤ 1.3×)`);
  console.log(`ratio check / dbmate   ${ratio(gate, dm)}  (target ≤ 1.0×)`);
  console.log(`ratio check / psql -1  ${ratio(gate, ps)}  (target ≤ 1.5×)`);
  rmSync(dir, { recursive: true, force: true });
}

async function benchSnapshotFigure() {
  const { benchSnapshot } = await import('./snapshot.mjs');
  console.log('\nsnapshot of a 1,000-table schema (in-process, local PostgreSQL, target ≤ 250 ms)');
  await benchSnapshot(url);
}

async function firstLineMs() {
  const dir = mkdtempSync(join(tmpdir(), 'mg-bench-start-'));
  const env = {
    ...process.env,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_WORKSPACE: dir,
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_OUTPUT: join(dir, 'out'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    INPUT_MODE: 'lint',
    INPUT_MIGRATIONS: 'migrations',
    INPUT_COMMENT: 'never',
  };
  writeFileSync(env.GITHUB_EVENT_PATH, '{}');
  mkdirSync(join(dir, 'migrations'));
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = spawn('node', [action], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.once('data', () => {
      resolve(Number(process.hrtime.bigint() - t) / 1e6);
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    });
    child.on('error', reject);
  });
}

function du(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, f) => n + du(join(path, f)), 0);
}

async function benchStart() {
  console.log('\nAction cold start: node dist/index.js to its first log line (aim ≤ 400 ms)');
  const xs = [];
  for (let i = 0; i < runs; i++) xs.push(await firstLineMs());
  line('node dist/index.js → first line', stats(xs));
  const mb = (b) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
  console.log(
    `bundle: dist/bundle/index.js ${mb(statSync(join(root, 'dist', 'bundle', 'index.js')).size)}, dist/bundle ${mb(du(join(root, 'dist', 'bundle')))}, PGlite files ${mb(du(join(root, 'dist', 'node_modules')))}, dist/ total ${mb(du(join(root, 'dist')))}`,
  );
}

console.log(`migration-gate benchmarks (node ${process.version}, ${runs} runs each)`);
if (want('lint')) benchLint();
if (want('check')) benchCheck();
if (want('sequelize')) {
  const { benchSequelize } = await import('./sequelize.mjs');
  benchSequelize({ root, cli, url, runs, line, stats, time });
}
if (want('snapshot')) await benchSnapshotFigure();
if (want('start')) await benchStart();
if (want('providers')) {
  const { benchProviders } = await import('./providers.mjs');
  const image = process.env.MIGRATION_GATE_BENCH_POSTGRES_IMAGE ?? 'migration-gate/postgres:15';
  await benchProviders({ root, cli, url, image, runs, line, stats });
}
