import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import type { ModelRequest } from '../core/model.ts';
import { promptText, type GraphTask, type TaskCall } from '../core/task.ts';
import { createSimModel } from '../models/sim-model.ts';
import { kMin } from '../planning/reliability.ts';
import { createHanoiTask, hanoiSim, hanoiStateAt, parseHanoi, type HanoiState } from '../tasks/hanoi/index.ts';
import { recordingModel, replayModel } from './cassette.ts';
import { faultyModel, simAnswers } from './faulty-model.ts';
import { measureStep } from './measure-step.ts';
import type { StepAt, StepFunction } from './step-under-test.ts';

const scratch = mkdtempSync(join(tmpdir(), 'maker-measure-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const DISKS = 10;
const task = createHanoiTask({ disks: DISKS });
/** 200 distinct states spread over the 10-disk trajectory. */
const states: StepAt<HanoiState>[] = Array.from({ length: 200 }, (_, i) => ({ state: hanoiStateAt(DISKS, i * 5), step: i * 5 }));
/** Exactly one state in ten fails, chosen by index. */
const failingPrompts = new Set(states.filter((_, i) => i % 10 === 3).map((at) => promptText(task.prompt(at.state, at.step))));
const errsOnTenPercent = () => faultyModel({ ...simAnswers(hanoiSim), errorRate: (request) => (failingPrompts.has(promptText(request.messages)) ? 1 : 0), seed: 7 });

describe('measureStep on a step whose error rate is known exactly', () => {
  it('finds p = 0.9 with an interval that contains it and is narrower than 0.12', async () => {
    const result = await measureStep({ task, model: errsOnTenPercent(), states, seed: 1 });
    expect(result.samples).toBe(200);
    expect(result.p).toBe(0.9);
    expect(result.pInterval!.lower).toBeLessThan(0.9);
    expect(result.pInterval!.upper).toBeGreaterThan(0.9);
    expect(result.pInterval!.upper - result.pInterval!.lower).toBeLessThan(0.12);
    expect(result.v).toBe(1);
  });

  it('reports exactly the failing states as counterexamples, and each really fails', async () => {
    const model = errsOnTenPercent();
    const result = await measureStep({ task, model, states, seed: 1 });
    expect(result.counterexamples).toHaveLength(20);
    for (const example of result.counterexamples) {
      const { state, step } = example.state;
      expect(failingPrompts.has(promptText(task.prompt(state, step)))).toBe(true);
      expect(example.expected).toBe(task.oracle!(state, step));
      // Ask again with the reported request seed: the answer is the reported one, and it is not the oracle's.
      const response = await model.generate({ messages: task.prompt(state, step), temperature: result.temperature, maxOutputTokens: 750, seed: example.requestSeed });
      const parsed = task.parse(response.text);
      expect(parsed.ok && parsed.key).toBe(example.answers[0]!.key);
      expect(example.answers[0]!.key).not.toBe(example.expected);
    }
  });

  it('replays from a cassette recorded during the measurement to the same figures without calling the model', async () => {
    const model = errsOnTenPercent();
    const file = join(scratch, 'ten-percent.jsonl');
    const recorded = await measureStep({ task, model: recordingModel(model, file), states, seed: 1, samplesPerState: 2 });
    const calls = model.calls;
    expect(calls).toBe(400);
    const replayed = await measureStep({ task, model: replayModel(file), states, seed: 1, samplesPerState: 2 });
    expect(model.calls).toBe(calls);
    expect(replayed).toEqual(recorded);
    expect(replayed.p).toBe(0.9);
  });

  it('gives the k the planner chooses at the lower end of the interval', async () => {
    const result = await measureStep({ task, model: errsOnTenPercent(), states, seed: 1, target: 0.9 });
    expect(result.k?.kind).toBe('recommended');
    if (result.k?.kind !== 'recommended') return;
    expect(result.k.k).toBe(kMin(result.pInterval!.lower, task.totalSteps!, 0.9));
    expect(result.k.kAtEstimate).toBe(kMin(0.9, task.totalSteps!, 0.9));
  });
});

describe('measureStep statistics', () => {
  it('does not count repeated samples of a state as independent when the state decides the error', async () => {
    // Every sample of a failing state is wrong: ten samples per state are worth one.
    const many = await measureStep({ task, model: errsOnTenPercent(), states, seed: 1, samplesPerState: 10 });
    const one = await measureStep({ task, model: errsOnTenPercent(), states, seed: 1 });
    expect(many.p).toBe(0.9);
    expect(many.errors.intraclassCorrelation).toBe(1);
    expect(many.errors.designEffect).toBeCloseTo(10, 9);
    expect(many.pInterval!.lower).toBeCloseTo(one.pInterval!.lower, 9);
    expect(many.pInterval!.upper).toBeCloseTo(one.pInterval!.upper, 9);
  });

  it('narrows the interval with more samples when errors are independent across samples', async () => {
    const model = faultyModel({ ...simAnswers(hanoiSim), errorRate: 0.1, correlation: 0, seed: 3 });
    const result = await measureStep({ task, model, states: states.slice(0, 100), seed: 2, samplesPerState: 10 });
    expect(result.errors.intraclassCorrelation).toBeLessThan(0.05);
    expect(result.errors.effectiveSamples).toBeGreaterThan(800);
    expect(result.pInterval!.lower).toBeLessThan(0.9);
    expect(result.pInterval!.upper).toBeGreaterThan(0.9);
  });

  it('counts red flags by rule and gives v and the red-flag rate with intervals', async () => {
    const model = faultyModel({ ...simAnswers(hanoiSim), redFlagRate: 0.2, seed: 4 });
    const result = await measureStep({ task, model, states, seed: 5 });
    expect(result.redFlags).toEqual({ truncated: result.redFlagged });
    expect(result.redFlagged + result.valid).toBe(200);
    expect(result.v + result.redFlagRate).toBeCloseTo(1, 12);
    expect(result.redFlagRateInterval.lower).toBeLessThan(0.2);
    expect(result.redFlagRateInterval.upper).toBeGreaterThan(0.2);
    expect(result.p).toBe(1);
  });

  it('reports how concentrated the wrong answers are', async () => {
    const single = faultyModel({ correct: () => 'answer 1', wrong: () => ['answer 2', 'answer 3', 'answer 4'], errorRate: 1, attractorShare: 1 });
    const spread = faultyModel({ correct: () => 'answer 1', wrong: () => ['answer 2', 'answer 3', 'answer 4'], errorRate: 1, attractorShare: 0 });
    const step: StepFunction<number> = {
      prompt: (n) => [{ role: 'user', content: `question ${n}` }],
      parse: (text) => ({ ok: true, key: text, value: text }),
      oracle: () => 'answer 1',
    };
    const concentrated = await measureStep({ task: step, model: single, states: [1, 2, 3, 4, 5], samplesPerState: 12 });
    const scattered = await measureStep({ task: step, model: spread, states: [1, 2, 3, 4, 5], samplesPerState: 12 });
    expect(concentrated.errors.topWrongShare).toBe(1);
    expect(concentrated.wrongAnswers).toHaveLength(5);
    expect(scattered.errors.topWrongShare).toBeLessThan(0.7);
    expect(scattered.wrongAnswers.length).toBeGreaterThan(5);
  });

  it('gives the same figures for the same seed and other request seeds for another', async () => {
    const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: hanoiSim, seed: 1, parameters: { errorRate: 0.05 } });
    const a = await measureStep({ task, model, states: states.slice(0, 60), seed: 9, samplesPerState: 2 });
    const b = await measureStep({ task, model, states: states.slice(0, 60), seed: 9, samplesPerState: 2, concurrency: 1 });
    const c = await measureStep({ task, model, states: states.slice(0, 60), seed: 10, samplesPerState: 2 });
    expect(b).toEqual(a);
    expect(c.counterexamples.map((x) => x.requestSeed)).not.toEqual(a.counterexamples.map((x) => x.requestSeed));
  });
});

describe('measureStep shrinking', () => {
  /** Hanoi with any disk count: the state says how many disks and which step. */
  interface AnyHanoi {
    readonly disks: number;
    readonly step: number;
  }
  const anyHanoi: StepFunction<AnyHanoi> = {
    name: 'hanoi-any',
    prompt: ({ disks, step }) => createHanoiTask({ disks }).prompt(hanoiStateAt(disks, step), step),
    parse: (text, { disks }) => parseHanoi(text, disks),
    oracle: ({ disks, step }) => createHanoiTask({ disks }).oracle!(hanoiStateAt(disks, step), step),
  };
  const disksIn = (request: ModelRequest) => Number(/with (\d+) disks/.exec(promptText(request.messages))![1]);
  const anyState = fc.integer({ min: 1, max: 12 }).chain((disks) => fc.record({ disks: fc.constant(disks), step: fc.integer({ min: 0, max: 2 ** disks - 2 }) }));

  it('reports a failure that depends on the disk count at its smallest failing state', async () => {
    const model = faultyModel({ ...simAnswers(hanoiSim), errorRate: (request) => (disksIn(request) > 7 ? 1 : 0) });
    const result = await measureStep({ task: anyHanoi, model, states: anyState, numStates: 60, seed: 3 });
    const first = result.counterexamples[0]!;
    expect(first.kind).toBe('shrunk');
    expect(first.state).toEqual({ disks: 8, step: 0 });
    expect(first.answers[0]!.key).not.toBe(first.expected);
    // Every other counterexample is a measured state with more than 7 disks, and there is one per such state.
    const measured = result.counterexamples.slice(1);
    expect(measured.every((example) => example.kind === 'measured' && example.state.disks > 7)).toBe(true);
    expect(measured.length).toBe(result.states - result.correct);
  });

  it('draws the same states from an arbitrary for the same seed', async () => {
    const model = faultyModel({ ...simAnswers(hanoiSim), errorRate: 0.2, seed: 1 });
    const a = await measureStep({ task: anyHanoi, model, states: anyState, numStates: 30, seed: 4 });
    const b = await measureStep({ task: anyHanoi, model, states: anyState, numStates: 30, seed: 4 });
    expect(b).toEqual(a);
    expect(a.states).toBe(30);
  });

  it('stops shrinking at the budget and keeps the measured counterexample when it is 0', async () => {
    const model = faultyModel({ ...simAnswers(hanoiSim), errorRate: (request) => (disksIn(request) > 7 ? 1 : 0) });
    const result = await measureStep({ task: anyHanoi, model, states: anyState, numStates: 60, seed: 3, maxShrinkStates: 0 });
    expect(result.counterexamples.every((example) => example.kind === 'measured')).toBe(true);
  });
});

describe('measureStep on a graph task', () => {
  /** Adds each adjacent pair of a list: one call per pair, all ready at once. */
  const pairs: GraphTask<readonly number[], number, { a: number; b: number }> = {
    name: 'pair-sums',
    totalCalls: undefined,
    initialState: () => [],
    ready: (list) => list.slice(1).map((b, i): TaskCall<{ a: number; b: number }> => ({ id: String(i), messages: [{ role: 'user', content: `${list[i]} + ${b} = ?` }], data: { a: list[i]!, b } })),
    parse: (text) => (/^-?\d+$/.test(text) ? { ok: true, key: text, value: Number(text) } : { ok: false, reason: 'not an integer' }),
    absorb: (state) => state,
    done: () => true,
    solved: () => true,
    oracle: (_state, call) => String(call.data.a + call.data.b),
  };
  const sum = (request: ModelRequest) => {
    const [a, b] = promptText(request.messages).match(/-?\d+/g)!.map(Number);
    return String(a! + b!);
  };

  it('measures every ready call of every state and names the failing call', async () => {
    const model = faultyModel({ correct: sum, errorRate: (request) => (promptText(request.messages).startsWith('7 +') ? 1 : 0), attractorShare: 1 });
    const result = await measureStep({ task: pairs, model, states: [[1, 2, 3], [4, 7, 5], [7, 8]], samplesPerState: 2 });
    expect(result.calls).toBe(5);
    expect(result.samples).toBe(10);
    expect(result.counterexamples.map((example) => [example.index, example.call])).toEqual([
      [1, '1'],
      [2, '0'],
    ]);
    expect(result.k).toBeUndefined();
  });
});

describe('measureStep input checks', () => {
  it('rejects bad options with one line quoting the value', async () => {
    const model = errsOnTenPercent();
    await expect(measureStep({ task, model, states: [] })).rejects.toThrow(InputError);
    await expect(measureStep({ task, model, states, samplesPerState: 0 })).rejects.toThrow('Expected `samplesPerState` to be an integer >= 1, got `0`');
    await expect(measureStep({ task, model, states, confidence: 1 })).rejects.toThrow('Expected `confidence` to be a number in (0, 1), got `1`');
    await expect(measureStep({ task, model, states: [{ state: states[0]!.state, step: -1 }] })).rejects.toThrow('integer step >= 0');
    const noOracle: StepFunction<number> = { prompt: () => [{ role: 'user', content: 'x' }], parse: (text) => ({ ok: true, key: text, value: text }) };
    await expect(measureStep({ task: noOracle, model, states: [1] })).rejects.toThrow('to have an oracle');
  });

  it('rejects with the model error when a call fails', async () => {
    const broken = { id: 'broken', pricing: { inputUsdPerMillion: 0, outputUsdPerMillion: 0 }, generate: () => Promise.reject(new Error('endpoint down')) };
    await expect(measureStep({ task, model: broken, states })).rejects.toThrow('endpoint down');
  });
});
