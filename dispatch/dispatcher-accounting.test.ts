/** What the dispatcher charges, counts and reports, and the options it refuses. */
import { describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock.ts';
import { InputError, TransientModelError, type TransientFault } from '../core/errors.ts';
import type { ModelRequest, ModelResponse } from '../core/model.ts';
import { createScriptedModel, response } from '../testing/index.ts';
import { createDispatcher, emptyCallTally, emptyDispatchStats, type DispatcherOptions, type FaultEvent } from './dispatcher.ts';

const request: ModelRequest = { messages: [{ role: 'user', content: 'question' }], temperature: 0, maxOutputTokens: 100 };
const fault = (kind: TransientFault) => new TransientModelError('test', kind, `injected ${kind}`);

function setup(options: Omit<DispatcherOptions, 'clock' | 'sleep'>) {
  const clock = manualClock();
  return { clock, dispatcher: createDispatcher({ random: () => 0, ...options, clock: clock.now, sleep: clock.sleep }) };
}

describe('what the dispatcher charges to a call', () => {
  it("charges every fault and retry to the call's own tally, the last fault of a failed call included", async () => {
    const model = createScriptedModel({ script: [fault('rate-limit'), fault('timeout'), 'ok', fault('connection')], whenExhausted: 'repeat-last' });
    const { clock, dispatcher } = setup({ model, retry: { retries: 1, baseDelayMs: 1 } });
    const first = emptyCallTally();
    const second = emptyCallTally();
    await expect(clock.drive(dispatcher.dispatch(request, { step: 0, sample: 0, tally: first }))).rejects.toThrow(/Gave up after 2 attempts/);
    await clock.drive(dispatcher.dispatch(request, { step: 1, sample: 0, tally: second }));
    expect(first).toEqual({ retries: 1, faults: { 'rate-limit': 1, timeout: 1 } });
    expect(second).toEqual({ retries: 0, faults: {} });
    expect(dispatcher.stats).toMatchObject({ calls: 3, retries: 1, faults: { 'rate-limit': 1, timeout: 1 }, faultCount: 2 });
  });

  it('tells onFault about each fault: kind, endpoint, call, message, and the wait before its retry (none after the last)', async () => {
    const events: FaultEvent[] = [];
    const model = createScriptedModel({ script: [fault('server-error')], whenExhausted: 'repeat-last' });
    const { clock, dispatcher } = setup({ model, retry: { retries: 1, baseDelayMs: 40, jitter: 0 }, onFault: (event) => events.push(event) });
    await clock.drive(dispatcher.dispatch(request, { step: 3, sample: 2 })).catch(() => undefined);
    expect(events).toEqual([
      { kind: 'server-error', endpoint: model.id, step: 3, sample: 2, message: 'test: server-error: injected server-error', retryInMs: 40 },
      { kind: 'server-error', endpoint: model.id, step: 3, sample: 2, message: 'test: server-error: injected server-error', retryInMs: undefined },
    ]);
    expect(dispatcher.endpoints[0]!.stats).toMatchObject({ calls: 2, faults: 2 });
  });

  it("accounts a response's tokens and dollars at its endpoint's prices, and names the endpoint", async () => {
    const model = createScriptedModel({
      id: 'priced',
      script: [response({ text: 'ok', usage: { promptTokens: 300, completionTokens: 100 } })],
      whenExhausted: 'repeat-last',
      pricing: { inputUsdPerMillion: 2, outputUsdPerMillion: 10 },
    });
    for (const budget of [undefined, { tokens: 1_000_000 }]) {
      // Unlimited calls take the fast path; a budget sends them down the full one. Both account the same.
      const { dispatcher } = setup({ model, ...(budget === undefined ? {} : { budget }) });
      const result = await dispatcher.dispatch(request, { step: 0, sample: 0 });
      await dispatcher.dispatch(request, { step: 0, sample: 1 });
      expect(result).toMatchObject({ endpoint: 'priced', costUsd: 0.0016 });
      expect(dispatcher.stats).toMatchObject({ calls: 2, promptTokens: 600, completionTokens: 200 });
      expect(dispatcher.stats.costUsd).toBeCloseTo(0.0032, 12);
      expect(dispatcher.budget().spent).toMatchObject({ calls: 2, tokens: 800 });
      expect(dispatcher.budget().spent.dollars).toBeCloseTo(0.0032, 12);
    }
  });

  it('starts from zero', () => {
    expect(emptyDispatchStats()).toEqual({ calls: 0, retries: 0, faults: {}, faultCount: 0, aborted: 0, circuitOpens: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 });
    expect(emptyCallTally()).toEqual({ retries: 0, faults: {} });
  });
});

describe("an endpoint's own limits", () => {
  it("keeps at most its concurrency in flight, within the dispatcher's", async () => {
    let inFlight = 0;
    let most = 0;
    const slow = async (): Promise<ModelResponse> => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return response({ text: 'ok' });
    };
    const model = createScriptedModel({ script: [slow], whenExhausted: 'repeat-last' });
    const dispatcher = createDispatcher({ endpoints: [{ model, concurrency: 2 }], concurrency: 8 });
    await Promise.all(Array.from({ length: 6 }, (_, sample) => dispatcher.dispatch(request, { step: 0, sample })));
    expect(most).toBe(2);
  });

  it('holds calls to its token rate, refunding what a call did not use', async () => {
    // 600 tokens a minute: a burst of 60, then 10 a second. A call reserves 10 prompt + 100 output tokens (a
    // reservation over the burst waits for a full bucket and leaves it in debt) and uses 10 + 10: 90 come back.
    const model = createScriptedModel({ script: [response({ text: 'ok', usage: { promptTokens: 10, completionTokens: 10 } })], whenExhausted: 'repeat-last' });
    const { clock, dispatcher } = setup({ endpoints: [{ model, tokensPerMinute: 600 }], concurrency: 1 });
    const times: number[] = [];
    for (let sample = 0; sample < 3; sample++) {
      await clock.drive(dispatcher.dispatch(request, { step: 0, sample, promptTokens: 10 }));
      times.push(clock.now());
    }
    // Each call leaves 60 - 110 + 90 = 40: 2 s until the next 60. Without the refund, 11 s.
    expect(times).toEqual([0, 2000, 4000]);
  });
});

describe('dispatcher options', () => {
  const model = createScriptedModel({ script: ['ok'] });
  it.each([
    [{}, 'Expected exactly one of `model` and `endpoints` in the dispatcher options, got neither'],
    [{ model, endpoints: [model] }, 'Expected exactly one of `model` and `endpoints` in the dispatcher options, got both'],
    [{ model, concurrency: 0 }, 'Expected `concurrency` to be an integer >= 1, got `0`'],
    [{ model, concurrency: 1.5 }, 'Expected `concurrency` to be an integer >= 1, got `1.5`'],
    [{ model, timeoutMs: -1 }, 'Expected `timeoutMs` to be a number >= 0, got `-1`'],
    [{ model, timeoutMs: Number.POSITIVE_INFINITY }, 'Expected `timeoutMs` to be a number >= 0, got `Infinity`'],
    [{ endpoints: [{ model, name: 'a' }, { model, name: 'a' }] }, 'Expected endpoint names to be unique, got `a` twice'],
  ] as Array<[Partial<DispatcherOptions>, string]>)('refuses %j with an InputError quoting it', (options, message) => {
    expect(() => createDispatcher(options as DispatcherOptions)).toThrow(InputError);
    expect(() => createDispatcher(options as DispatcherOptions)).toThrow(message);
  });

  it('accepts a concurrency of one and no timeout', () => {
    expect(createDispatcher({ model, concurrency: 1, timeoutMs: 0 }).id).toBe(model.id);
  });

  it('names itself by its distinct model ids', () => {
    const a = createScriptedModel({ id: 'a', script: [] });
    const b = createScriptedModel({ id: 'b', script: [] });
    expect(createDispatcher({ endpoints: [{ model: a, name: 'a1' }, { model: a, name: 'a2' }, b] }).id).toBe('a+b');
  });
});
