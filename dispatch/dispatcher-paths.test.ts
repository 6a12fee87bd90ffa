/**
 * The dispatcher's less travelled paths: the synchronous fast path, calls that wait for an endpoint or a slot,
 * silence and its deadline, what a failed call leaves behind (usage, reservations, listeners, timers), and
 * the prompt's size as budgets see it.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock.ts';
import { BudgetExhaustedError, InputError, ModelCallError, RetriesExhaustedError, TransientModelError, type TransientFault } from '../core/errors.ts';
import type { LanguageModel, ModelRequest, ModelResponse } from '../core/model.ts';
import { createScriptedModel, response } from '../testing/index.ts';
import { createDispatcher, type DispatcherOptions, type FaultEvent } from './dispatcher.ts';

const request: ModelRequest = { messages: [{ role: 'user', content: 'question' }], temperature: 0, maxOutputTokens: 100 };
const at = (step: number, sample: number) => ({ step, sample, promptTokens: 10 });
const fault = (kind: TransientFault, details: ConstructorParameters<typeof TransientModelError>[3] = {}) => new TransientModelError('test', kind, `injected ${kind}`, details);
const abortLike = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

/** Lets every pending continuation run, without moving the clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/** Whether a promise has settled, after letting continuations run. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await settle();
  return settled;
}

function setup(options: Omit<DispatcherOptions, 'clock' | 'sleep'>, clock = manualClock()) {
  return { clock, dispatcher: createDispatcher({ random: () => 0, ...options, clock: clock.now, sleep: clock.sleep }) };
}

/** A model call held open until the test answers it. */
function gate() {
  let open!: (response: ModelResponse) => void;
  const promise = new Promise<ModelResponse>((resolve) => (open = resolve));
  return { entry: () => promise, open: (text: string) => open(response({ text })) };
}

/** A backend that answers at once (`generateNow`), as the simulated model does; `fail` throws for the first calls. */
function immediateModel(fail: Error[] = []): LanguageModel & { calls: number } {
  const model = {
    id: 'now',
    pricing: { inputUsdPerMillion: 0, outputUsdPerMillion: 0 },
    calls: 0,
    generateNow(): ModelResponse {
      model.calls++;
      const error = fail.shift();
      if (error !== undefined) throw error;
      return response({ text: 'now' });
    },
    generate: async () => model.generateNow(),
  };
  return model;
}

describe('options', () => {
  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses giveUpAfterMs %s with an InputError quoting it', (bad) => {
    const model = createScriptedModel({ script: ['ok'] });
    expect(() => createDispatcher({ model, giveUpAfterMs: bad })).toThrow(InputError);
    expect(() => createDispatcher({ model, giveUpAfterMs: bad })).toThrow(`Expected \`giveUpAfterMs\` to be a number >= 0, got \`${bad}\``);
  });

  it('draws jitter from a stream seeded by `seed`, seed 0 by default', async () => {
    const firstDelay = async (seed: number | undefined) => {
      const clock = manualClock();
      const model = createScriptedModel({ script: [fault('server-error'), 'ok'] });
      const dispatcher = createDispatcher({ model, ...(seed === undefined ? {} : { seed }), retry: { baseDelayMs: 10_000, jitter: 1 }, clock: clock.now, sleep: clock.sleep });
      await clock.drive(dispatcher.dispatch(request, at(0, 0)));
      return clock.sleeps[0];
    };
    expect(await firstDelay(undefined)).toBe(await firstDelay(0));
    expect(await firstDelay(1)).not.toBe(await firstDelay(0));
  });
});

describe('silence', () => {
  it('reports how long calls have failed unanswered, and 0 while they are answered', async () => {
    const model = createScriptedModel({ script: [fault('connection'), 'ok'] });
    const { clock, dispatcher } = setup({ model, retry: { baseDelayMs: 500, jitter: 0 } });
    expect(dispatcher.silentForMs()).toBe(0);
    const pending = dispatcher.dispatch(request, at(0, 0));
    await settle();
    await clock.advance(200);
    expect(dispatcher.silentForMs()).toBe(200);
    await clock.drive(pending);
    expect(dispatcher.silentForMs()).toBe(0);
  });

  it('never gives up for silence with giveUpAfterMs 0: only the retries bound a call', async () => {
    const model = createScriptedModel({ script: [fault('connection'), fault('connection'), fault('connection'), 'ok'] });
    const { clock, dispatcher } = setup({ model, giveUpAfterMs: 0, retry: { retries: 3, baseDelayMs: 60_000, maxDelayMs: 60_000, factor: 1, jitter: 0 } });
    expect((await clock.drive(dispatcher.dispatch(request, at(0, 0)))).response.text).toBe('ok');
    expect(clock.now()).toBe(180_000);
  });

  it('fails a call that starts after the deadline at once, with the last fault seen, without calling the model', async () => {
    const model = createScriptedModel({ script: [fault('connection')], whenExhausted: 'repeat-last' });
    // A timeout keeps every call on the full path.
    const { clock, dispatcher } = setup({ endpoints: [{ model, timeoutMs: 10_000 }], giveUpAfterMs: 1000, retry: { retries: 100, baseDelayMs: 300, factor: 1, jitter: 0 } });
    const first = (await clock.drive(dispatcher.dispatch(request, at(0, 0))).catch((e: unknown) => e)) as RetriesExhaustedError;
    expect(first).toBeInstanceOf(RetriesExhaustedError);
    expect(first.errors).toHaveLength(4);
    const calls = model.calls.length;
    const later = (await dispatcher.dispatch(request, at(1, 0)).catch((e: unknown) => e)) as RetriesExhaustedError;
    expect(later).toBeInstanceOf(RetriesExhaustedError);
    expect(later.errors).toEqual([first.lastError]);
    expect(later.silentForMs).toBe(1000);
    expect(model.calls).toHaveLength(calls);
  });

  it('gives up without a retry when a failure lands exactly on the deadline', async () => {
    const clock = manualClock();
    const slowFailure = async () => {
      await clock.sleep(700);
      throw fault('connection');
    };
    const model = createScriptedModel({ script: [fault('connection'), slowFailure, 'never'] });
    const events: FaultEvent[] = [];
    const { dispatcher } = setup({ model, giveUpAfterMs: 1000, retry: { baseDelayMs: 300, factor: 1, jitter: 0 }, onFault: (event) => events.push(event) }, clock);
    await expect(clock.drive(dispatcher.dispatch(request, at(0, 0)))).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(clock.now()).toBe(1000);
    expect(events.map((event) => event.retryInMs)).toEqual([300, undefined]);
    expect(dispatcher.stats.retries).toBe(1);
    expect(model.calls).toHaveLength(2);
  });
});

describe('the synchronous fast path', () => {
  it('answers at once and counts the call', () => {
    const model = immediateModel();
    const { dispatcher } = setup({ model });
    const answer = dispatcher.dispatchNow!(request, at(0, 0));
    expect(answer).toMatchObject({ response: { text: 'now' }, endpoint: 'now' });
    expect(dispatcher.stats.calls).toBe(1);
    expect(dispatcher.endpoints[0]!.stats.calls).toBe(1);
    expect(dispatcher.budget().spent.calls).toBe(1);
  });

  it('declines once a call was rejected for good, so the refusal comes from the full path', async () => {
    const model = immediateModel([new ModelCallError('api.example/v1', 401, 'bad key')]);
    const { dispatcher } = setup({ model });
    await expect(dispatcher.dispatchNow!(request, at(0, 0))).rejects.toBeInstanceOf(ModelCallError);
    expect(dispatcher.dispatchNow!(request, at(0, 1))).toBeUndefined();
    await expect(dispatcher.dispatch(request, at(0, 1))).rejects.toBeInstanceOf(ModelCallError);
    expect(model.calls).toBe(1);
  });

  it('declines with several endpoints', () => {
    const { dispatcher } = setup({ endpoints: [{ model: immediateModel(), name: 'a' }, { model: immediateModel(), name: 'b' }] });
    expect(dispatcher.dispatchNow!(request, at(0, 0))).toBeUndefined();
  });

  it('continues a failed call on the full path (retries, breaker), then declines while the circuit is open', async () => {
    const model = immediateModel([fault('server-error')]);
    const { clock, dispatcher } = setup({ model, circuitBreaker: { failureThreshold: 1, cooldownMs: 5000 }, retry: { baseDelayMs: 10, jitter: 0 } });
    const answer = dispatcher.dispatchNow!(request, at(0, 0));
    expect(answer).toBeInstanceOf(Promise);
    expect(dispatcher.dispatchNow!(request, at(0, 1))).toBeUndefined();
    expect((await clock.drive(answer as Promise<unknown>)) as unknown).toMatchObject({ response: { text: 'now' } });
    expect(dispatcher.stats).toMatchObject({ calls: 2, retries: 1, faults: { 'server-error': 1 }, circuitOpens: 1 });
  });

  it('never overtakes a call in flight when the concurrency is used up, and answers beside it when it is not', async () => {
    const held = gate();
    const model = immediateModel();
    const slow: LanguageModel = { ...model, generate: held.entry };
    const one = setup({ model: slow, concurrency: 1 }).dispatcher;
    const inFlight = one.dispatch(request, at(0, 0));
    await settle();
    expect(one.dispatchNow!(request, at(0, 1))).toBeUndefined();
    const two = setup({ model: slow, concurrency: 2 }).dispatcher;
    const beside = two.dispatch(request, at(0, 0));
    await settle();
    expect(two.dispatchNow!(request, at(0, 1))).toMatchObject({ response: { text: 'now' } });
    held.open('late');
    await Promise.all([inFlight, beside]);
  });
});

describe('the full path', () => {
  it('refuses a call whose caller already gave up, without sending it', async () => {
    const model = createScriptedModel({ script: ['never'] });
    const { dispatcher } = setup({ endpoints: [{ model, timeoutMs: 1000 }] });
    const controller = new AbortController();
    controller.abort();
    await expect(dispatcher.dispatch({ ...request, signal: controller.signal }, at(0, 0))).rejects.toMatchObject({ name: 'AbortError' });
    expect(dispatcher.stats).toMatchObject({ calls: 0, aborted: 1 });
    expect(model.calls).toHaveLength(0);
  });

  it('counts every call in the budget report with no cap set', async () => {
    const model = createScriptedModel({ script: ['ok'], whenExhausted: 'repeat-last' });
    const { dispatcher } = setup({ endpoints: [{ model, timeoutMs: 1000 }] });
    await dispatcher.dispatch(request, at(0, 0));
    await dispatcher.dispatch(request, at(0, 1));
    expect(dispatcher.budget().spent.calls).toBe(2);
  });

  it.each([
    ['the fast path', (model: LanguageModel) => ({ model })],
    ['a timed endpoint', (model: LanguageModel) => ({ endpoints: [{ model, timeoutMs: 1000 }] })],
  ])('never sends a call whose caller gave up while it waited for a slot (%s)', async (_, options) => {
    const held = gate();
    const model = createScriptedModel({ script: [held.entry, 'second'] });
    const { dispatcher } = setup({ ...options(model), concurrency: 1 });
    const first = dispatcher.dispatch(request, at(0, 0));
    const controller = new AbortController();
    const second = dispatcher.dispatch({ ...request, signal: controller.signal }, at(0, 1));
    await settle();
    controller.abort();
    held.open('first');
    await expect(first).resolves.toMatchObject({ response: { text: 'first' } });
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    expect(model.calls).toHaveLength(1);
    expect(dispatcher.stats.aborted).toBe(1);
  });

  it('fails a call at once when the sleep before its retry fails for another reason than an abort', async () => {
    const model = createScriptedModel({ script: [fault('server-error'), 'ok'] });
    const broken = new Error('timer broke');
    const dispatcher = createDispatcher({ model, sleep: () => Promise.reject(broken) });
    await expect(dispatcher.dispatch(request, at(0, 0))).rejects.toBe(broken);
    expect(dispatcher.stats.aborted).toBe(0);
    expect(model.calls).toHaveLength(1);
  });

  it("passes on a backend's own AbortError (no caller abort) as it is, not as the caller's abort", async () => {
    const own = abortLike();
    const model = createScriptedModel({ script: [own, 'ok'] });
    const { dispatcher } = setup({ model });
    await expect(dispatcher.dispatch(request, at(0, 0))).rejects.toBe(own);
    expect(dispatcher.stats.aborted).toBe(0);
  });

  it('fails only the call that met an unexpected error, and lets later calls through', async () => {
    const bug = new TypeError('a bug in the backend');
    const model = createScriptedModel({ script: [bug, 'ok'] });
    const { dispatcher } = setup({ model });
    await expect(dispatcher.dispatch(request, at(0, 0))).rejects.toBe(bug);
    await expect(dispatcher.dispatch(request, at(0, 1))).resolves.toMatchObject({ response: { text: 'ok' } });
  });

  it('counts the times a circuit opened, for the dispatcher and for the endpoint', async () => {
    const model = createScriptedModel({ script: [fault('server-error'), fault('server-error'), 'ok'] });
    const { clock, dispatcher } = setup({ model, circuitBreaker: { failureThreshold: 2, cooldownMs: 100 }, retry: { baseDelayMs: 10, jitter: 0 } });
    await clock.drive(dispatcher.dispatch(request, at(0, 0)));
    expect(dispatcher.stats.circuitOpens).toBe(1);
    expect(dispatcher.endpoints[0]!.stats.circuitOpens).toBe(1);
  });
});

describe('a failed call', () => {
  it("adds the usage it reported to the stats and the budget's spend, at the endpoint's prices", async () => {
    const model = createScriptedModel({
      script: [fault('empty-choices', { usage: { promptTokens: 50, completionTokens: 7 } }), 'ok'],
      pricing: { inputUsdPerMillion: 1e6, outputUsdPerMillion: 2e6 },
    });
    const { clock, dispatcher } = setup({ model });
    await clock.drive(dispatcher.dispatch(request, at(0, 0)));
    // The failure: 50 + 7 tokens, $50 + $14; the answer: 10 + 10 tokens, $10 + $20.
    expect(dispatcher.stats).toMatchObject({ promptTokens: 60, completionTokens: 17, costUsd: 94 });
    expect(dispatcher.budget().spent).toMatchObject({ tokens: 77, dollars: 94 });
  });

  it('releases its reservation, so the retry fits under the cap', async () => {
    const model = createScriptedModel({ script: [fault('empty-choices', { usage: { promptTokens: 50, completionTokens: 7 } }), 'ok'] });
    // Worst case per attempt: 10 + 100 tokens. Spent 57 after the failure; 57 + 110 fits in 250, 57 + 220 would not.
    const { clock, dispatcher } = setup({ model, budget: { tokens: 250 } });
    await expect(clock.drive(dispatcher.dispatch(request, at(0, 0)))).resolves.toMatchObject({ response: { text: 'ok' } });
  });

  it('turns a timeout into a fault naming the limit, with the aborted call as its cause', async () => {
    const hang = (call: ModelRequest) => new Promise<ModelResponse>((_, reject) => call.signal?.addEventListener('abort', () => reject(abortLike())));
    const model = createScriptedModel({ script: [hang] });
    const { clock, dispatcher } = setup({ endpoints: [{ model, timeoutMs: 1000 }], retry: { retries: 0 } });
    const error = (await clock.drive(dispatcher.dispatch(request, at(0, 0))).catch((e: unknown) => e)) as RetriesExhaustedError;
    expect(error.lastError).toMatchObject({ fault: 'timeout' });
    expect(error.lastError.message).toContain('no response within 1000 ms');
    expect((error.lastError.cause as Error).name).toBe('AbortError');
  });

  it('never calls an error a timeout when the timer had not run out', async () => {
    const model = createScriptedModel({ script: [new ModelCallError('api.example/v1', 400, 'bad request')] });
    const { dispatcher } = setup({ endpoints: [{ model, timeoutMs: 1000 }] });
    await expect(dispatcher.dispatch(request, at(0, 0))).rejects.toBeInstanceOf(ModelCallError);
    expect(dispatcher.stats.faultCount).toBe(0);
  });
});

describe('what a call leaves behind', () => {
  it("removes its listener from the caller's signal, whether the timed call answered or failed", async () => {
    const model = createScriptedModel({ script: ['ok', new ModelCallError('api.example/v1', 400, 'no')] });
    const { dispatcher } = setup({ endpoints: [{ model, timeoutMs: 1000 }] });
    const controller = new AbortController();
    await dispatcher.dispatch({ ...request, signal: controller.signal }, at(0, 0));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await dispatcher.dispatch({ ...request, signal: controller.signal }, at(0, 1)).catch(() => undefined);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('waiting for an endpoint', () => {
  /** A call whose first attempt fails and opens the circuit, then whose trial is held open: a second call must wait. */
  async function trialInFlight(giveUpAfterMs?: number) {
    const trial = gate();
    const model = createScriptedModel({ script: [fault('server-error'), trial.entry, 'second'] });
    const { clock, dispatcher } = setup({ model, circuitBreaker: { failureThreshold: 1, cooldownMs: 100 }, retry: { baseDelayMs: 100, jitter: 0 }, ...(giveUpAfterMs === undefined ? {} : { giveUpAfterMs }) });
    const first = dispatcher.dispatch(request, at(0, 0));
    await settle();
    await clock.advance(100);
    expect(model.calls).toHaveLength(2);
    const controller = new AbortController();
    const second = dispatcher.dispatch({ ...request, signal: controller.signal }, at(0, 1));
    await settle();
    return { clock, dispatcher, model, trial, first, second, controller };
  }

  it('sends nothing while the trial is out, and wakes the moment it succeeds, without a timer', async () => {
    const { clock, model, trial, first, second, controller } = await trialInFlight();
    expect(model.calls).toHaveLength(2);
    const now = clock.now();
    trial.open('trial ok');
    await expect(first).resolves.toMatchObject({ response: { text: 'trial ok' } });
    expect(await isSettled(second)).toBe(true);
    await expect(second).resolves.toMatchObject({ response: { text: 'second' } });
    expect(clock.now()).toBe(now);
    // Its wait is cancelled and its listener gone.
    expect(await clock.next()).toBe(false);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('never sleeps for 0 or for ever: with no deadline it waits on the breaker alone', async () => {
    const { clock, trial, first, second } = await trialInFlight(0);
    trial.open('trial ok');
    await Promise.all([first, second]);
    expect(clock.sleeps.every((ms) => ms > 0 && Number.isFinite(ms))).toBe(true);
  });

  it.each([undefined, 0])("stops waiting the moment its caller aborts, counts it, and leaves no listener or timer (giveUpAfterMs %s)", async (giveUpAfterMs) => {
    const { clock, dispatcher, trial, first, second, controller } = await trialInFlight(giveUpAfterMs);
    controller.abort();
    expect(await isSettled(second)).toBe(true);
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    expect(dispatcher.stats.aborted).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    trial.open('trial ok');
    await first;
    expect(await clock.next()).toBe(false);
  });

  it('gives up at the deadline while a trial is held open, rather than waiting on the trial for ever', async () => {
    const { clock, first, second, controller } = await trialInFlight(1000);
    // The first call's failure at 0 started the silence; the trial holds the only endpoint past the deadline.
    await clock.advance(900);
    expect(await isSettled(second)).toBe(true);
    await expect(second).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(clock.now()).toBe(1000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    void first.catch(() => undefined);
  });

  it('gives up, and never hangs, when the deadline passes between its check and its wait for an endpoint', async () => {
    // Every read of this clock moves it 1 ms on, as a busy machine does between two reads: for some deadline the
    // silence is short of it when the call checks, and past it by the time the call computes how long to wait.
    for (let giveUpAfterMs = 1; giveUpAfterMs <= 40; giveUpAfterMs++) {
      const base = manualClock();
      let drift = 0;
      const clock = { ...base, now: () => base.now() + drift++ };
      const model = createScriptedModel({ script: [fault('connection')], whenExhausted: 'repeat-last' });
      const { dispatcher } = setup({ model, giveUpAfterMs, circuitBreaker: { failureThreshold: 1, cooldownMs: 60_000 }, retry: { retries: 1000, baseDelayMs: 1, factor: 1, jitter: 0 } }, clock);
      const call = dispatcher.dispatch(request, at(0, 0));
      for (let i = 0; i < 100 && !(await isSettled(call)); i++) await base.next();
      expect({ giveUpAfterMs, settled: await isSettled(call) }).toEqual({ giveUpAfterMs, settled: true });
      await expect(call).rejects.toBeInstanceOf(RetriesExhaustedError);
    }
  });

  it('refuses a call past a caller-given prompt size that the budget cannot hold', async () => {
    const model = createScriptedModel({ script: ['ok'] });
    const { dispatcher } = setup({ model, budget: { tokens: 100 } });
    const small = { ...request, maxOutputTokens: 10 };
    // 95 prompt tokens (the caller's count, far above this prompt's real size) + 10 output > 100.
    await expect(dispatcher.dispatch(small, { step: 0, sample: 0, promptTokens: 95 })).rejects.toBeInstanceOf(BudgetExhaustedError);
    expect(model.calls).toHaveLength(0);
  });
});

describe('the prompt size budgets see', () => {
  it('uses the caller-given count, and counts the prompt when none is given', async () => {
    const model = createScriptedModel({ script: ['ok'], whenExhausted: 'repeat-last' });
    const cap = () => setup({ model, budget: { tokens: 100 } }).dispatcher;
    const small = { ...request, maxOutputTokens: 10 };
    await expect(cap().dispatch(small, { step: 0, sample: 0, promptTokens: 80 })).resolves.toBeDefined();
    const long = { ...small, messages: [{ role: 'user' as const, content: 'word '.repeat(200) }] };
    await expect(cap().dispatch(long, { step: 0, sample: 0 })).rejects.toMatchObject({ budget: 'tokens' });
    // One dispatcher, a short prompt then a long one: the count follows the messages, never the last count.
    const one = cap();
    await expect(one.dispatch(small, { step: 0, sample: 0 })).resolves.toBeDefined();
    await expect(one.dispatch(long, { step: 1, sample: 0 })).rejects.toMatchObject({ budget: 'tokens' });
  });
});
