/**
 * What a run counts and which of its options it honours, against a model scripted per step and sample: each test
 * knows exactly which response every sample gets, so each total has one right value.
 */
import { describe, expect, it } from 'vitest';
import { TransientModelError } from '../core/errors.ts';
import type { LanguageModel, ModelRequest, ModelResponse } from '../core/model.ts';
import { mixSeed } from '../core/rng.ts';
import type { StepTask } from '../core/task.ts';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { countMessageTokens } from '../models/tokens.ts';
import { redFlag } from '../voting/red-flags.ts';
import { batchTask } from './batch.ts';
import { runTask, type StepEvent } from './run-task.ts';

const SEED = 11;

/** A reply: plain text, or text with a token count, or a transient fault the dispatcher retries. */
type Reply = string | { readonly text: string; readonly completionTokens: number } | 'fault';

/** `steps` steps answered `answer: X`; the oracle wants `right` (unless `oracle` is false). */
function scriptedTask(steps: number, oracle = true): StepTask<number, string> {
  return {
    name: 'scripted',
    totalSteps: steps,
    initialState: () => 0,
    prompt: (_state, step) => [{ role: 'user', content: `step ${step}` }],
    parse: (text) => {
      const match = /^answer: (\w+)$/.exec(text);
      return match === null ? { ok: false, reason: 'no answer' } : { ok: true, key: match[1]!, value: match[1]! };
    },
    absorb: (state) => state + 1,
    done: (_state, step) => step >= steps,
    solved: (_state, step) => step >= steps,
    ...(oracle ? { oracle: () => 'right' } : {}),
  };
}

/**
 * Answers sample `i` of step `s` with `script[s][i]` (the last entry once the script runs out), recognising the
 * sample by its seed; a `fault` entry fails the sample's first attempt only. Records every request.
 */
function scriptedModel(script: readonly (readonly Reply[])[], seed = SEED) {
  const samples = new Map<number, { step: number; index: number }>();
  for (let step = 0; step < script.length; step++) for (let index = 0; index < 200; index++) samples.set(mixSeed(seed, step, index), { step, index });
  const requests: Array<{ step: number; index: number; temperature: number }> = [];
  const faulted = new Set<number>();
  const model: LanguageModel & { requests: typeof requests } = {
    id: 'scripted',
    pricing: { inputUsdPerMillion: 0, outputUsdPerMillion: 0 },
    requests,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const sample = samples.get(request.seed!)!;
      requests.push({ ...sample, temperature: request.temperature });
      const replies = script[sample.step]!;
      const reply = replies[Math.min(sample.index, replies.length - 1)]!;
      if (reply === 'fault' && !faulted.has(request.seed!)) {
        faulted.add(request.seed!);
        throw new TransientModelError('scripted', 'server-error', 'injected');
      }
      const { text, completionTokens } = typeof reply === 'string' ? { text: reply === 'fault' ? 'answer: right' : reply, completionTokens: 5 } : reply;
      return { text, finishReason: 'stop', usage: { promptTokens: 10, completionTokens }, latencyMs: 0 };
    },
  };
  return model;
}

const right = 'answer: right';

describe("a run's options", () => {
  it('votes with the red-flag rules given, not the defaults', async () => {
    const script = [['answer: shaky', right, right]];
    const custom = await runTask({ task: scriptedTask(1), model: scriptedModel(script), k: 2, seed: SEED, concurrency: 1, redFlags: [redFlag('shaky', ({ response }) => response.text.endsWith('shaky'))] });
    expect(custom.totals).toMatchObject({ steps: 1, votes: 2, redFlags: 1, redFlagsByRule: { shaky: 1 } });
    const plain = await runTask({ task: scriptedTask(1), model: scriptedModel(script), k: 2, seed: SEED, concurrency: 1 });
    // By default the shaky answer is a vote, so the right one needs a third vote to lead by two.
    expect(plain.totals).toMatchObject({ steps: 1, votes: 4, redFlags: 0 });
  });

  it('with no red-flag rules, counts an over-long answer as a vote', async () => {
    const script = [[{ text: right, completionTokens: 5000 }]];
    const none = await runTask({ task: scriptedTask(1), model: scriptedModel(script), k: 1, seed: SEED, redFlags: [] });
    expect(none.totals).toMatchObject({ steps: 1, votes: 1, redFlags: 0 });
    const defaults = await runTask({ task: scriptedTask(1), model: scriptedModel([[{ text: right, completionTokens: 5000 }, right]]), k: 1, seed: SEED, concurrency: 1 });
    expect(defaults.totals.redFlagsByRule).toEqual({ 'too-long': 1 });
  });

  it('draws each sample at the temperature the schedule gives its index', async () => {
    const model = scriptedModel([['answer: a', 'answer: b', right, right, right]]);
    await runTask({ task: scriptedTask(1), model, k: 2, seed: SEED, concurrency: 1, temperature: (index) => 0.5 + index / 10 });
    expect(model.requests.map((request) => [request.index, request.temperature])).toEqual([0, 1, 2, 3, 4].map((index) => [index, 0.5 + index / 10]));
  });

  it('draws the first sample at 0 and the rest at 0.1 by default', async () => {
    const model = scriptedModel([['answer: a', right, right, right]]);
    await runTask({ task: scriptedTask(1), model, k: 2, seed: SEED, concurrency: 1 });
    expect(model.requests.map((request) => request.temperature)).toEqual([0, 0.1, 0.1, 0.1]);
  });
});

describe('what a run counts', () => {
  // Step 0: a red flag, then two different misses, then three right: both first valid votes missed.
  // Step 1: a miss, then right: the second vote was right. Step 2: right first, then a miss.
  // Step 3: two misses that agree and win at once: both missed, and the step is an error.
  const script: Reply[][] = [
    ['garbled', 'answer: w', 'answer: x', right, right, right],
    ['answer: w', right, right, right],
    [right, 'answer: w', right, right],
    ['answer: w', 'answer: w'],
  ];

  it('counts a call as first-two-wrong exactly when its first two valid votes both missed the oracle', async () => {
    const events: StepEvent<number, string>[] = [];
    const result = await runTask({ task: scriptedTask(4), model: scriptedModel(script), k: 2, seed: SEED, concurrency: 1, onStep: (event) => events.push(event) });
    expect(events.map((event) => event.firstTwoWrong)).toEqual([true, false, false, true]);
    expect(events.map((event) => event.correct)).toEqual([true, true, true, false]);
    expect(result.totals).toMatchObject({ steps: 4, firstTwoWrong: 2, errors: 1 });
  });

  it('never counts a call decided on one vote as first-two-wrong, nor any call of a task without an oracle', async () => {
    const single = await runTask({ task: scriptedTask(1), model: scriptedModel([['answer: w']]), k: 1, seed: SEED });
    expect(single.totals).toMatchObject({ steps: 1, errors: 1, firstTwoWrong: 0 });
    const blind = await runTask({ task: scriptedTask(4, false), model: scriptedModel(script), k: 2, seed: SEED, concurrency: 1 });
    expect(blind.totals).toMatchObject({ steps: 4, errors: 0, firstTwoWrong: 0 });
  });

  it('keeps the most samples and the most sampling rounds any call needed', async () => {
    const events: StepEvent<number, string>[] = [];
    const result = await runTask({ task: scriptedTask(4), model: scriptedModel(script), k: 2, seed: SEED, concurrency: 1, onStep: (event) => events.push(event) });
    // Each round issues only what could still decide: k minus the leader's margin, less what is in flight.
    expect(events.map((event) => [event.stats.samples, event.stats.rounds])).toEqual([
      [6, 4],
      [4, 2],
      [4, 2],
      [2, 1],
    ]);
    expect(result.totals).toMatchObject({ maxSamplesInStep: 6, maxRoundsInStep: 4, samplesPerStep: { 6: 1, 4: 2, 2: 1 } });
  });
});

describe("an undecided call's faults", () => {
  it('count when a budget stops the run in the middle of the call', async () => {
    // k = 3 needs three calls; the first fails once and is retried, and the budget allows only three calls.
    const model = scriptedModel([['fault', right, right, right]]);
    const dispatcher = createDispatcher({ model, concurrency: 1, retry: { baseDelayMs: 0, maxDelayMs: 0 }, budget: { calls: 3 } });
    const result = await runTask({ task: scriptedTask(1), dispatcher, k: 3, seed: SEED });
    expect(result.stopReason).toBe('budget: calls');
    expect(result.totals.steps).toBe(0);
    expect(result.totals.faults).toEqual({ 'server-error': 1 });
    expect(result.totals.retries).toBe(1);
  });

  it('count when a batch member reaches its sample cap and is abandoned', async () => {
    // Six samples, six different answers: never two ahead. The first fails once before it is answered.
    const model = scriptedModel([['fault', 'answer: a', 'answer: b', 'answer: c', 'answer: d', 'answer: e']]);
    const abandoned: string[] = [];
    const task = batchTask('stuck', [{ task: scriptedTask(1), seed: SEED }]);
    const dispatcher = createDispatcher({ model, concurrency: 1, retry: { baseDelayMs: 0, maxDelayMs: 0 } });
    const result = await runTask({ task, dispatcher, k: 2, seed: SEED, maxSamplesPerStep: 6, onAbandon: (id) => abandoned.push(id) });
    expect(abandoned).toEqual(['0/0']);
    expect(result.solved).toBe(false);
    expect(result.totals).toMatchObject({ steps: 0, samples: 6, votes: 6, faults: { 'server-error': 1 }, retries: 1 });
  });
});

describe("the engine's limits", () => {
  /** `width` independent calls; the model counts how many it answers at once. */
  function wide(width: number) {
    let inFlight = 0;
    let most = 0;
    const model: LanguageModel & { readonly most: number } = {
      id: 'wide',
      pricing: { inputUsdPerMillion: 0, outputUsdPerMillion: 0 },
      get most() {
        return most;
      },
      async generate() {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
        return { text: right, finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 }, latencyMs: 0 };
      },
    };
    const task = batchTask('wide', Array.from({ length: width }, () => ({ task: scriptedTask(1) })));
    return { model, task };
  }

  it('votes at most `concurrency` calls at once, even when the dispatcher would allow more', async () => {
    const { model, task } = wide(8);
    const result = await runTask({ task, dispatcher: createDispatcher({ model, concurrency: 16 }), k: 1, concurrency: 3 });
    expect(result.solved).toBe(true);
    expect(model.most).toBe(3);
  });

  it('stops at maxSteps, saying so, with no call beyond it started', async () => {
    const model = scriptedModel([[right], [right], [right], [right], [right]]);
    const result = await runTask({ task: scriptedTask(5), model, k: 1, seed: SEED, maxSteps: 3 });
    expect(result).toMatchObject({ solved: false, stopReason: 'reached the step limit of 3' });
    expect(result.totals.steps).toBe(3);
    expect(model.requests.map((request) => request.step)).toEqual([0, 1, 2]);
  });

  it('starts no more calls than maxSteps allows, however many are ready', async () => {
    const { model, task } = wide(6);
    const result = await runTask({ task, model, k: 1, concurrency: 6, maxSteps: 4 });
    expect(result).toMatchObject({ stopReason: 'reached the step limit of 4' });
    expect(result.totals.steps).toBe(4);
    expect(result.totals.samples).toBe(4);
  });

  it('accepts a prompt of exactly the context budget and refuses one a token over it', async () => {
    const model = scriptedModel([[right]]);
    const tokens = countMessageTokens(scriptedTask(1).prompt(0, 0));
    await expect(runTask({ task: scriptedTask(1), model, k: 1, seed: SEED, contextBudget: tokens })).resolves.toMatchObject({ solved: true });
    await expect(runTask({ task: scriptedTask(1), model, k: 1, seed: SEED, contextBudget: tokens - 1 })).rejects.toThrow(`has ${tokens} tokens, over the context budget of ${tokens - 1}`);
  });

  it('fails a task that is not done yet has no call ready', async () => {
    const stalled: StepTask<number, string> = { ...scriptedTask(1), done: () => false };
    const task = batchTask('stalled', [{ task: stalled }]);
    const stuck = { ...task, ready: () => [] };
    await expect(runTask({ task: stuck, model: scriptedModel([[right]]), k: 1 })).rejects.toThrow('Task `stalled` is not done, yet no call is ready after 0 decided');
    await expect(runTask({ task: stuck, model: scriptedModel([[right]]), k: 1 })).rejects.toMatchObject({ code: 'E_TASK_STALLED' });
  });

  it('needs a model or a dispatcher', async () => {
    await expect(runTask({ task: scriptedTask(1), k: 1 })).rejects.toThrow('Expected `model` or `dispatcher` in the run options, got neither');
  });

  it('fails with the error a call met that no retry can fix', async () => {
    const model: LanguageModel = { id: 'down', pricing: { inputUsdPerMillion: 0, outputUsdPerMillion: 0 }, generate: () => Promise.reject(new Error('endpoint down')) };
    await expect(runTask({ task: scriptedTask(3), model, k: 2 })).rejects.toThrow('endpoint down');
  });
});
