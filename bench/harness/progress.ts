/**
 * Progress of a sweep on stderr: a line per finished case with the share of work done and an ETA (by case
 * weight), and, inside a long case, a heartbeat: redrawn in place on a terminal, a line every 10 s otherwise.
 */

/** Receives a sweep's progress. */
export interface SweepProgress {
  /** A case starts. */
  start(label: string): void;
  /** Progress inside the current case, fraction in [0, 1]. */
  update(fraction: number, note?: string): void;
  /** The current case finished. */
  finish(label: string, weight: number): void;
  /** Skipped cases found in a checkpoint. */
  resumed(count: number, weight: number): void;
  stop(): void;
}

const silent: SweepProgress = { start() {}, update() {}, finish() {}, resumed() {}, stop() {} };

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A progress reporter for a sweep of `cases` cases weighing `totalWeight` in all. */
export function createSweepProgress(
  stream: NodeJS.WritableStream,
  options: { readonly enabled: boolean; readonly scenario: string; readonly cases: number; readonly totalWeight: number },
): SweepProgress {
  if (!options.enabled) return silent;
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  const started = performance.now();
  let doneCases = 0;
  let doneWeight = 0;
  let measuredWeight = 0;
  let currentStart = started;
  let currentLabel = '';
  let lastBeat = 0;
  let drawn = false;
  const prefix = `[${options.scenario}]`;

  const eta = (extraWeight: number): string => {
    const elapsed = performance.now() - started;
    const measured = measuredWeight + extraWeight;
    if (measured <= 0) return '';
    const remaining = ((options.totalWeight - doneWeight - extraWeight) * elapsed) / measured;
    return ` · ETA ${duration(Math.max(0, remaining))}`;
  };
  const clear = () => {
    if (tty && drawn) stream.write('\r\x1b[K');
    drawn = false;
  };

  return {
    start(label) {
      currentLabel = label;
      currentStart = performance.now();
      lastBeat = currentStart;
    },
    update(fraction, note) {
      const now = performance.now();
      if (now - lastBeat < (tty ? 250 : 10_000)) return;
      lastBeat = now;
      const line = `${prefix} ${doneCases + 1}/${options.cases} ${currentLabel}: ${(fraction * 100).toFixed(0)}%${note === undefined ? '' : ` (${note})`} · ${duration(now - currentStart)}`;
      if (tty) {
        stream.write(`\r\x1b[K${line}`);
        drawn = true;
      } else {
        stream.write(`${line}\n`);
      }
    },
    finish(label, weight) {
      clear();
      doneCases++;
      doneWeight += weight;
      measuredWeight += weight;
      const share = options.totalWeight === 0 ? 100 : (doneWeight / options.totalWeight) * 100;
      stream.write(`${prefix} ${doneCases}/${options.cases} ${label} done in ${duration(performance.now() - currentStart)} · ${share.toFixed(0)}% of the work${eta(0)}\n`);
    },
    resumed(count, weight) {
      doneCases += count;
      doneWeight += weight;
      if (count > 0) stream.write(`${prefix} continuing from the checkpoint: ${count} of ${options.cases} cases already done\n`);
    },
    stop() {
      clear();
    },
  };
}
