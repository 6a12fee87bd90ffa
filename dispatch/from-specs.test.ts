import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError, RetriesExhaustedError } from '../core/errors.ts';
import type { ModelRequest } from '../core/model.ts';
import { findProfile } from '../models/profiles.ts';
import { createSimModel } from '../models/sim-model.ts';
import { hanoiSim } from '../tasks/hanoi/sim.ts';
import { createHanoiTask } from '../tasks/hanoi/task.ts';
import { startChatServer, type ChatCompletionBody, type RunningChatServer } from '../testing/chat-server.ts';
import type { FaultEvent } from './dispatcher.ts';
import { clientGivesUpAfterMs as givesUpAfterMs } from '../testing/stalled-fetch.ts';
import { createDispatcherFromSpecs } from './from-specs.ts';

const task = createHanoiTask({ disks: 3 });
const prompt = (): ModelRequest => ({ messages: task.prompt(task.initialState(), 0), temperature: 0.5, maxOutputTokens: 750 });

/** Rejects if `promise` has not settled within `ms`, so a lost option fails a test quickly instead of hanging it. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

describe('createDispatcherFromSpecs', () => {
  it('builds the default simulated model when given no spec, with no timeout in process', () => {
    const dispatcher = createDispatcherFromSpecs({ behaviour: hanoiSim });
    expect(dispatcher.id).toBe('sim:gpt-4.1-mini');
    expect(dispatcher.endpoints).toHaveLength(1);
    expect(dispatcher.endpoints[0]).toMatchObject({ timeoutMs: 0, requests: undefined });
  });

  it('gives openai: endpoints the HTTP timeout and the rate limits unless told otherwise', () => {
    const options = { behaviour: hanoiSim, model: 'openai:gpt-4.1-mini', baseURL: 'http://127.0.0.1:1/v1', apiKey: 'test' };
    const http = createDispatcherFromSpecs({ ...options, rateLimit: { requestsPerMinute: 60 } });
    expect(http.endpoints[0]).toMatchObject({ timeoutMs: 120_000 });
    expect(http.endpoints[0]!.requests?.perMinute).toBe(60);
    expect(createDispatcherFromSpecs({ ...options, timeoutMs: 0 }).endpoints[0]).toMatchObject({ timeoutMs: 0 });
  });

  it('deals an ensemble across its members by weight', () => {
    const dispatcher = createDispatcherFromSpecs({ behaviour: hanoiSim, ensemble: [{ spec: 'sim:gpt-4.1-mini', weight: 2 }, { spec: 'sim:gpt-4.1-nano' }] });
    expect(dispatcher.endpoints.map((endpoint) => [endpoint.name, endpoint.weight])).toEqual([
      ['sim:gpt-4.1-mini', 2],
      ['sim:gpt-4.1-nano', 1],
    ]);
  });

  it("deals an ensemble's samples to its members in turn, not at random", async () => {
    const dispatcher = createDispatcherFromSpecs({ behaviour: hanoiSim, ensemble: [{ spec: 'sim:gpt-4.1-mini' }, { spec: 'sim:gpt-4.1-nano' }] });
    const answered: string[] = [];
    for (let sample = 0; sample < 8; sample++) answered.push((await dispatcher.dispatch({ ...prompt(), seed: sample }, { step: 0, sample })).endpoint);
    const [first, second] = answered;
    expect(first).not.toBe(second);
    expect(answered).toEqual([first, second, first, second, first, second, first, second]);
  });

  it("builds an endpoints file's pool, keys from the environment by name", () => {
    const config = JSON.stringify({ endpoints: [{ model: 'openai:gpt-4.1-mini', baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: 'MY_KEY', timeoutMs: 5000 }, { model: 'sim:gpt-4.1-mini' }] });
    const dispatcher = createDispatcherFromSpecs({ behaviour: hanoiSim, endpointsConfig: config, env: { MY_KEY: 'k' } });
    expect(dispatcher.endpoints.map((endpoint) => endpoint.timeoutMs)).toEqual([5000, 0]);
  });

  it("gives an endpoints file's endpoints the rate limits they do not set themselves", () => {
    const config = JSON.stringify({
      endpoints: [
        { name: 'own', model: 'sim:gpt-4.1-mini', requestsPerMinute: 500, tokensPerMinute: 90_000 },
        { name: 'defaults', model: 'sim:gpt-4.1-mini' },
      ],
    });
    const limited = createDispatcherFromSpecs({ behaviour: hanoiSim, endpointsConfig: config, rateLimit: { requestsPerMinute: 60, tokensPerMinute: 1000 } });
    expect(limited.endpoints.map((endpoint) => [endpoint.name, endpoint.requests?.perMinute, endpoint.tokens?.perMinute])).toEqual([
      ['own', 500, 90_000],
      ['defaults', 60, 1000],
    ]);
    const tokensOnly = createDispatcherFromSpecs({ behaviour: hanoiSim, model: 'sim:gpt-4.1-mini', rateLimit: { tokensPerMinute: 1000 } });
    expect([tokensOnly.endpoints[0]!.requests?.perMinute, tokensOnly.endpoints[0]!.tokens?.perMinute]).toEqual([undefined, 1000]);
    const unlimited = createDispatcherFromSpecs({ behaviour: hanoiSim, endpointsConfig: config });
    expect(unlimited.endpoints.map((endpoint) => [endpoint.requests?.perMinute, endpoint.tokens?.perMinute])).toEqual([
      [500, 90_000],
      [undefined, undefined],
    ]);
  });

  it('answers a call through the built model', async () => {
    const dispatcher = createDispatcherFromSpecs({ behaviour: hanoiSim, seed: 1 });
    const { response } = await dispatcher.dispatch({ messages: task.prompt(task.initialState(), 0), temperature: 0, maxOutputTokens: 750 }, { step: 0, sample: 0 });
    expect(task.parse(response.text)).toMatchObject({ ok: true });
  });

  it('seeds the simulated models with the seed, 0 by default', async () => {
    const answers = async (generate: (request: ModelRequest) => Promise<{ text: string }>) => {
      const texts: string[] = [];
      for (let seed = 0; seed < 12; seed++) texts.push((await generate({ ...prompt(), temperature: 1, seed })).text);
      return texts;
    };
    const twin = (seed: number) => createSimModel({ profile: 'gpt-4.1-nano', behaviour: hanoiSim, seed });
    const [seven, zero] = [await answers((r) => twin(7).generate(r)), await answers((r) => twin(0).generate(r))];
    expect(seven).not.toEqual(zero);
    const seeded = createDispatcherFromSpecs({ behaviour: hanoiSim, model: 'sim:gpt-4.1-nano', seed: 7 });
    expect(await answers((r) => seeded.endpoints[0]!.model.generate(r))).toEqual(seven);
    const unseeded = createDispatcherFromSpecs({ behaviour: hanoiSim, model: 'sim:gpt-4.1-nano' });
    expect(await answers((r) => unseeded.endpoints[0]!.model.generate(r))).toEqual(zero);
  });

  it('seeds the choice among endpoints with the seed', async () => {
    const config = JSON.stringify({ endpoints: [{ name: 'a', model: 'sim:gpt-4.1-mini' }, { name: 'b', model: 'sim:gpt-4.1-mini' }] });
    const choices = async (seed: number) => {
      const dispatcher = createDispatcherFromSpecs({ behaviour: hanoiSim, endpointsConfig: config, seed });
      const names: string[] = [];
      for (let sample = 0; sample < 24; sample++) names.push((await dispatcher.dispatch({ ...prompt(), seed: sample }, { step: 0, sample })).endpoint);
      return names.join('');
    };
    const seven = await choices(7);
    expect(seven).toMatch(/a/);
    expect(seven).toMatch(/b/);
    expect(await choices(7)).toBe(seven);
    expect(await choices(8)).not.toBe(seven);
  });

  it('hands the budget and the spend of earlier sessions to the dispatcher', () => {
    const dispatcher = createDispatcherFromSpecs({ behaviour: hanoiSim, budget: { calls: 5, dollars: 2 }, alreadySpent: { calls: 3, dollars: 0.5 } });
    expect(dispatcher.budget().limits).toEqual({ calls: 5, dollars: 2 });
    expect(dispatcher.budget().spent).toMatchObject({ calls: 3, dollars: 0.5, tokens: 0 });
    expect(createDispatcherFromSpecs({ behaviour: hanoiSim }).budget().limits).toEqual({});
  });

  it('prices openai: models by `prices`, else by their profile, else at nothing', () => {
    const pricing = { inputUsdPerMillion: 0.25, outputUsdPerMillion: 2 };
    const profile = findProfile('gpt-4.1-mini')!;
    const base = { behaviour: hanoiSim, baseURL: 'http://127.0.0.1:1/v1', apiKey: 'test', prices: { 'openai:my-model': pricing } };
    expect(createDispatcherFromSpecs({ ...base, model: 'openai:my-model' }).endpoints[0]!.model.pricing).toEqual(pricing);
    const ensemble = createDispatcherFromSpecs({ ...base, ensemble: [{ spec: 'openai:my-model' }, { spec: 'openai:gpt-4.1-mini' }, { spec: 'openai:other' }] });
    expect(ensemble.endpoints.map((endpoint) => endpoint.model.pricing)).toEqual([
      pricing,
      { inputUsdPerMillion: profile.inputUsdPerMillion, outputUsdPerMillion: profile.outputUsdPerMillion },
      { inputUsdPerMillion: 0, outputUsdPerMillion: 0 },
    ]);
  });

  it('refuses an endpoints file with unpriced endpoints when prices are required, naming them', () => {
    const config = JSON.stringify({
      endpoints: [
        { name: 'a', model: 'openai:my-model', baseURL: 'http://127.0.0.1:1/v1' },
        { name: 'priced', model: 'openai:my-model', baseURL: 'http://127.0.0.1:1/v1', pricing: { inputUsdPerMillion: 1, outputUsdPerMillion: 1 } },
        { name: 'b', model: 'openai:other', baseURL: 'http://127.0.0.1:1/v1' },
      ],
    });
    let thrown: unknown;
    try {
      createDispatcherFromSpecs({ behaviour: hanoiSim, endpointsConfig: config, requirePrices: true });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as Error).message).toBe('--budget-usd needs a price for a, b, which has none known: give it `pricing` in the endpoints file');
    // Not required, or every endpoint priced: accepted.
    expect(createDispatcherFromSpecs({ behaviour: hanoiSim, endpointsConfig: config }).endpoints).toHaveLength(3);
    expect(createDispatcherFromSpecs({ behaviour: hanoiSim, endpointsConfig: config, requirePrices: false }).endpoints).toHaveLength(3);
    const priced = JSON.stringify({ endpoints: [{ model: 'openai:gpt-4.1-mini', baseURL: 'http://127.0.0.1:1/v1' }, { model: 'sim:gpt-4.1-mini' }] });
    expect(createDispatcherFromSpecs({ behaviour: hanoiSim, endpointsConfig: priced, requirePrices: true }).endpoints).toHaveLength(2);
  });

  it('rejects an ensemble and an endpoints file together, and unknown specs, as input errors', () => {
    expect(() => createDispatcherFromSpecs({ behaviour: hanoiSim, ensemble: [{ spec: 'sim:gpt-4.1-mini' }], endpointsConfig: '{"endpoints":[]}' })).toThrow(
      /at most one of `ensemble` and `endpointsConfig`, got both/,
    );
    expect(() => createDispatcherFromSpecs({ behaviour: hanoiSim, model: 'gpt-4' })).toThrow(InputError);
  });
});

describe('createDispatcherFromSpecs over HTTP', () => {
  interface Received {
    readonly authorization: string | undefined;
    readonly body: ChatCompletionBody;
  }
  let server: RunningChatServer;
  const received: Received[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  /**
   * The model name picks the server's answer: `fail` a 503, `slow` an answer once three calls are in flight (or
   * after a second), anything else at once.
   */
  async function intercept(req: IncomingMessage, res: ServerResponse, body: ChatCompletionBody): Promise<boolean> {
    received.push({ authorization: req.headers.authorization, body });
    if (body.model === 'fail') {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } }));
      return true;
    }
    if (body.model === 'slow') {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      if (mostInFlight >= 3) release();
      await Promise.race([released, new Promise((resolve) => setTimeout(resolve, 1000))]);
      inFlight--;
    }
    return false;
  }
  beforeAll(async () => {
    server = await startChatServer({ model: createSimModel({ profile: 'gpt-4.1-mini', behaviour: hanoiSim, seed: 3 }), intercept });
  });
  afterAll(() => server.close());
  afterEach(() => {
    received.length = 0;
    mostInFlight = 0;
  });

  const request = { messages: [{ role: 'user' as const, content: 'hi' }], temperature: 0.3, maxOutputTokens: 40 };
  const at = (model: string) => ({ model: `openai:${model}`, baseURL: server.url, apiKey: 'flag-key' });

  it('sends openai: requests to the base URL with the API key given, with temperature and max_tokens by default', async () => {
    await createDispatcherFromSpecs(at('m')).dispatch(request, { step: 0, sample: 0 });
    expect(received).toHaveLength(1);
    expect(received[0]!.authorization).toBe('Bearer flag-key');
    expect(received[0]!.body).toMatchObject({ model: 'm', temperature: 0.3, max_tokens: 40 });
    expect(received[0]!.body.max_completion_tokens).toBeUndefined();
  });

  it('leaves temperature out and sends max_completion_tokens when told, each on its own', async () => {
    await createDispatcherFromSpecs({ ...at('m'), omitTemperature: true }).dispatch(request, { step: 0, sample: 0 });
    await createDispatcherFromSpecs({ ...at('m'), useMaxCompletionTokens: true }).dispatch(request, { step: 0, sample: 0 });
    await createDispatcherFromSpecs({ ...at('m'), omitTemperature: false, useMaxCompletionTokens: false }).dispatch(request, { step: 0, sample: 0 });
    const [omitted, completion, neither] = received.map(({ body }) => body);
    expect(omitted).toMatchObject({ max_tokens: 40 });
    expect(omitted!.temperature).toBeUndefined();
    expect(completion).toMatchObject({ temperature: 0.3, max_completion_tokens: 40 });
    expect(completion!.max_tokens).toBeUndefined();
    expect(neither).toMatchObject({ temperature: 0.3, max_tokens: 40 });
    expect(neither!.max_completion_tokens).toBeUndefined();
  });

  it('keeps as many calls in flight as `concurrency` allows', async () => {
    const dispatcher = createDispatcherFromSpecs({ ...at('slow'), concurrency: 3 });
    await Promise.all([0, 1, 2].map((sample) => dispatcher.dispatch(request, { step: 0, sample })));
    expect(mostInFlight).toBe(3);
  });

  it('retries by the retry policy given and reports each fault', async () => {
    const faults: FaultEvent[] = [];
    const dispatcher = createDispatcherFromSpecs({ ...at('fail'), retry: { retries: 1, baseDelayMs: 0 }, onFault: (event) => faults.push(event) });
    const error = await within(5000, dispatcher.dispatch(request, { step: 0, sample: 0 }).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(received).toHaveLength(2);
    expect(faults.map((event) => [event.kind, event.endpoint])).toEqual([
      ['server-error', 'openai:fail'],
      ['server-error', 'openai:fail'],
    ]);
  });

  it('gives up once nothing has been answered for giveUpAfterMs', async () => {
    const dispatcher = createDispatcherFromSpecs({ ...at('fail'), retry: { retries: 1000, baseDelayMs: 10, maxDelayMs: 10 }, giveUpAfterMs: 300 });
    const error = await within(5000, dispatcher.dispatch(request, { step: 0, sample: 0 }).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).silentForMs).toBeGreaterThanOrEqual(300);
  });
});

describe("the HTTP client's own timeout, a backstop 5 s behind the dispatcher's", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  /** Milliseconds after which the HTTP client of an `openai:` model built with `timeoutMs` abandons a request that is never answered. */
  const clientGivesUpAfterMs = (timeoutMs: number | undefined) =>
    givesUpAfterMs(() => createDispatcherFromSpecs({ model: 'openai:m', baseURL: 'http://127.0.0.1:8000/v1', apiKey: 'k', ...(timeoutMs === undefined ? {} : { timeoutMs }) }).endpoints[0]!.model);

  it('gives up 5 s after the timeout given', async () => {
    expect(await clientGivesUpAfterMs(1000)).toBe(6000);
  });

  it("keeps the client's default of 10 minutes with no timeout given, or 0 (none)", async () => {
    expect(await clientGivesUpAfterMs(undefined)).toBe(600_000);
    expect(await clientGivesUpAfterMs(0)).toBe(600_000);
  });
});
