// The three database providers on the same work: `check` of the 30-migration clean history
// (fixtures/roundtrip/clean-30), each run as a whole process of the committed bundle.
//   - start → database ready: from the process start to its "database: …" line (the first step follows)
//   - whole check: the process's wall time
//   - peak memory: the gate's process (VmHWM, read from /proc while it runs) and, for the container, the
//     container's own peak (its cgroup's memory.max_usage_in_bytes), which the server behind a URL also costs
//     but elsewhere.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setInterval, clearInterval } from 'node:timers';

const LABEL = 'dev.migration-gate.run';

function readKiB(path, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(path, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function gateContainer() {
  try {
    return execFileSync('docker', ['ps', '-q', '--no-trunc', '--filter', `label=${LABEL}`], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')[0];
  } catch {
    return '';
  }
}

function containerPeakBytes(id) {
  for (const path of [
    `/sys/fs/cgroup/memory/docker/${id}/memory.max_usage_in_bytes`,
    `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.peak`,
  ]) {
    if (existsSync(path)) return Number(readFileSync(path, 'utf8').trim());
  }
  return 0;
}

/** One run: wall ms, ms to the "database:" line, peak KiB of the process, peak bytes of the container. */
function runOnce(cli, root, database, extraArgs) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(
      'node',
      [cli, 'check', '--dir', 'fixtures/roundtrip/clean-30', '--database', database, ...extraArgs],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let readyMs = null;
    let hwmKiB = 0;
    let container = '';
    let containerBytes = 0;
    let output = '';
    const onData = (chunk) => {
      output += chunk.toString('utf8');
      if (readyMs === null && /database: \w+, /.test(output))
        readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const poll = setInterval(() => {
      hwmKiB = Math.max(hwmKiB, readKiB(`/proc/${child.pid}/status`, 'VmHWM'));
      if (database === 'container') {
        container ||= gateContainer();
        if (container) containerBytes = Math.max(containerBytes, containerPeakBytes(container));
      }
    }, 50);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0)
        reject(new Error(`check --database ${database} exited ${code}: ${output.slice(-1500)}`));
      else resolve({ ms, readyMs: readyMs ?? ms, hwmKiB, containerBytes });
    });
  });
}

export async function benchProviders({ root, cli, url, image, runs, line, stats }) {
  console.log(
    '\nproviders: check of the 30-migration clean history (fixtures/roundtrip/clean-30), whole process',
  );
  const providers = [
    ['container', 'container', ['--postgres-image', image]],
    ['url (local PostgreSQL 15)', url, []],
    ['embedded (PGlite)', 'embedded', []],
  ];
  const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;
  for (const [label, database, extra] of providers) {
    const results = [];
    try {
      for (let i = 0; i < runs; i++) results.push(await runOnce(cli, root, database, extra));
    } catch (error) {
      console.log(`${label}: not measured (${error.message.split('\n')[0]})`);
      continue;
    }
    line(`${label}: start → database ready`, stats(results.map((r) => r.readyMs)));
    line(`${label}: whole check`, stats(results.map((r) => r.ms)));
    const peak = Math.max(...results.map((r) => r.hwmKiB));
    const containerPeak = Math.max(...results.map((r) => r.containerBytes)) / 1024;
    console.log(
      `${label}: peak memory of the gate's process ${mib(peak)}` +
        (database === 'container' ? `, of the container ${mib(containerPeak)}` : ''),
    );
  }
}
