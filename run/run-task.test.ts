import { describe, expect, it } from 'vitest';
import { createHanoiTask, type HanoiState, hanoiSim } from '../tasks/hanoi/index.ts';
import type { HanoiAnswer } from '../tasks/hanoi/index.ts';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { abortError, ContextBudgetError, StepExhaustedError, TransientModelError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import { runTask } from './run-task.ts';
import { createSimModel } from '../models/sim-model.ts';
import type { StepTask } from '../core/task.ts';

const task = createHanoiTask({ disks: 7 });
const sim = (seed: number) => createSimModel({ profile: 'gpt-4.1-mini', behaviour: hanoiSim, seed });

describe('runTask', () => {
  it('solves 7-disk Hanoi on the default simulated model, absorbing the voted state', async () => {
    const steps: number[] = [];
    const result = await runTask({ task, model: sim(1), k: 3, seed: 1, onStep: (event) => steps.push(event.step) });
    expect(result).toMatchObject({ solved: true, stopReason: undefined });
    expect(result.totals).toMatchObject({ steps: 127, errors: 0 });
    expect(steps).toEqual(Array.from({ length: 127 }, (_, i) => i));
    expect(result.finalState.pegs).toEqual([[], [], [7, 6, 5, 4, 3, 2, 1]]);
  });

  it('same seed, same run: identical totals and final state', async () => {
    const a = await runTask({ task, model: sim(2), k: 2, seed: 5 });
    const b = await runTask({ task, model: sim(2), k: 2, seed: 5 });
    expect(b.totals).toEqual(a.totals);
    expect(b.finalState).toEqual(a.finalState);
  });

  it('different seeds draw different samples', async () => {
    const noisy = () => createSimModel({ profile: 'qwen3', behaviour: hanoiSim, seed: 1 });
    const a = await runTask({ task, model: noisy(), k: 4, seed: 1, maxOutputTokens: 2000 });
    const b = await runTask({ task, model: noisy(), k: 4, seed: 2, maxOutputTokens: 2000 });
    expect(b.totals.samples).not.toBe(a.totals.samples);
  });

  it('takes the state from the vote, never from the rules: a model that errs derails the run', async () => {
    const careless = createSimModel({ profile: 'gpt-4.1-nano', behaviour: hanoiSim, seed: 1 });
    const result = await runTask({ task, model: careless, k: 1, seed: 1, maxOutputTokens: 5000, maxSamplesPerStep: 1000 });
    expect(result.totals.errors).toBeGreaterThan(0);
    expect(result.solved).toBe(false);
  });

  it('fails when the scheduler leaves the state out of the prompt', async () => {
    const forgetful: StepTask<HanoiState, HanoiAnswer> = {
      ...task,
      prompt: (state, step) => {
        const [system] = task.prompt(state, step);
        return [system!, { role: 'user', content: 'Give the next move and the resulting state.' }];
      },
    };
    await expect(runTask({ task: forgetful, model: sim(1), k: 3, maxSamplesPerStep: 30 })).rejects.toBeInstanceOf(StepExhaustedError);
  });

  it('refuses a prompt over the context budget with a clear error', async () => {
    await expect(runTask({ task, model: sim(1), contextBudget: 100 })).rejects.toThrow(ContextBudgetError);
    await expect(runTask({ task, model: sim(1), contextBudget: 100 })).rejects.toThrow(/over the context budget of 100/);
  });

  it('stops when the stop predicate says so, with its reason', async () => {
    const result = await runTask({ task, model: sim(1), shouldStop: (totals) => (totals.steps >= 10 ? 'enough' : undefined) });
    expect(result).toMatchObject({ solved: false, stopReason: 'enough' });
    expect(result.totals.steps).toBe(10);
  });

  it('continues from `start` and `startTotals` to exactly the uninterrupted run', async () => {
    const whole = await runTask({ task, model: sim(3), k: 3, seed: 9 });
    const first = await runTask({ task, model: sim(3), k: 3, seed: 9, maxSteps: 50 });
    const rest = await runTask({
      task,
      model: sim(3),
      k: 3,
      seed: 9,
      start: { step: 50, state: first.finalState },
      startTotals: first.totals,
    });
    expect(rest.totals).toEqual(whole.totals);
    expect(rest.finalState).toEqual(whole.finalState);
    expect(first.totals.steps).toBe(50);
  });

  it('lets a timer abort a run whose backend answers at once: the loop yields to the event loop', async () => {
    const big = createHanoiTask({ disks: 12 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 0);
    const result = await runTask({ task: big, model: createSimModel({ behaviour: hanoiSim, seed: 1 }), signal: controller.signal });
    expect(result).toMatchObject({ solved: false, stopReason: 'interrupted' });
    expect(result.totals.steps).toBeLessThan(big.totalSteps!);
  });

  it('ends as interrupted, the step in progress undecided, when aborted mid-step', async () => {
    const controller = new AbortController();
    const inner = sim(1);
    let calls = 0;
    const model: LanguageModel = {
      id: inner.id,
      pricing: inner.pricing,
      generate(request) {
        if (++calls <= 30) return inner.generate(request);
        queueMicrotask(() => controller.abort());
        return new Promise((_, reject) => request.signal?.addEventListener('abort', () => reject(abortError()), { once: true }));
      },
    };
    const decided: number[] = [];
    const result = await runTask({ task, model, k: 3, seed: 1, signal: controller.signal, onStep: (event) => decided.push(event.step) });
    expect(result).toMatchObject({ solved: false, stopReason: 'interrupted' });
    expect(result.totals.steps).toBe(decided.length);
    expect(decided.length).toBeGreaterThan(0);
  });

  it('ends a task that needs no step at once, solved, without calling the model', async () => {
    let calls = 0;
    const model: LanguageModel = { ...sim(1), generate: (request) => (calls++, sim(1).generate(request)) };
    const solvedAtStart: StepTask<string, string> = {
      name: 'nothing-to-do',
      totalSteps: 0,
      initialState: () => 'sorted',
      prompt: () => [{ role: 'user', content: 'never asked' }],
      parse: (text) => ({ ok: true, key: text, value: text }),
      absorb: (state) => state,
      done: (state) => state === 'sorted',
      solved: (state) => state === 'sorted',
    };
    const result = await runTask({ task: solvedAtStart, model, k: 3, seed: 1 });
    expect(result).toMatchObject({ solved: true, stopReason: undefined });
    expect(result.totals.steps).toBe(0);
    expect(calls).toBe(0);
  });

  it('validates options eagerly, quoting the bad value', async () => {
    await expect(runTask({ task, model: sim(1), k: 0 })).rejects.toThrow('Expected `k` to be an integer >= 1, got `0`');
    await expect(runTask({ task, model: sim(1), concurrency: 1.5 })).rejects.toThrow('got `1.5`');
  });
});

describe('runTask through a dispatcher', () => {
  it('stops cleanly at a budget, with the reason and the spend under the cap', async () => {
    const dispatcher = createDispatcher({ model: sim(1), concurrency: 3, budget: { dollars: 0.05 } });
    const result = await runTask({ task, dispatcher, k: 3, seed: 1 });
    expect(result).toMatchObject({ solved: false, stopReason: 'budget: dollars', budget: { exhausted: 'dollars' } });
    expect(result.budget!.spent.dollars).toBeLessThanOrEqual(0.05);
    expect(result.totals.steps).toBeGreaterThan(0);
  });

  it('counts retried faults in the totals and in the step they happened in, never as votes', async () => {
    const inner = sim(1);
    let calls = 0;
    const flaky: LanguageModel = {
      id: inner.id,
      pricing: inner.pricing,
      generate: (request) => (++calls % 7 === 0 ? Promise.reject(new TransientModelError('flaky', 'server-error', 'try again')) : inner.generate(request)),
    };
    const perStep: number[] = [];
    const dispatcher = createDispatcher({ model: flaky, concurrency: 3, retry: { baseDelayMs: 0 } });
    const result = await runTask({ task, dispatcher, k: 3, seed: 1, onStep: (event) => perStep.push(event.dispatch.retries) });
    const clean = await runTask({ task, model: sim(1), k: 3, seed: 1 });
    expect(result.totals.faults).toEqual({ 'server-error': Math.floor(calls / 7) });
    expect(result.totals.retries).toBe(Math.floor(calls / 7));
    expect(perStep.reduce((a, b) => a + b, 0)).toBe(result.totals.retries);
    // Same votes, samples and tokens as a run without faults: only the fault counters differ.
    expect({ ...result.totals, faults: {}, retries: 0 }).toEqual(clean.totals);
  });
});
