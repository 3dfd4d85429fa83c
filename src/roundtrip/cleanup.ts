/** Something to undo when a run ends early (drop a scratch database, stop a container). */
export type CleanupFn = () => Promise<void> | void;

const registry = new Set<CleanupFn>();
let activeRuns = 0;
let exiting = false;
/** The signal handling under way: resolves to the exit status once the cleanups ran. */
let handling: Promise<number> | null = null;
let exitFn: (code: number) => void = (code) => process.exit(code);

type HandledSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const SIGNAL_EXIT: Record<HandledSignal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const CLEANUP_DEADLINE_MS = 15_000;

/** Registers a cleanup; returns the function that unregisters it (call it once the thing is undone). */
export function registerCleanup(fn: CleanupFn): () => void {
  registry.add(fn);
  return () => {
    registry.delete(fn);
  };
}

/** Runs every registered cleanup once (most recent first), never throwing; returns the errors met. */
export async function runCleanups(): Promise<unknown[]> {
  const fns = [...registry].reverse();
  registry.clear();
  const errors: unknown[] = [];
  for (const fn of fns) {
    try {
      await fn();
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}

async function onSignal(signal: HandledSignal): Promise<void> {
  const code = SIGNAL_EXIT[signal];
  if (exiting) {
    exitFn(code);
    return;
  }
  exiting = true;
  handling = (async () => {
    process.stderr.write(`migration-gate: ${signal}: dropping scratch databases…\n`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      runCleanups(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, CLEANUP_DEADLINE_MS);
      }),
    ]);
    clearTimeout(timer);
    return code;
  })();
  exitFn(await handling);
}

/**
 * While SIGINT, SIGTERM or SIGHUP is being handled: a promise of the exit status (130 / 143 / 129) that resolves once the
 * cleanups ran; else null. A run that fails because its databases were just dropped ends with this status.
 */
export function signalExit(): Promise<number> | null {
  return exiting ? handling : null;
}

const onSigint = () => void onSignal('SIGINT');
const onSigterm = () => void onSignal('SIGTERM');
const onSighup = () => void onSignal('SIGHUP');

/**
 * Marks a run as active: while any run is active, SIGINT, SIGTERM and SIGHUP (the terminal went away) run the
 * cleanups and then exit with 130 / 143 / 129. Returns the function that ends the run (and removes the handlers after the last run).
 */
export function beginRun(): () => void {
  if (activeRuns === 0) {
    exiting = false;
    handling = null;
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    process.on('SIGHUP', onSighup);
  }
  activeRuns++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    activeRuns--;
    if (activeRuns === 0) {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      process.off('SIGHUP', onSighup);
    }
  };
}

/** Replaces `process.exit` for the signal handlers (tests); returns the previous function. */
export function setExitForSignals(fn: (code: number) => void): (code: number) => void {
  const previous = exitFn;
  exitFn = fn;
  return previous;
}
