#!/usr/bin/env node
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22)) {
  process.stderr.write(
    `migration-gate: needs Node.js 22.22 or newer, this is ${process.version}: install a current Node.js (e.g. 24) and run it again\n`,
  );
  process.exit(2);
}
const { runCli } = await import('./bundle/index.js');

process.exit(await runCli(process.argv.slice(2)));
