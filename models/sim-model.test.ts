import { describe, expect, it } from 'vitest';
import { createHanoiTask, hanoiStateAt, hanoiSim } from '../tasks/hanoi/index.ts';
import type { ChatMessage, ModelRequest } from '../core/model.ts';
import { agent } from '../agent/agent.ts';
import { hasToolCall } from '../agent/stop-conditions.ts';
import { toolSpecsOf } from '../agent/tool.ts';
import { arithmeticPrompt, arithmeticTools, arithmeticToolsSim } from '../testing/arithmetic-tools.ts';
import { createSimModel, heterogeneityShift } from './sim-model.ts';
import { countMessageTokens, countToolTokens } from './tokens.ts';

const disks = 12;
const task = createHanoiTask({ disks });
const promptAt = (step: number) => task.prompt(hanoiStateAt(disks, step), step);

/** Wilson score interval for a proportion, z = 4 (a test that should fail about once in 30,000 runs). */
function wilson(successes: number, trials: number, z = 4): [number, number] {
  const p = successes / trials;
  const denominator = 1 + (z * z) / trials;
  const centre = (p + (z * z) / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials))) / denominator;
  return [centre - half, centre + half];
}

describe('the simulated model', () => {
  it('answers the same text every time at temperature 0', async () => {
    const model = createSimModel({ behaviour: hanoiSim, seed: 1 });
    for (let step = 0; step < 50; step++) {
      const messages = promptAt(step * 37);
      const first = await model.generate({ messages, temperature: 0, maxOutputTokens: 750 });
      const second = await model.generate({ messages: [...messages], temperature: 0, maxOutputTokens: 750 });
      expect(second).toEqual(first);
    }
  });

  it('is reproducible from the request seed at temperature > 0, and varies with it', async () => {
    const model = createSimModel({ behaviour: hanoiSim, seed: 1, parameters: { errorRate: 0.3 } });
    const messages = promptAt(100);
    const texts = await Promise.all(Array.from({ length: 40 }, (_, seed) => model.generate({ messages, temperature: 0.1, maxOutputTokens: 750, seed })));
    const again = await Promise.all(Array.from({ length: 40 }, (_, seed) => model.generate({ messages, temperature: 0.1, maxOutputTokens: 750, seed })));
    expect(again).toEqual(texts);
    expect(new Set(texts.map((r) => r.text)).size).toBeGreaterThan(1);
  });

  it('has a valid-response error rate within the confidence bounds of the profile mean (0.22%)', () => {
    const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: hanoiSim, seed: 2 });
    let valid = 0;
    let wrong = 0;
    const trials = 200_000;
    for (let i = 0; i < trials; i++) {
      const step = (i * 7919) % task.totalSteps!;
      const state = hanoiStateAt(disks, step);
      const { response } = model.complete({ messages: task.prompt(state, step), temperature: 0.1, maxOutputTokens: 750, seed: i });
      const parsed = task.parse(response.text);
      if (response.finishReason === 'length' || response.usage.completionTokens > 750 || !parsed.ok) continue;
      valid++;
      if (parsed.key !== task.oracle!(state, step)) wrong++;
    }
    const [low, high] = wilson(wrong, valid);
    expect(low).toBeLessThanOrEqual(0.0022);
    expect(high).toBeGreaterThanOrEqual(0.0022);
  });

  it.each([
    ['an error rate of 5%', { parameters: { errorRate: 0.05 } }, 0.05, 60_000],
    ['qwen3 (23.42%)', { profile: 'qwen3' }, 0.2342, 15_000],
  ])('makes the error among valid responses over random prompts the profile mean, though red flags fall hardest on hard prompts: %s', (_, options, mean, trials) => {
    // 20 disks: every sampled prompt is a different one, so each trial is an independent draw of the mixture.
    const big = createHanoiTask({ disks: 20 });
    const model = createSimModel({ behaviour: hanoiSim, seed: 9, ...options });
    let valid = 0;
    let wrong = 0;
    for (let i = 0; i < trials; i++) {
      const step = Math.floor(((i * 2654435761) % 4294967296) / 4294967296 * big.totalSteps!);
      const state = hanoiStateAt(20, step);
      const { response } = model.complete({ messages: big.prompt(state, step), temperature: 0.1, maxOutputTokens: 750, seed: i });
      const parsed = big.parse(response.text);
      if (response.finishReason === 'length' || response.usage.completionTokens > 750 || !parsed.ok) continue;
      valid++;
      if (parsed.key !== big.oracle!(state, step)) wrong++;
    }
    const [low, high] = wilson(wrong, valid);
    expect(low).toBeLessThanOrEqual(mean);
    expect(high).toBeGreaterThanOrEqual(mean);
  });

  it('keeps a hard prompt hard across its samples (heterogeneous, per-prompt difficulty)', () => {
    const model = createSimModel({ profile: 'qwen3', behaviour: hanoiSim, seed: 5 });
    const rates = Array.from({ length: 300 }, (_, step) => model.complete({ messages: promptAt(step), temperature: 0.1, maxOutputTokens: 2000, seed: 1 }).promptErrorRate);
    const again = Array.from({ length: 300 }, (_, step) => model.complete({ messages: promptAt(step), temperature: 0.1, maxOutputTokens: 2000, seed: 2 }).promptErrorRate);
    expect(again).toEqual(rates);
    expect(Math.max(...rates) / Math.min(...rates)).toBeGreaterThan(5);
  });

  it('repeats the prompt attractor: the commonest wrong answer is far commoner than the rest', () => {
    const model = createSimModel({ behaviour: hanoiSim, seed: 3, parameters: { errorRate: 0.5, heterogeneity: 0 } });
    const messages = promptAt(77);
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 4000; seed++) {
      const { kind, response } = model.complete({ messages, temperature: 0.1, maxOutputTokens: 5000, seed });
      if (kind === 'wrong') counts.set(response.text, (counts.get(response.text) ?? 0) + 1);
    }
    const sorted = [...counts.values()].sort((a, b) => b - a);
    expect(sorted[0]!).toBeGreaterThan(3 * sorted[1]!);
  });

  it('makes wrong answers over-long far more often than right ones', () => {
    const model = createSimModel({ behaviour: hanoiSim, seed: 4, parameters: { errorRate: 0.2, heterogeneity: 0 } });
    const long = { right: 0, wrong: 0 };
    const total = { right: 0, wrong: 0 };
    for (let seed = 0; seed < 20_000; seed++) {
      const { kind, response } = model.complete({ messages: promptAt(seed % 500), temperature: 0.1, maxOutputTokens: 5000, seed });
      if (kind === 'malformed') continue;
      total[kind]++;
      if (response.usage.completionTokens > 750) long[kind]++;
    }
    expect(long.wrong / total.wrong).toBeGreaterThan(20 * (long.right / total.right));
  });

  it('cannot answer a prompt that leaves out the state: a scheduler that forgets it fails', () => {
    const model = createSimModel({ behaviour: hanoiSim, seed: 1 });
    const full = promptAt(5);
    const withoutState: ChatMessage[] = [full[0]!, { role: 'user', content: 'Previous move: None\nGive the next move.' }];
    for (let seed = 0; seed < 50; seed++) {
      const { response } = model.complete({ messages: withoutState, temperature: 0.1, maxOutputTokens: 750, seed });
      expect(task.parse(response.text).ok).toBe(false);
    }
  });

  it('errs more as the prompt grows past the reference length', () => {
    const model = createSimModel({ behaviour: hanoiSim, seed: 1, parameters: { errorRate: 0.01, heterogeneity: 0, contextReferenceTokens: 400, contextExponent: 2 } });
    const short = model.complete({ messages: promptAt(3), temperature: 0, maxOutputTokens: 750 }).promptErrorRate;
    const padded = promptAt(3).map((m, i) => (i === 0 ? { ...m, content: `${m.content}\n${'Some earlier context. '.repeat(400)}` } : m));
    const long = model.complete({ messages: padded, temperature: 0, maxOutputTokens: 750 }).promptErrorRate;
    expect(short).toBeCloseTo(0.01, 6);
    expect(long).toBeGreaterThan(0.1);
  });

  it('centres the heterogeneous error rates on the profile mean', () => {
    const shift = heterogeneityShift(0.0022, 1);
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    let sum = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      // Deterministic quasi-uniform grid over the normal distribution.
      const u = (i + 0.5) / n;
      const z = Math.sqrt(2) * inverseErf(2 * u - 1);
      sum += sigmoid(Math.log(0.0022 / 0.9978) + shift + z);
    }
    expect(sum / n).toBeCloseTo(0.0022, 5);
  });
});

function inverseErf(x: number): number {
  const a = 0.147;
  const ln = Math.log(1 - x * x);
  const t = 2 / (Math.PI * a) + ln / 2;
  return Math.sign(x) * Math.sqrt(Math.sqrt(t * t - ln / a) - t);
}

describe('the simulated model with tools', () => {
  const tools = toolSpecsOf(arithmeticTools());
  const start: ChatMessage[] = [{ role: 'user', content: arithmeticPrompt(2, 3, 4) }];
  const request = (seed: number, extra: Partial<ModelRequest> = {}): ModelRequest => ({ messages: start, tools, temperature: 0.1, maxOutputTokens: 4096, seed, ...extra });

  it('answers a request that offers tools with tool calls in the chat-completions shape', () => {
    const model = createSimModel({ behaviour: arithmeticToolsSim, seed: 1, parameters: { errorRate: 0, malformedRate: 0 } });
    const { response } = model.complete(request(1));
    expect(response.finishReason).toBe('tool_calls');
    expect(response.text).toBe('');
    expect(response.toolCalls).toEqual([{ id: expect.stringMatching(/^call_/), name: 'add', arguments: '{"a":2,"b":3}' }]);
  });

  it('derives the next call from the tool results in the conversation', () => {
    const model = createSimModel({ behaviour: arithmeticToolsSim, seed: 1, parameters: { errorRate: 0, malformedRate: 0 } });
    const messages: ChatMessage[] = [
      ...start,
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'add', arguments: '{"a":2,"b":3}' }] },
      { role: 'tool', content: '5', toolCallId: 'c1' },
    ];
    expect(model.complete(request(1, { messages })).response.toolCalls?.[0]).toMatchObject({ name: 'mul', arguments: '{"a":5,"b":4}' });
  });

  it('is reproducible from the request seed, and its wrong turns come at the error rate', () => {
    const model = createSimModel({ behaviour: arithmeticToolsSim, seed: 2, parameters: { errorRate: 0.2, heterogeneity: 0, malformedRate: 0, longWhenWrong: 0, longWhenRight: 0 } });
    const runs = Array.from({ length: 4000 }, (_, seed) => model.complete(request(seed)));
    expect(Array.from({ length: 4000 }, (_, seed) => model.complete(request(seed)))).toEqual(runs);
    const wrong = runs.filter((run) => run.response.toolCalls?.[0]?.arguments !== '{"a":2,"b":3}' || run.response.toolCalls[0].name !== 'add').length;
    const [low, high] = wilson(wrong, runs.length);
    expect(low).toBeLessThanOrEqual(0.2);
    expect(high).toBeGreaterThanOrEqual(0.2);
    expect(runs.every((run) => (run.kind === 'wrong') === (run.response.toolCalls?.[0]?.arguments !== '{"a":2,"b":3}' || run.response.toolCalls[0].name !== 'add'))).toBe(true);
  });

  it("draws its wrong turns from the corrupter's, given the correct turn as the responder wrote it", () => {
    const model = createSimModel({ behaviour: arithmeticToolsSim, seed: 2, parameters: { errorRate: 0.5, heterogeneity: 0, malformedRate: 0 } });
    const wrong = new Set<string>();
    for (let seed = 0; seed < 300; seed++) {
      const { kind, response } = model.complete(request(seed));
      if (kind === 'wrong') wrong.add(response.toolCalls!.map((call) => `${call.name}${call.arguments}`).join());
    }
    expect([...wrong].sort()).toEqual(['add{"a":2,"b":4}', 'mul{"a":2,"b":3}', 'submit{"value":2}']);
  });

  it('makes a malformed turn a call whose JSON arguments are cut short', () => {
    const model = createSimModel({ behaviour: arithmeticToolsSim, seed: 3, parameters: { malformedRate: 0.5 } });
    const malformed = Array.from({ length: 200 }, (_, seed) => model.complete(request(seed))).find((run) => run.kind === 'malformed')!;
    expect(malformed.response.toolCalls?.[0]?.name).toBe('add');
    expect(() => JSON.parse(malformed.response.toolCalls![0]!.arguments)).toThrow();
  });

  it('cuts a turn over the output cap inside its last call, with finish reason length', () => {
    const model = createSimModel({ behaviour: arithmeticToolsSim, seed: 1, parameters: { errorRate: 0, malformedRate: 0 } });
    const { response } = model.complete(request(1, { maxOutputTokens: 5 }));
    expect(response.finishReason).toBe('length');
    expect(() => JSON.parse(response.toolCalls![0]!.arguments)).toThrow();
  });

  it('counts the tool schemas and earlier calls in its prompt tokens', () => {
    const model = createSimModel({ behaviour: arithmeticToolsSim, seed: 1 });
    const withTools = model.complete(request(1)).response.usage.promptTokens;
    const without = model.complete(request(1, { tools: undefined as never })).response.usage.promptTokens;
    expect(withTools).toBe(countMessageTokens(start, tools));
    expect(withTools - without).toBe(countToolTokens(tools));
  });

  it('answers with text when tool_choice is none or the behaviour has no tool responder', () => {
    const model = createSimModel({ behaviour: arithmeticToolsSim, seed: 1, parameters: { errorRate: 0, malformedRate: 0 } });
    expect(model.complete(request(1, { toolChoice: 'none' })).response.toolCalls).toBeUndefined();
    const hanoi = createSimModel({ behaviour: hanoiSim, seed: 1 });
    const answer = hanoi.complete({ messages: promptAt(3), tools, temperature: 0, maxOutputTokens: 750 }).response;
    expect(answer.toolCalls).toBeUndefined();
    expect(task.parse(answer.text).ok).toBe(true);
  });

  it('drives agent() to the right answer', async () => {
    const submitted: number[] = [];
    const model = createSimModel({ behaviour: arithmeticToolsSim, seed: 1, parameters: { errorRate: 0, malformedRate: 0 } });
    const result = await agent({ model, prompt: arithmeticPrompt(2, 3, 4), tools: arithmeticTools(submitted), stop: hasToolCall('submit') });
    expect(submitted).toEqual([20]);
    expect(result.steps).toHaveLength(3);
  });
});
