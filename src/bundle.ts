/** The one bundle behind `dist/index.js` (the Action) and `dist/cli.js` (the CLI). No work at import time. */
export { run } from './main.js';
export { runCli } from './cli/main.js';
