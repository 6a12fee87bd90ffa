/**
 * Ctrl-C and SIGTERM during a run: the first signal aborts the run, which stops cleanly and prints its summary
 * (spend included); a second one exits at once, after `cleanup` (which stops the progress display, so the
 * terminal gets its cursor back). Exit codes follow the shell's convention: 130 for SIGINT, 143 for SIGTERM.
 */

/** The exit code of death by a signal. */
export function signalExitCode(signal: NodeJS.Signals | undefined): number | undefined {
  return signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : undefined;
}

/** A run's signal handling, installed by {@link onInterrupt}. */
export interface Interrupt {
  /** Aborts when the first signal comes. */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  received(): NodeJS.Signals | undefined;
  /** What the process runs on a signal (exposed for tests). */
  readonly handle: (signal: NodeJS.Signals) => void;
  /** Removes the handlers. */
  dispose(): void;
}

/** Installs SIGINT and SIGTERM handlers for one run. `exit` is `process.exit` except in tests. */
export function onInterrupt(cleanup: () => void, exit: (code: number) => void = (code) => process.exit(code)): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handle = (signal: NodeJS.Signals) => {
    if (received !== undefined) {
      cleanup();
      exit(signalExitCode(signal)!);
      return;
    }
    received = signal;
    controller.abort();
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return {
    signal: controller.signal,
    received: () => received,
    handle,
    dispose() {
      process.off('SIGINT', handle);
      process.off('SIGTERM', handle);
    },
  };
}
