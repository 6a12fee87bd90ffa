/**
 * Live progress for long runs: a bar on a terminal (cli-progress), a line every few seconds otherwise.
 */
import cliProgress from 'cli-progress';
import type { RunTotals } from '../run/run-task.ts';

/** Something that is told about progress and closed at the end. */
export interface ProgressReporter {
  update(totals: RunTotals): void;
  /** Prints a line (ending in a newline) on the stream without garbling the bar. */
  note(line: string): void;
  stop(): void;
}

/** A reporter writing to `stream`; silent when disabled. */
export function createProgress(stream: NodeJS.WritableStream, total: number | undefined, enabled: boolean): ProgressReporter {
  if (!enabled) return { update() {}, note: (line) => void stream.write(line), stop() {} };
  const started = performance.now();
  const describe = (totals: RunTotals) => {
    const seconds = (performance.now() - started) / 1000;
    return {
      rate: (totals.steps / Math.max(seconds, 1e-3)).toFixed(0),
      perStep: (totals.samples / Math.max(totals.steps, 1)).toFixed(2),
      redFlags: totals.redFlags,
      errors: totals.errors,
      cost: totals.costUsd.toFixed(2),
    };
  };
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WriteStream,
        format: '{bar} {percentage}% | {value}/{total} steps | {rate} steps/s | {perStep} samples/step | {redFlags} red flags | {errors} errors | ${cost} | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 1000,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total ?? 0, 0, describe({ steps: 0, samples: 0, redFlags: 0, errors: 0, costUsd: 0 } as RunTotals));
    let last = 0;
    return {
      update(totals) {
        // Updating the bar costs far more than a step: touch it at most every 100 ms.
        const now = performance.now();
        if (now - last < 100) return;
        last = now;
        bar.update(totals.steps, describe(totals));
      },
      note(line) {
        // Clear the bar's line, print, and draw the bar again below.
        stream.write(`\r\x1b[2K${line}`);
        bar.render();
      },
      stop() {
        bar.stop();
      },
    };
  }
  let last = performance.now();
  return {
    update(totals) {
      const now = performance.now();
      if (now - last < 10_000) return;
      last = now;
      const d = describe(totals);
      stream.write(
        `progress: ${totals.steps}${total === undefined ? '' : `/${total}`} steps, ${d.rate} steps/s, ${d.perStep} samples/step, ${d.redFlags} red flags, ${d.errors} errors, $${d.cost}\n`,
      );
    },
    note: (line) => void stream.write(line),
    stop() {},
  };
}
