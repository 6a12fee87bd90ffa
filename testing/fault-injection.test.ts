import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHanoiTask, hanoiSim } from '../tasks/hanoi/index.ts';
import { startChatServer, type RunningChatServer } from './chat-server.ts';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { TransientModelError } from '../core/errors.ts';
import { CLIENT_FAULT, createFaultInjector, INJECTABLE_FAULTS, parseFaultKinds, type InjectableFault } from './fault-injection.ts';
import { createOpenAIModel } from '../models/openai-model.ts';
import { createSimModel } from '../models/sim-model.ts';

const task = createHanoiTask({ disks: 4 });
const messages = task.prompt(task.initialState(), 0);
const request = { messages, temperature: 0.1, maxOutputTokens: 750, seed: 1 };
let server: RunningChatServer;
/** The injector behind the server; each test scripts its own. */
let injector = createFaultInjector();
const inject = (...script: InjectableFault[]) => (injector = createFaultInjector({ script, retryAfterMs: 7, hangMs: 5000 }));

beforeAll(async () => {
  server = await startChatServer({
    model: createSimModel({ behaviour: hanoiSim, seed: 1 }),
    intercept: (req, res, body) => injector.intercept(req, res, body),
  });
});
afterAll(() => server.close());

const model = () => createOpenAIModel({ model: 'gpt-4.1-mini', baseURL: server.url, apiKey: 'sk-test-key-0000' });
const transportFaults = INJECTABLE_FAULTS.filter((kind): kind is Exclude<InjectableFault, 'length'> => kind !== 'length');

describe('each injected fault, over HTTP', () => {
  it.each(transportFaults.filter((kind) => kind !== 'hang'))('%s reaches the backend as its fault kind, with no key in the message', async (kind) => {
    inject(kind);
    const error = await model().generate(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientModelError);
    expect((error as TransientModelError).fault).toBe(CLIENT_FAULT[kind]);
    expect((error as Error).message).not.toContain('sk-test-key');
  });

  it.each(transportFaults)('%s is retried by the dispatcher, counted once, and the retry answers', async (kind) => {
    inject(kind);
    const dispatcher = createDispatcher({ endpoints: [{ model: model(), timeoutMs: 300 }], retry: { baseDelayMs: 1 } });
    const result = await dispatcher.dispatch(request, { step: 0, sample: 0 });
    expect(result.response.finishReason).toBe('stop');
    expect(dispatcher.stats.faults).toEqual({ [CLIENT_FAULT[kind]]: 1 });
    expect(dispatcher.stats).toMatchObject({ calls: 2, retries: 1 });
    expect(injector.stats.injected[kind]).toBe(1);
  });

  it('a 429 carries the wait it asks for', async () => {
    inject('rate-limit');
    const error = await model().generate(request).catch((e: unknown) => e);
    expect(error).toMatchObject({ fault: 'rate-limit', status: 429, retryAfterMs: 7 });
  });

  it('an empty completion still reports the prompt tokens it billed', async () => {
    inject('empty-choices');
    const error = await model().generate(request).catch((e: unknown) => e);
    expect((error as TransientModelError).usage?.promptTokens).toBeGreaterThan(0);
  });

  it('length comes back as a response cut at the cap, for the sampler to red-flag', async () => {
    inject('length');
    const response = await model().generate({ ...request, maxOutputTokens: 42 });
    expect(response).toMatchObject({ finishReason: 'length', usage: { completionTokens: 42 } });
  });
});

describe('the fault injector', () => {
  it('injects at its rate from its seed, counting by kind', () => {
    const counts = (seed: number) => {
      const injector = createFaultInjector({ rate: 0.3, seed, kinds: { 'rate-limit': 1, 'server-error': 3 } });
      const res = { writeHead: () => res, end: () => undefined, on: () => undefined } as never;
      for (let i = 0; i < 2000; i++) injector.intercept({ socket: { destroy: () => undefined } } as never, res, { messages: [] });
      return injector.stats;
    };
    const stats = counts(5);
    expect(stats.requests).toBe(2000);
    expect(stats.total).toBeGreaterThan(500);
    expect(stats.total).toBeLessThan(700);
    expect(stats.injected['server-error']).toBeGreaterThan(2 * stats.injected['rate-limit']);
    expect(stats.injected.hang).toBe(0);
    expect(counts(5)).toEqual(stats);
  });

  it('parses kinds with weights and rejects unknown ones, quoting them', () => {
    expect(parseFaultKinds('hang=0.5,drop')).toEqual({ hang: 0.5, drop: 1 });
    expect(() => parseFaultKinds('hang,boom')).toThrow(/got `hang,boom`/);
    expect(() => createFaultInjector({ rate: 2 })).toThrow('Expected the fault rate to be a probability in [0, 1], got `2`');
  });
});
