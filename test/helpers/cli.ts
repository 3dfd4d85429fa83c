import { runCli } from '../../src/cli/main.js';

/** Runs the CLI in-process in `cwd`, capturing what it writes. */
export async function cli(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd,
    isTTY: false,
  });
  return { code, stdout, stderr };
}
