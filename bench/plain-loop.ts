/**
 * The baseline the executor is measured against: a plain synchronous loop doing the same text work per step
 * (render the prompt, have the simulated model respond, parse, tally to ahead-by-k) with none of the executor's
 * machinery (no promises, queue, red-flag rules objects, events or totals).
 */
import { mixSeed } from '../core/rng.ts';
import type { SimModel } from '../models/sim-model.ts';
import type { StepTask } from '../core/task.ts';

/** Result of a plain-loop run. */
export interface PlainLoopResult {
  readonly steps: number;
  readonly samples: number;
  readonly errors: number;
  readonly solved: boolean;
}

/** Runs a task to the end with the simulated model, synchronously. */
export function plainLoop<S, V>(task: StepTask<S, V>, model: SimModel, k: number, seed: number, maxOutputTokens = 750): PlainLoopResult {
  let state = task.initialState();
  let step = 0;
  let samples = 0;
  let errors = 0;
  while (!task.done(state, step)) {
    const messages = task.prompt(state, step);
    const tally = new Map<string, number>();
    const values = new Map<string, V>();
    let winner: string | undefined;
    for (let index = 0; winner === undefined; index++) {
      const { response } = model.complete({ messages, temperature: index === 0 ? 0 : 0.1, maxOutputTokens, seed: mixSeed(seed, step, index) });
      samples++;
      if (response.finishReason === 'length' || response.usage.completionTokens > maxOutputTokens) continue;
      const parsed = task.parse(response.text);
      if (!parsed.ok) continue;
      const count = (tally.get(parsed.key) ?? 0) + 1;
      tally.set(parsed.key, count);
      values.set(parsed.key, parsed.value);
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
