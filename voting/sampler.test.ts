import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDispatcher, emptyCallTally, type CallContext, type DispatchedResponse, type SampleDispatcher } from '../dispatch/dispatcher.ts';
import type { LanguageModel, ModelRequest, ModelResponse } from '../core/model.ts';
import type { ParseResult } from '../core/task.ts';
import { createScriptedModel, response, toolCall } from '../testing/index.ts';
import { defaultRedFlags } from './red-flags.ts';
import { voteStep, voteStepNow, type VoteStepOptions } from './sampler.ts';
import { firstThenRest } from './temperature.ts';

// A toy answer format: "answer: X" parses to key X.
const parse = (text: string): ParseResult<string> => {
  const match = /^answer: (\w+)$/.exec(text);
  return match === null ? { ok: false, reason: 'no answer' } : { ok: true, key: match[1]!, value: match[1]! };
};

function options(model: LanguageModel, overrides: Partial<VoteStepOptions<string>> = {}): VoteStepOptions<string> {
  return {
    dispatcher: createDispatcher({ model, concurrency: 4 }),
    messages: [{ role: 'user', content: 'question' }],
    parse,
    k: 2,
    seed: 7,
    step: 0,
    redFlags: defaultRedFlags(750),
    temperature: firstThenRest(),
    maxOutputTokens: 750,
    maxSamples: 50,
    ...overrides,
  };
}

describe('voteStep', () => {
  it('issues the first k samples in parallel, then only as many as could decide', async () => {
    const model = createScriptedModel({ script: ['answer: a', 'answer: b', 'answer: a', 'answer: a'] });
    const outcome = await voteStep(options(model));
    expect(outcome).toMatchObject({ kind: 'decided', key: 'a', samples: 4, votes: 4 });
    // k = 2: round 1 issues 2; after a,b the margin is 0 so round 2 issues 2.
    expect(outcome.rounds).toBe(2);
    expect(model.calls.map((call) => call.temperature)).toEqual([0, 0.1, 0.1, 0.1]);
  });

  it('never counts a red-flagged response as a vote', async () => {
    const model = createScriptedModel({
      script: [
        { text: 'answer: wrong', usage: { promptTokens: 1, completionTokens: 900 } },
        { text: 'answer: wrong', finishReason: 'length' },
        'garbled',
        'answer: right',
        'answer: right',
      ],
    });
    const outcome = await voteStep(options(model));
    expect(outcome).toMatchObject({ kind: 'decided', key: 'right', votes: 2, samples: 5 });
    expect(outcome.tally.has('wrong')).toBe(false);
    expect(outcome.redFlags).toEqual({ 'too-long': 1, truncated: 1, unparseable: 1 });
  });

  it('parses a text its samples repeat once, and every different text anew', async () => {
    const model = createScriptedModel({ script: ['answer: a', 'answer: a', 'answer: b', 'answer: a', 'answer: a'] });
    const parsed: string[] = [];
    const counting = (text: string) => (parsed.push(text), parse(text));
    const outcome = await voteStep(options(model, { parse: counting, k: 3 }));
    expect(outcome).toMatchObject({ kind: 'decided', key: 'a', samples: 5, votes: 5 });
    expect(outcome.voteKeys).toEqual(['a', 'a', 'b', 'a', 'a']);
    expect(parsed).toEqual(['answer: a', 'answer: b', 'answer: a']);
  });

  it('property: red-flagged responses never change the tally', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ key: fc.constantFrom('a', 'b'), flagged: fc.boolean() }), { minLength: 60, maxLength: 60 }), async (plan) => {
        const model = createScriptedModel({
          script: plan.map(({ key, flagged }) => (flagged ? { text: `answer: ${key}`, usage: { promptTokens: 1, completionTokens: 5000 } } : `answer: ${key}`)),
          whenExhausted: 'repeat-last',
        });
        const outcome = await voteStep(options(model, { maxSamples: 60 }));
        const counted = plan.slice(0, outcome.samples).filter((entry) => !entry.flagged);
        expect(outcome.votes).toBe(counted.length);
        expect(outcome.voteKeys).toEqual(counted.map((entry) => entry.key));
      }),
    );
  });

  it('ends with an exhausted outcome carrying its tally at the sample cap', async () => {
    const alternating = createScriptedModel({
      script: Array.from({ length: 10 }, (_, i) => `answer: ${i % 2 === 0 ? 'a' : 'b'}`),
    });
    const outcome = await voteStep(options(alternating, { maxSamples: 10, k: 3 }));
    expect(outcome.kind).toBe('exhausted');
    expect(outcome.samples).toBe(10);
    expect(Object.fromEntries(outcome.tally)).toEqual({ a: 5, b: 5 });
    expect(alternating.calls).toHaveLength(10);
    // No winner: the outcome names no key and no value, not even undefined ones (a journal would write them).
    expect('key' in outcome).toBe(false);
    expect('value' in outcome).toBe(false);
  });

  it('folds results in sample order, so completion order does not change the outcome', async () => {
    const answers = ['a', 'b', 'b', 'a', 'a', 'b', 'a', 'a', 'a', 'a'];
    const run = async (delays: number[]) => {
      const model = createScriptedModel({
        script: answers.map(
          (key, index) => () => new Promise<ModelResponse>((resolve) => setTimeout(() => resolve(response({ text: `answer: ${key}` })), delays[index] ?? 0)),
        ),
      });
      return voteStep(options(model, { k: 2, dispatcher: createDispatcher({ model, concurrency: 8 }) }));
    };
    const inOrder = await run([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const shuffled = await run([9, 1, 5, 0, 3, 7, 2, 8, 4, 6]);
    expect(shuffled.kind === 'decided' && shuffled.key).toBe(inOrder.kind === 'decided' && inOrder.key);
    expect(shuffled.voteKeys).toEqual(inOrder.voteKeys);
  });

  it('derives a distinct, reproducible seed per sample from (run seed, step, index)', async () => {
    const seen: Array<number | undefined> = [];
    const model = createScriptedModel({
      script: [(request: ModelRequest) => (seen.push(request.seed), response({ text: 'answer: a' }))],
      whenExhausted: 'repeat-last',
    });
    await voteStep(options(model, { k: 3, step: 5 }));
    const again: Array<number | undefined> = [...seen];
    seen.length = 0;
    await voteStep(options(model, { k: 3, step: 5 }));
    expect(seen).toEqual(again);
    expect(new Set(seen).size).toBe(3);
  });

  it('aborts samples still in flight when the caller aborts', async () => {
    const controller = new AbortController();
    const model = createScriptedModel({
      script: [
        (request: ModelRequest) =>
          new Promise<ModelResponse>((_, reject) => request.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })))),
      ],
      whenExhausted: 'repeat-last',
    });
    const pending = voteStep(options(model, { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    expect(model.calls).toHaveLength(2);
    expect(model.calls.every((call) => call.signal?.aborted)).toBe(true);
  });

  it('property: answered at once (dispatchNow), a step has the outcome, rounds and calls it has answered asynchronously', async () => {
    const entry = fc.oneof(
      fc.constantFrom('answer: a', 'answer: b', 'answer: c', 'garbled'),
      fc.constant({ text: 'answer: a', usage: { promptTokens: 1, completionTokens: 5000 } }),
      fc.constant({ text: 'answer: b', finishReason: 'length' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4 }), async (script, k) => {
        const later = createScriptedModel({ script, whenExhausted: 'repeat-last' });
        const scripted = createScriptedModel({ script, whenExhausted: 'repeat-last' });
        // The same answers, given at once: the simulated model's path.
        const now: LanguageModel = { id: scripted.id, pricing: scripted.pricing, generate: (request) => scripted.generate(request) };
        let call = 0;
        Object.defineProperty(now, 'generateNow', {
          value: (request: ModelRequest): ModelResponse => {
            scripted.calls.push(request);
            const item = script[Math.min(call++, script.length - 1)]!;
            return typeof item === 'string' ? response({ text: item }) : response(item);
          },
        });
        const settings = { k, maxSamples: 40 };
        const asynchronous = await voteStep(options(later, settings));
        const immediate = voteStepNow(options(now, { ...settings, dispatcher: createDispatcher({ model: now, concurrency: 4 }) }));
        expect(immediate).not.toBeInstanceOf(Promise);
        expect(immediate).toEqual(asynchronous);
        expect(scripted.calls.map((request) => [request.seed, request.temperature])).toEqual(later.calls.map((request) => [request.seed, request.temperature]));
      }),
    );
  });

  it('makes no abort controller or listener for a step answered at once', () => {
    const controller = new AbortController();
    const model: LanguageModel = { id: 'now', pricing: { inputUsdPerMillion: 0, outputUsdPerMillion: 0 }, generate: () => Promise.reject(new Error('not this path')) };
    const requests: ModelRequest[] = [];
    Object.defineProperty(model, 'generateNow', { value: (request: ModelRequest) => (requests.push(request), response({ text: 'answer: a' })) });
    const outcome = voteStepNow(options(model, { signal: controller.signal, dispatcher: createDispatcher({ model, concurrency: 2 }) }));
    expect(outcome).toMatchObject({ kind: 'decided', key: 'a', samples: 2 });
    // The run's own signal, not a per-step one.
    expect(requests.every((request) => request.signal === controller.signal)).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it("leaves nothing attached to the caller's signal once a step ends, so a long run's signal does not grow", async () => {
    const controller = new AbortController();
    const model = createScriptedModel({ script: ['answer: a'], whenExhausted: 'repeat-last' });
    for (let step = 0; step < 3; step++) await voteStep(options(model, { signal: controller.signal, step }));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('keys on the whole response with parseResponse, and offers the tools to every sample', async () => {
    const tools = [{ name: 'pick', parameters: { type: 'object' } }];
    const model = createScriptedModel({
      script: [{ toolCalls: [toolCall('pick', '{"x":1}')] }, { text: 'answer: a' }, { toolCalls: [toolCall('pick', '{"x":1}')] }],
    });
    const parseResponse = (r: ModelResponse): ParseResult<string> =>
      r.toolCalls === undefined ? { ok: false, reason: 'no call' } : { ok: true, key: r.toolCalls.map((c) => `${c.name}${c.arguments}`).join(), value: r.toolCalls[0]!.name };
    const outcome = await voteStep(options(model, { parseResponse, tools, toolChoice: 'required' }));
    expect(outcome).toMatchObject({ kind: 'decided', key: 'pick{"x":1}', value: 'pick', samples: 3, redFlags: { unparseable: 1 } });
    expect(model.calls.every((call) => call.tools === tools && call.toolChoice === 'required')).toBe(true);
  });

  it('sends no tool fields when none are given', async () => {
    const model = createScriptedModel({ script: ['answer: a', 'answer: a'] });
    await voteStep(options(model));
    expect(model.calls.every((call) => !('tools' in call) && !('toolChoice' in call))).toBe(true);
  });

  it('gives the value of the first vote for the winning key, not a later one', async () => {
    // Keys ignore case; values keep the text as it came.
    const caseless = (text: string): ParseResult<string> => {
      const match = /^answer: (\w+)$/.exec(text);
      return match === null ? { ok: false, reason: 'no answer' } : { ok: true, key: match[1]!.toLowerCase(), value: match[1]! };
    };
    const model = createScriptedModel({ script: ['answer: Yes', 'answer: YES', 'answer: yes'] });
    const outcome = await voteStep({ ...options(model, { k: 3 }), parse: caseless });
    expect(outcome).toMatchObject({ kind: 'decided', key: 'yes', value: 'Yes' });
  });

  it("hands the dispatcher each sample's step and index with the call's id, prompt tokens and tally", async () => {
    const contexts: CallContext[] = [];
    const model = createScriptedModel({ script: ['answer: a'], whenExhausted: 'repeat-last' });
    const inner = createDispatcher({ model, concurrency: 4 });
    const recording: SampleDispatcher = { dispatch: (request, context) => (contexts.push(context), inner.dispatch(request, context)) };
    const tally = emptyCallTally();
    await voteStep(options(model, { dispatcher: recording, k: 2, step: 9, callId: 'n9', promptTokens: 123, tally }));
    expect(contexts).toEqual([
      { step: 9, sample: 0, callId: 'n9', promptTokens: 123, tally },
      { step: 9, sample: 1, callId: 'n9', promptTokens: 123, tally },
    ]);
    contexts.length = 0;
    await voteStep(options(model, { dispatcher: recording, k: 1, step: 4 }));
    expect(contexts).toEqual([{ step: 4, sample: 0 }]);
  });

  it('fails the step with the error a sample met, aborting the samples in flight and sending no more', async () => {
    const hang = (request: ModelRequest) =>
      new Promise<ModelResponse>((_, reject) => request.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    const model = createScriptedModel({ script: [new Error('endpoint down'), hang, hang, 'answer: a'] });
    await expect(voteStep(options(model, { k: 3 }))).rejects.toThrow('endpoint down');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(model.calls).toHaveLength(3);
    expect(model.calls.slice(1).map((call) => call.signal?.aborted)).toEqual([true, true]);
  });

  it('fails the step with an abort error a sample met though nobody aborted', async () => {
    const stray = Object.assign(new Error('aborted elsewhere'), { name: 'AbortError' });
    const model = createScriptedModel({ script: [stray, 'answer: a'], whenExhausted: 'repeat-last' });
    await expect(voteStep(options(model, { k: 1 }))).rejects.toThrow('aborted elsewhere');
  });

  it('rejects at once when the caller aborts, without waiting for an earlier sample that ignores the abort', async () => {
    const controller = new AbortController();
    const deaf = () => new Promise<ModelResponse>(() => undefined);
    const listening = (request: ModelRequest) =>
      new Promise<ModelResponse>((_, reject) => request.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    const model = createScriptedModel({ script: [deaf, listening] });
    const pending = voteStep(options(model, { k: 2, signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(pending).rejects.toThrow('aborted');
  });

  it("rejects with the reason of a caller's signal aborted before the step, calling nothing", async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped before'));
    const model = createScriptedModel({ script: ['answer: a'] });
    await expect(voteStep(options(model, { signal: controller.signal }))).rejects.toThrow('stopped before');
    expect(model.calls).toHaveLength(0);
  });
});

/**
 * A dispatcher that answers at once, as over the simulated model (`dispatchNow`), with what `answer` gives each
 * sample index; it records every request and sample index, and fails any call that takes the asynchronous path.
 */
function answeringAtOnce(answer: (sample: number) => DispatchedResponse | Promise<DispatchedResponse> | undefined) {
  const requests: ModelRequest[] = [];
  const samples: number[] = [];
  const dispatcher: SampleDispatcher = {
    dispatch: () => Promise.reject(new Error('the asynchronous path was taken')),
    dispatchNow(request, context) {
      requests.push(request);
      samples.push(context.sample);
      return answer(context.sample);
    },
  };
  return { dispatcher, requests, samples };
}

const answered = (text: string, latencyMs = 0): DispatchedResponse => ({ response: response({ text, latencyMs }), costUsd: 0.25, endpoint: 'now' });

describe('voteStep with a dispatcher that answers at once', () => {
  const unused = createScriptedModel({ script: ['answer: unused'] });

  it('sums the samples\' latencies and costs', () => {
    const latencies = [30, 12];
    const { dispatcher } = answeringAtOnce((sample) => answered('answer: a', latencies[sample]));
    const outcome = voteStepNow(options(unused, { dispatcher, k: 2 }));
    expect(outcome).toMatchObject({ kind: 'decided', key: 'a', samples: 2, latencyMs: 42, costUsd: 0.5 });
  });

  it('offers the tools to every sample, and a tool choice only when one is given', () => {
    const tools = [{ name: 'pick', parameters: { type: 'object' } }];
    const chosen = answeringAtOnce(() => answered('answer: a'));
    expect(voteStepNow(options(unused, { dispatcher: chosen.dispatcher, k: 2, tools, toolChoice: 'required' }))).toMatchObject({ kind: 'decided', key: 'a' });
    expect(chosen.requests.map((request) => [request.tools, request.toolChoice])).toEqual([
      [tools, 'required'],
      [tools, 'required'],
    ]);
    const free = answeringAtOnce(() => answered('answer: a'));
    voteStepNow(options(unused, { dispatcher: free.dispatcher, k: 2, tools }));
    expect(free.requests).toHaveLength(2);
    expect(free.requests.every((request) => request.tools === tools && !('toolChoice' in request))).toBe(true);
  });

  it('folds in, in its place, an answer the dispatcher could not give at once (a fault it retries)', async () => {
    const { dispatcher, samples } = answeringAtOnce((sample) => (sample === 0 ? Promise.resolve(answered('answer: b')) : answered('answer: a')));
    const outcome = await voteStep(options(unused, { dispatcher, k: 2 }));
    // b then a, a, a: the later answer counts first, as sample 0.
    expect(outcome).toMatchObject({ kind: 'decided', key: 'a', samples: 4, voteKeys: ['b', 'a', 'a', 'a'] });
    expect(samples).toEqual([0, 1, 2, 3]);
  });

  it('fails the step with the error the dispatcher threw, sending no sample after it', async () => {
    const failure = new Error('endpoint down');
    const { dispatcher, samples } = answeringAtOnce((sample) => {
      if (sample === 0) throw failure;
      return answered('answer: a');
    });
    await expect(voteStep(options(unused, { dispatcher, k: 2 }))).rejects.toBe(failure);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(samples).toEqual([0, 1]);
  });
});

describe('voteStep offering tools without a tool choice', () => {
  it("sends the tools and leaves the choice to the backend's default", async () => {
    const tools = [{ name: 'pick', parameters: { type: 'object' } }];
    const model = createScriptedModel({ script: ['answer: a', 'answer: a'] });
    await voteStep(options(model, { tools }));
    expect(model.calls).toHaveLength(2);
    expect(model.calls.every((call) => call.tools === tools && !('toolChoice' in call))).toBe(true);
  });
});
