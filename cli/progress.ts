/**
 * Live progress for long runs: a bar on a terminal (cli-progress), a line every few seconds otherwise.
 *
 * The bar's line is built to fit the terminal's width: what matters most (steps done, errors, cost, ETA, faults)
 * is kept and what matters least (rate, samples per step, red flags, the bar itself) is dropped first, since a
 * terminal cuts a line that does not fit at its right edge, where cost and ETA would be.
 */
import cliProgress from 'cli-progress';
import type { RunTotals } from '../run/run-task.ts';

/** Something that is told about progress and closed at the end. */
export interface ProgressReporter {
  update(totals: RunTotals): void;
  /** Prints a line (ending in a newline) on the stream without garbling the bar. */
  note(line: string): void;
  /** Stops the display; on a terminal the bar's line is cleared, so the summary that follows stands alone. */
  stop(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Off a terminal, the least time between two progress lines, in milliseconds. @default 10000 */
  readonly everyMs?: number;
}

const number = (value: number) => value.toLocaleString('en-US');

/** The parts of a progress line, each with its rank: the line keeps the lowest ranks when it must shorten. */
interface Part {
  readonly text: string;
  readonly rank: number;
}

/** What a line shows, from the totals and the time so far. */
function parts(totals: RunTotals, total: number | undefined, seconds: number, eta: string | undefined): Part[] {
  const faults = Object.values(totals.faults ?? {}).reduce((sum, count) => sum + count, 0);
  const retries = totals.retries ?? 0;
  const fraction = total === undefined || total === 0 ? undefined : totals.steps / total;
  return [
    { rank: 0, text: `${fraction === undefined ? '' : `${Math.floor(fraction * 100)}% `}${number(totals.steps)}${total === undefined ? ' steps' : `/${number(total)}`}` },
    { rank: 7, text: `${number(Math.round(totals.steps / Math.max(seconds, 1e-3)))} steps/s` },
    { rank: 6, text: `${(totals.samples / Math.max(totals.steps, 1)).toFixed(2)} samples/step` },
    { rank: 5, text: `${number(totals.redFlags)} red flags` },
    { rank: 1, text: `${number(totals.errors)} errors` },
    ...(faults === 0 && retries === 0 ? [] : [{ rank: 4, text: `${number(faults)} faults, ${number(retries)} retries` }]),
    { rank: 2, text: `$${totals.costUsd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` },
    ...(eta === undefined ? [] : [{ rank: 3, text: `ETA ${eta}` }]),
  ];
}

/** Joins the parts that fit in `width` columns, dropping the highest ranks first; a bar goes in front if room is left. */
export function fitLine(all: readonly Part[], width: number, bar?: (size: number) => string): string {
  const kept = [...all];
  const join = (list: readonly Part[]) => list.map((part) => part.text).join(' | ');
  while (kept.length > 1 && join(kept).length > width) {
    const worst = kept.reduce((a, b) => (b.rank > a.rank ? b : a));
    kept.splice(kept.indexOf(worst), 1);
  }
  const line = join(kept);
  const room = width - line.length - 1;
  return bar === undefined || room < 10 ? line : `${bar(Math.min(30, room))} ${line}`;
}

/** A reporter writing to `stream`; silent when disabled. */
export function createProgress(stream: NodeJS.WritableStream, total: number | undefined, enabled: boolean, options: ProgressOptions = {}): ProgressReporter {
  if (!enabled) return { update() {}, note: (line) => void stream.write(line), stop() {} };
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  if (tty) {
    let latest: RunTotals | undefined;
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WriteStream,
        format: (format, params) => {
          const eta = params.value > 0 && Number.isFinite(params.eta) ? cliProgress.Format.TimeFormat(params.eta, format, 1) : undefined;
          const shown = latest ?? ({ steps: 0, samples: 0, redFlags: 0, errors: 0, costUsd: 0 } as RunTotals);
          // One column spare: some terminals wrap when the last column is written.
          const size = (width: number) => cliProgress.Format.BarFormat(params.progress, { ...format, barsize: width });
          return fitLine(parts(shown, total, seconds(), eta), params.maxWidth - 1, size);
        },
        hideCursor: true,
        clearOnComplete: true,
        // Redraw on every tick even when the line is unchanged: a note may have cleared it.
        forceRedraw: true,
        etaBuffer: 1000,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total ?? 0, 0);
    let last = 0;
    return {
      update(totals) {
        latest = totals;
        // Updating the bar costs far more than a step: touch it at most every 100 ms.
        const now = performance.now();
        if (now - last < 100) return;
        last = now;
        bar.update(totals.steps);
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
  const everyMs = options.everyMs ?? 10_000;
  let last = performance.now();
  return {
    update(totals) {
      const now = performance.now();
      if (now - last < everyMs) return;
      last = now;
      const line = parts(totals, total, seconds(), undefined)
        .map((part) => part.text)
        .join(', ');
      stream.write(`progress: ${line.replace(/^\d+% /, '').replace(/^([\d,/]+)(?: steps)?,/, '$1 steps,')}\n`);
    },
    note: (line) => void stream.write(line),
    stop() {},
  };
}
