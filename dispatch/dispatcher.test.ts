import { describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock.ts';
import { createDispatcher, type DispatcherOptions } from './dispatcher.ts';
import { BudgetExhaustedError, ModelCallError, RetriesExhaustedError, TransientModelError, type TransientFault } from '../core/errors.ts';
import type { ModelRequest, ModelResponse } from '../core/model.ts';
import { createScriptedModel, response } from '../testing/index.ts';

const request: ModelRequest = { messages: [{ role: 'user', content: 'question' }], temperature: 0, maxOutputTokens: 100 };
const at = (step: number, sample: number) => ({ step, sample, promptTokens: 10 });
const fault = (kind: TransientFault, details: ConstructorParameters<typeof TransientModelError>[3] = {}) => new TransientModelError('test', kind, `injected ${kind}`, details);

/** A call that never answers until its signal aborts. */
const hang = (call: ModelRequest) =>
  new Promise<ModelResponse>((_, reject) => call.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));

function setup(options: Partial<DispatcherOptions> & Pick<DispatcherOptions, 'model'> | (Partial<DispatcherOptions> & Pick<DispatcherOptions, 'endpoints'>)) {
  const clock = manualClock();
  const dispatcher = createDispatcher({ concurrency: 4, clock: clock.now, sleep: clock.sleep, random: () => 0, ...options });
  return { clock, dispatcher };
}

describe('the dispatcher', () => {
  const kinds: TransientFault[] = ['rate-limit', 'server-error', 'request-timeout', 'conflict', 'timeout', 'connection', 'truncated', 'invalid-json', 'empty-choices'];
  it.each(kinds)('retries a %s fault and returns only the response that follows', async (kind) => {
    const model = createScriptedModel({ script: [fault(kind), 'the answer'] });
    const { clock, dispatcher } = setup({ model });
    const result = await clock.drive(dispatcher.dispatch(request, at(0, 0)));
    expect(result.response.text).toBe('the answer');
    expect(dispatcher.stats).toMatchObject({ calls: 2, retries: 1, faults: { [kind]: 1 }, faultCount: 1 });
  });

  it('backs off exponentially with jitter from the injected random source', async () => {
    const model = createScriptedModel({ script: [fault('server-error'), fault('server-error'), fault('server-error'), fault('server-error'), 'ok'] });
    const draws = [0, 0.5, 0.25, 1];
    const { clock, dispatcher } = setup({ model, random: () => draws.shift()!, retry: { baseDelayMs: 100, factor: 2, maxDelayMs: 500, jitter: 0.5 } });
    await clock.drive(dispatcher.dispatch(request, at(0, 0)));
    // d = 100, 200, 400, 500 (capped), each times (1 - 0.5 * draw).
    expect(clock.sleeps).toEqual([100, 150, 350, 250]);
    expect(clock.now()).toBe(850);
  });

  it('waits what Retry-After asks for instead of its own schedule', async () => {
    const model = createScriptedModel({ script: [fault('rate-limit', { status: 429, retryAfterMs: 1234 }), 'ok'] });
    const { clock, dispatcher } = setup({ model });
    await clock.drive(dispatcher.dispatch(request, at(0, 0)));
    expect(clock.sleeps).toEqual([1234]);
  });

  it('gives up after the retries with every attempt\'s error', async () => {
    const model = createScriptedModel({ script: [fault('connection')], whenExhausted: 'repeat-last' });
    const { clock, dispatcher } = setup({ model, retry: { retries: 2, baseDelayMs: 1 } });
    const error = await clock.drive(dispatcher.dispatch(request, at(0, 0))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).errors).toHaveLength(3);
    expect(model.calls).toHaveLength(3);
    expect(dispatcher.stats).toMatchObject({ calls: 3, retries: 2, faults: { connection: 3 } });
  });

  it('gives up once no call has been answered for giveUpAfterMs (45 s by default), whatever retries and breaker would still wait', async () => {
    const model = createScriptedModel({ script: [fault('connection')], whenExhausted: 'repeat-last' });
    const { clock, dispatcher } = setup({ model, retry: { retries: 1000 } });
    const error = await clock.drive(dispatcher.dispatch(request, at(0, 0))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).silentForMs).toBe(45_000);
    expect((error as Error).message).toMatch(/^Gave up after 45 s with no answer \(\d+ failed attempts\); last: test: connection: injected connection$/);
    // The last wait is cut at the deadline, so the call fails exactly then rather than after the next cooldown.
    expect(clock.now()).toBe(45_000);
  });

  it('counts the silence from the last answer: calls that keep failing briefly between answers never give up', async () => {
    const script = [fault('connection'), fault('connection'), 'ok', fault('connection'), fault('connection'), 'ok'];
    const model = createScriptedModel({ script });
    const { clock, dispatcher } = setup({ model, giveUpAfterMs: 1000, retry: { baseDelayMs: 300, factor: 1, jitter: 0 } });
    expect((await clock.drive(dispatcher.dispatch(request, at(0, 0)))).response.text).toBe('ok');
    expect((await clock.drive(dispatcher.dispatch(request, at(1, 0)))).response.text).toBe('ok');
    expect(clock.now()).toBe(1200);
  });

  it('says "1 attempt", not "1 attempts"', async () => {
    const model = createScriptedModel({ script: [fault('connection')], whenExhausted: 'repeat-last' });
    const { clock, dispatcher } = setup({ model, retry: { retries: 0 } });
    await expect(clock.drive(dispatcher.dispatch(request, at(0, 0)))).rejects.toThrow(/^Gave up after 1 attempt; last:/);
  });

  it.each([400, 401, 403, 404, 422])('never retries a %i, and refuses every later call without calling the model', async (status) => {
    const model = createScriptedModel({ script: [new ModelCallError('api.example/v1', status, 'no'), 'never sent'] });
    const { clock, dispatcher } = setup({ model });
    await expect(clock.drive(dispatcher.dispatch(request, at(0, 0)))).rejects.toMatchObject({ status });
    await expect(dispatcher.dispatch(request, at(0, 1))).rejects.toBeInstanceOf(ModelCallError);
    expect(model.calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('times a call out, aborts it, and retries it as a timeout fault', async () => {
    const model = createScriptedModel({ script: [hang, 'ok'] });
    const { clock, dispatcher } = setup({ endpoints: [{ model, timeoutMs: 1000 }], retry: { baseDelayMs: 10, jitter: 0 } });
    const result = await clock.drive(dispatcher.dispatch(request, at(0, 0)));
    expect(result.response.text).toBe('ok');
    expect(model.calls[0]!.signal?.aborted).toBe(true);
    expect(dispatcher.stats.faults).toEqual({ timeout: 1 });
    expect(clock.now()).toBe(1010);
  });

  it('passes a caller\'s abort through as an abort, never as a fault, and does not retry it', async () => {
    const model = createScriptedModel({ script: [hang] });
    const { clock, dispatcher } = setup({ endpoints: [{ model, timeoutMs: 1000 }] });
    const controller = new AbortController();
    const pending = dispatcher.dispatch({ ...request, signal: controller.signal }, at(0, 0));
    await clock.advance(10);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(dispatcher.stats).toMatchObject({ calls: 1, aborted: 1, faultCount: 0, retries: 0 });
  });

  it('stops a backoff wait when the caller aborts', async () => {
    const model = createScriptedModel({ script: [fault('server-error'), 'never'] });
    const { clock, dispatcher } = setup({ model, retry: { baseDelayMs: 10_000 } });
    const controller = new AbortController();
    const pending = dispatcher.dispatch({ ...request, signal: controller.signal }, at(0, 0));
    await clock.advance(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(model.calls).toHaveLength(1);
    expect(dispatcher.stats.aborted).toBe(1);
  });

  it('counts usage a failed call reported', async () => {
    const model = createScriptedModel({ script: [fault('empty-choices', { usage: { promptTokens: 50, completionTokens: 0 } }), 'ok'], pricing: { inputUsdPerMillion: 1e6, outputUsdPerMillion: 0 } });
    const { clock, dispatcher } = setup({ model });
    await clock.drive(dispatcher.dispatch(request, at(0, 0)));
    expect(dispatcher.stats.promptTokens).toBe(60);
    expect(dispatcher.budget().spent.dollars).toBe(60);
  });

  it('hands a response cut at the output cap to the caller (the sampler red-flags it), without retrying', async () => {
    const model = createScriptedModel({ script: [{ text: 'cut', finishReason: 'length' }] });
    const { dispatcher } = setup({ model });
    const result = await dispatcher.dispatch(request, at(0, 0));
    expect(result.response.finishReason).toBe('length');
    expect(dispatcher.stats).toMatchObject({ calls: 1, faultCount: 0 });
  });
});

describe('several endpoints', () => {
  it('fails over: an endpoint that keeps failing is opened and skipped, the other answers', async () => {
    const broken = createScriptedModel({ id: 'broken', script: [fault('server-error')], whenExhausted: 'repeat-last' });
    const healthy = createScriptedModel({ id: 'healthy', script: ['ok'], whenExhausted: 'repeat-last' });
    let draw = 0;
    const { clock, dispatcher } = setup({
      endpoints: [{ model: broken }, { model: healthy }],
      circuitBreaker: { failureThreshold: 2, cooldownMs: 60_000 },
      retry: { baseDelayMs: 1 },
      // Alternate the weighted draw so the broken endpoint is tried whenever it is eligible.
      random: () => (draw++ % 2 === 0 ? 0 : 0.99),
    });
    const results = [];
    for (let sample = 0; sample < 20; sample++) results.push(await clock.drive(dispatcher.dispatch(request, at(0, sample))));
    expect(results.every((result) => result.endpoint === 'healthy')).toBe(true);
    expect(broken.calls).toHaveLength(2);
    expect(dispatcher.stats.circuitOpens).toBe(1);
    expect(dispatcher.id).toBe('broken+healthy');
  });

  it('sends one trial to an open endpoint after its cooldown, and uses it again once the trial succeeds', async () => {
    const model = createScriptedModel({ script: [fault('server-error'), 'trial ok', 'ok'] });
    const { clock, dispatcher } = setup({ model, circuitBreaker: { failureThreshold: 1, cooldownMs: 5000 }, retry: { baseDelayMs: 10, jitter: 0 } });
    const first = await clock.drive(dispatcher.dispatch(request, at(0, 0)));
    expect(first.response.text).toBe('trial ok');
    expect(clock.now()).toBe(5000);
    const second = await dispatcher.dispatch(request, at(0, 1));
    expect(second.response.text).toBe('ok');
  });

  it('deals an ensemble\'s samples across its models in a cycle rotated by step', async () => {
    const a = createScriptedModel({ id: 'sim:a', script: ['a'], whenExhausted: 'repeat-last' });
    const b = createScriptedModel({ id: 'sim:b', script: ['b'], whenExhausted: 'repeat-last' });
    const { dispatcher } = setup({ endpoints: [{ model: a }, { model: b, weight: 2 }], ensemble: true });
    const texts = async (step: number) => (await Promise.all([0, 1, 2, 3, 4, 5].map((sample) => dispatcher.dispatch(request, at(step, sample))))).map((r) => r.response.text).join('');
    expect(await texts(0)).toBe('babbab');
    expect(await texts(1)).toBe('abbabb');
  });

  it('holds calls to an endpoint\'s request rate', async () => {
    const model = createScriptedModel({ script: ['ok'], whenExhausted: 'repeat-last' });
    const { clock, dispatcher } = setup({ endpoints: [{ model, requestsPerMinute: 60 }], concurrency: 100 });
    const times: number[] = [];
    const calls = Array.from({ length: 8 }, (_, sample) => dispatcher.dispatch(request, at(0, sample)).then(() => times.push(clock.now())));
    await clock.drive(Promise.all(calls));
    // A burst of a tenth of a minute's worth (6), then one a second.
    expect(times).toEqual([0, 0, 0, 0, 0, 0, 1000, 2000]);
  });
});

describe('budgets', () => {
  it('refuses the call whose worst case would pass the dollar cap, and stays refused', async () => {
    const model = createScriptedModel({ script: [response({ text: 'ok', usage: { promptTokens: 10, completionTokens: 50 } })], whenExhausted: 'repeat-last', pricing: { inputUsdPerMillion: 1e6, outputUsdPerMillion: 1e6 } });
    // Worst case per call: (10 + 100) tokens at $1 each = $110; actual $60.
    const { dispatcher } = setup({ model, budget: { dollars: 200 } });
    await dispatcher.dispatch(request, at(0, 0));
    await dispatcher.dispatch(request, at(0, 1));
    const error = await dispatcher.dispatch(request, at(0, 2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect(error).toMatchObject({ budget: 'dollars', spent: 120, limit: 200 });
    expect(dispatcher.exhausted).toBe(error);
    expect(model.calls).toHaveLength(2);
    expect(dispatcher.budget().spent.dollars).toBeLessThanOrEqual(200);
  });

  it('counts every attempt, retries included, against the call cap', async () => {
    const model = createScriptedModel({ script: [fault('server-error'), 'ok'], whenExhausted: 'repeat-last' });
    const { clock, dispatcher } = setup({ model, budget: { calls: 2 } });
    await clock.drive(dispatcher.dispatch(request, at(0, 0)));
    await expect(dispatcher.dispatch(request, at(0, 1))).rejects.toMatchObject({ budget: 'calls' });
    expect(model.calls).toHaveLength(2);
  });
});
