import { runCli } from './cli/main.js';

process.exit(await runCli(process.argv.slice(2)));
