import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { hanoiSim } from '../tasks/hanoi/sim.ts';
import { createHanoiTask } from '../tasks/hanoi/task.ts';
import { createDispatcherFromSpecs } from './from-specs.ts';

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

  it("builds an endpoints file's pool, keys from the environment by name", () => {
    const config = JSON.stringify({ endpoints: [{ model: 'openai:gpt-4.1-mini', baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: 'MY_KEY', timeoutMs: 5000 }, { model: 'sim:gpt-4.1-mini' }] });
    const dispatcher = createDispatcherFromSpecs({ behaviour: hanoiSim, endpointsConfig: config, env: { MY_KEY: 'k' } });
    expect(dispatcher.endpoints.map((endpoint) => endpoint.timeoutMs)).toEqual([5000, 0]);
  });

  it('answers a call through the built model', async () => {
    const task = createHanoiTask({ disks: 3 });
    const dispatcher = createDispatcherFromSpecs({ behaviour: hanoiSim, seed: 1 });
    const { response } = await dispatcher.dispatch({ messages: task.prompt(task.initialState(), 0), temperature: 0, maxOutputTokens: 750 }, { step: 0, sample: 0 });
    expect(task.parse(response.text)).toMatchObject({ ok: true });
  });

  it('rejects an ensemble and an endpoints file together, and unknown specs, as input errors', () => {
    expect(() => createDispatcherFromSpecs({ behaviour: hanoiSim, ensemble: [{ spec: 'sim:gpt-4.1-mini' }], endpointsConfig: '{"endpoints":[]}' })).toThrow(
      /at most one of `ensemble` and `endpointsConfig`, got both/,
    );
    expect(() => createDispatcherFromSpecs({ behaviour: hanoiSim, model: 'gpt-4' })).toThrow(InputError);
  });
});
