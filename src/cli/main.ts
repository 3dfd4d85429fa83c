import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { CONFIG_FILE, loadConfigFile, resolveConfig } from '../config/load.js';
import { redact } from '../redact.js';
import { runGate } from '../engine.js';
import { createMigration } from '../new.js';
import { signalExit } from '../roundtrip/cleanup.js';
import { GateError, type Finding, type Report } from '../types.js';
import { HELP, parseCliArgs } from './args.js';
import { countsLine } from '../report/counts.js';

/** Where the CLI writes; injectable for tests. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Whether stderr is a terminal (progress lines are rewritten in place only there). */
  isTTY: boolean;
}

const defaultIO = (): CliIO => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  isTTY: Boolean(process.stderr.isTTY),
});

/** The package's version: `package.json` beside `dist/` (bundle) or the repository root (compiled `lib/`). */
async function version(): Promise<string> {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(await readFile(new URL(candidate, import.meta.url), 'utf8')) as {
        version?: string;
      };
      if (pkg.version) return pkg.version;
    } catch {
      // Not there: try the next place.
    }
  }
  return 'unknown';
}

// Line breaks, other C0/C1 controls and bidirectional overrides: a file name holding them could fake finding
// lines or rewrite the terminal.
const TERMINAL_UNSAFE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the purpose
  /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** `text` with every control character shown as an escape (`\n`, `\x1b`, `\u202e`): one line, inert. */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** One inert terminal line: secrets redacted first (so that escaping cannot split one), then controls shown. */
function line1(text: string): string {
  return terminalSafe(redact(text));
}

/** `file:line rule message`, one finding a line. */
export function formatFinding(f: Finding, cwd: string, base: string): string {
  const path = f.path ? relative(cwd, resolve(base, f.path)) || f.path : '(project)';
  const loc = f.line ? `${path}:${f.line}` : path;
  const lines = [`${loc} ${f.rule} ${f.severity === 'warning' ? 'warning: ' : ''}${f.message}`];
  for (const d of f.details ?? []) lines.push(`    ${d}`);
  return lines.map(line1).join('\n');
}

function summary(report: Report): string {
  const verdict = report.verdict === 'pass' ? 'passes' : 'fails';
  return `migration-gate ${report.meta.command}: ${countsLine(report)}: the gate ${verdict}`;
}

/**
 * Runs the CLI; returns the exit status (0 pass, 1 findings, 2 usage/configuration/infrastructure). Every
 * line it writes passes `redact`: URL passwords and this run's registered secrets never reach the terminal.
 */
export async function runCli(argv: string[], rawIO: CliIO = defaultIO()): Promise<number> {
  const io: CliIO = {
    ...rawIO,
    stdout: (text) => rawIO.stdout(redact(text)),
    stderr: (text) => rawIO.stderr(redact(text)),
  };
  let debug = argv.includes('--debug');
  try {
    const args = parseCliArgs(argv);
    debug = Boolean(args.settings.debug);
    if (args.version) {
      io.stdout(`${await version()}\n`);
      return 0;
    }
    if (args.help || args.command === null) {
      io.stdout(HELP);
      return args.help ? 0 : 2;
    }
    const configDir = resolve(io.cwd, args.settings['working-directory'] ?? '.');
    const fileSettings = await loadConfigFile(configDir, args.configFile);
    const config = resolveConfig(io.cwd, fileSettings, args.settings);
    const configPath = resolve(configDir, args.configFile ?? CONFIG_FILE);
    for (const [flag, path] of [
      ['--json', config.jsonPath],
      ['--markdown', config.markdownPath],
    ] as const) {
      if (path && resolve(path) === configPath) {
        throw new GateError(
          `${flag} ${path} would overwrite the configuration file: write the report elsewhere`,
        );
      }
    }

    if (args.command === 'new') {
      const [slug, ...extra] = args.positionals;
      if (!slug || extra.length > 0) throw new GateError('usage: migration-gate new <slug> [--dir <path>]');
      const configured = [args.settings.migrations, fileSettings.migrations].some((d) => d && d.length > 0);
      const { files, notes } = await createMigration({
        config,
        dir: config.dirs[0]!,
        slug,
        defaultDir: !configured,
      });
      for (const file of files) io.stdout(`created ${file}\n`);
      for (const note of notes) io.stderr(`note: ${line1(note)}\n`);
      return 0;
    }
    if (args.positionals.length > 0) {
      throw new GateError(`unexpected argument '${args.positionals[0]}' (directories go after --dir)`);
    }

    const progress = args.quiet ? undefined : (line: string) => io.stderr(`${line1(line)}\n`);
    const report = await runGate(config, { command: args.command, progress });
    const interrupted = signalExit();
    if (interrupted) return await interrupted;
    for (const note of report.meta.notes) io.stderr(`note: ${line1(note)}\n`);
    for (const finding of report.findings) io.stdout(`${formatFinding(finding, io.cwd, config.cwd)}\n`);
    for (const m of report.migrations) {
      if (!m.waiver) continue;
      const path = relative(io.cwd, resolve(config.cwd, m.path)) || m.path;
      io.stdout(`${line1(`${path} waived: owner ${m.waiver.owner}; rationale ${m.waiver.rationale}`)}\n`);
    }
    io.stdout(`${summary(report)}\n`);
    return report.verdict === 'pass' ? 0 : 1;
  } catch (error) {
    // Interrupted: the error is the run noticing its databases being dropped, not a failure to report.
    const interrupted = signalExit();
    if (interrupted) return await interrupted;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`migration-gate: ${line1(message.split('\n')[0] ?? message)}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr(`${redact(error.stack)}\n`);
    else if (!(error instanceof GateError))
      io.stderr('migration-gate: (an unexpected error; run with --debug for details)\n');
    return 2;
  }
}
