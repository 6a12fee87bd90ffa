/**
 * The floor the executor is measured against: the least a program can do per sample and still be running Hanoi
 * with voting. A synchronous loop renders each step's prompt, answers it once from the prompt text (the
 * simulated responder's own reading of it), then per sample makes one seeded draw — wrong with the profile's
 * error rate, malformed with about the calibrated simulator's red-flag share, right otherwise — parses the text
 * with the task's strict parser and tallies to ahead-by-k. No executor, no dispatcher, no calibrated simulator
 * (no per-prompt difficulty, token counts or response lengths), no promises.
 */
import { mixSeed, unitFromHash } from '../core/rng.ts';
import { promptText, type StepTask } from '../core/task.ts';
import type { SimBehaviour } from '../models/sim-behaviour.ts';
import type { PlainLoopResult } from './plain-loop.ts';

/** Options of {@link minimalLoop}. */
export interface MinimalLoopOptions {
  /** Voting margin. */
  readonly k: number;
  /** Run seed; sample `i` of step `s` draws from `mixSeed(seed, s, i)`. */
  readonly seed: number;
  /** Share of wrong answers among samples. */
  readonly errorRate: number;
  /** Share of malformed (red-flagged) samples. @default 0.006 */
  readonly redFlagRate?: number;
}

/** The red-flag share of the calibrated `sim:gpt-4.1-mini` on Hanoi (results/sim-calibration.md), rounded. */
export const MINIMAL_RED_FLAG_RATE = 0.006;

/** Runs a task to the end with the minimal answerer; `behaviour` reads each prompt's correct answer and wrong ones. */
export function minimalLoop<S, V>(task: StepTask<S, V>, behaviour: SimBehaviour, options: MinimalLoopOptions): PlainLoopResult {
  const { k, seed, errorRate } = options;
  const redFlagRate = options.redFlagRate ?? MINIMAL_RED_FLAG_RATE;
  let state = task.initialState();
  let step = 0;
  let samples = 0;
  let errors = 0;
  while (!task.done(state, step)) {
    const text = promptText(task.prompt(state, step));
    const correct = behaviour.respond(text) ?? '';
    let wrong: string | undefined;
    const tally = new Map<string, number>();
    const values = new Map<string, V>();
    let winner: string | undefined;
    for (let index = 0; winner === undefined; index++) {
      const draw = unitFromHash(mixSeed(seed, step, index));
      samples++;
      let answer = correct;
      if (draw < redFlagRate) continue;
      if (draw < redFlagRate + errorRate) answer = wrong ??= behaviour.wrongAnswers(text, correct)[0] ?? '';
      const parsed = task.parse(answer);
      if (!parsed.ok) continue;
      const count = (tally.get(parsed.key) ?? 0) + 1;
      tally.set(parsed.key, count);
      if (!values.has(parsed.key)) values.set(parsed.key, parsed.value);
      let best = 0;
      for (const [key, n] of tally) if (key !== parsed.key && n > best) best = n;
      if (count >= k + best) winner = parsed.key;
    }
    if (task.oracle !== undefined && task.oracle(state, step) !== winner) errors++;
    state = task.absorb(state, values.get(winner)!, step);
    step++;
  }
  return { steps: step, samples, errors, solved: task.solved(state, step) };
}
