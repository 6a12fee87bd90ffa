import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { emptyTotals, type RunTotals } from '../run/run-task.ts';
import { createProgress } from './progress.ts';

/** A terminal `columns` wide that records what is written to it. */
function terminal(columns: number): { stream: NodeJS.WriteStream; output: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns }) as unknown as NodeJS.WriteStream;
  let written = '';
  stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
  return { stream, output: () => written };
}

/** The frames drawn, without terminal control sequences. */
function frames(output: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '\r');
  return plain.split(/[\r\n]/).filter((frame) => frame.trim() !== '');
}

const totals = (steps: number, extra: Partial<RunTotals> = {}): RunTotals => ({
  ...emptyTotals(),
  steps,
  samples: steps * 3,
  redFlags: 12,
  errors: 0,
  costUsd: 1.5,
  ...extra,
});

describe('the progress bar', () => {
  it.each([80, 120])('fits %i columns and always shows errors, cost and ETA, and faults and retries when there are any', async (columns) => {
    const { stream, output } = terminal(columns);
    const progress = createProgress(stream, 1_048_575, true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    progress.update(totals(524_000, { retries: 7, faults: { 'rate-limit': 5, timeout: 2 } }));
    // The bar redraws on its own timer (five times a second).
    await new Promise((resolve) => setTimeout(resolve, 450));
    const last = frames(output()).at(-1)!;
    progress.stop();
    expect(last.length).toBeLessThanOrEqual(columns - 1);
    expect(last).toMatch(/524,000\/1,048,575/);
    expect(last).toMatch(/0 errors/);
    expect(last).toMatch(/\$1\.50/);
    expect(last).toMatch(/ETA /);
    expect(last).toMatch(/7 faults, 7 retries/);
  });

  it('leaves no stale frame above the summary: the line is cleared when it stops', async () => {
    const { stream, output } = terminal(100);
    const progress = createProgress(stream, 1000, true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    progress.update(totals(900));
    progress.update(totals(1000));
    progress.stop();
    const written = output();
    // After the last frame: the cursor back at the line's start and the line erased, with no newline left under it.
    expect(written).toMatch(/\r?\x1b\[2K[^\n]*$/);
    expect(written.endsWith('\n')).toBe(false);
  });
});

describe('the progress line off a terminal', () => {
  it('names faults and retries when there are any', () => {
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const progress = createProgress(stream, 1000, true, { everyMs: 0 });
    progress.update(totals(10, { retries: 3, faults: { 'server-error': 2 } }));
    progress.stop();
    expect(written).toMatch(/^progress: 10\/1,000 steps, .*, 0 errors, 2 faults, 3 retries, \$1\.50/m);
  });
});
