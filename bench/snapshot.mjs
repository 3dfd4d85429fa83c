// Snapshot speed on a large schema: a scratch database with 1,000 tables (each with a primary key, an
// index, a foreign key to the previous table and a check constraint), snapshotted several times.
// Run alone after `npx tsc -p tsconfig.build.json`:  node bench/snapshot.mjs
//
//   MIGRATION_GATE_BENCH_DATABASE_URL   PostgreSQL server (default: the test server started by .ci/run)
//   BENCH_RUNS                          snapshots measured (default 7, after one warm-up)
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { takeSnapshot } from '../lib/roundtrip/snapshot/index.js';

const TABLES = 1000;
const BATCH = 100;

function tableSql(i) {
  const t = `t${String(i).padStart(4, '0')}`;
  const prev = `t${String(i - 1).padStart(4, '0')}`;
  return [
    `CREATE TABLE bench.${t} (`,
    `  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,`,
    `  name text NOT NULL,`,
    `  amount numeric(12,2) DEFAULT 0 CONSTRAINT ${t}_amount_check CHECK (amount >= 0)`,
    i > 0 ? `, ${prev}_id bigint REFERENCES bench.${prev} (id)` : '',
    `);`,
    `CREATE INDEX ${t}_name_idx ON bench.${t} (name);`,
  ].join('\n');
}

/**
 * Creates a scratch database with 1,000 tables on the server at `url`, snapshots it `runs` times, prints
 * min and median, drops the database and returns the figures (milliseconds) and the object count.
 */
export async function benchSnapshot(url, { runs = Number(process.env.BENCH_RUNS ?? 7) } = {}) {
  const name = `mg_bench_snapshot_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const target = new URL(url);
    target.pathname = `/${name}`;
    const db = new pg.Client({ connectionString: target.toString() });
    await db.connect();
    try {
      await db.query('CREATE SCHEMA bench');
      for (let start = 0; start < TABLES; start += BATCH) {
        const batch = [];
        for (let i = start; i < Math.min(start + BATCH, TABLES); i++) batch.push(tableSql(i));
        await db.query(batch.join('\n'));
      }
      await db.query('ANALYZE');
      const warm = await takeSnapshot(db);
      const times = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await takeSnapshot(db);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const result = {
        min: times[0],
        median: times[Math.floor(times.length / 2)],
        max: times[times.length - 1],
        objects: warm.objects.size,
      };
      console.log(
        `${`takeSnapshot, ${TABLES} tables (${result.objects} objects)`.padEnd(58)} ` +
          `min ${`${result.min.toFixed(0)} ms`.padStart(8)}  median ${`${result.median.toFixed(0)} ms`.padStart(8)}  ` +
          `max ${`${result.max.toFixed(0)} ms`.padStart(8)}`,
      );
      return result;
    } finally {
      await db.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url =
    process.env.MIGRATION_GATE_BENCH_DATABASE_URL ??
    process.env.MIGRATION_GATE_TEST_DATABASE_URL ??
    'postgresql://postgres:postgres@127.0.0.1:5432/postgres';
  await benchSnapshot(url);
}
