import { describe, expect, it } from 'vitest';
import { startChatServer, type ChatCompletionBody } from '../testing/chat-server.ts';
import { createSimModel } from '../models/sim-model.ts';
import { hanoiSim } from '../tasks/hanoi/index.ts';
import { buildDispatcher, ensembleFlag, rateLimitFlag, resolveDispatchFlags } from './dispatch-options.ts';
import { runCli } from './testing.ts';

describe('dispatch flags', () => {
  it('parses rate limits per minute or per second', () => {
    expect(rateLimitFlag('500rpm')).toEqual({ requestsPerMinute: 500 });
    expect(rateLimitFlag('10rps, 2000tps')).toEqual({ requestsPerMinute: 600, tokensPerMinute: 120000 });
    expect(() => rateLimitFlag('fast')).toThrow('Expected --rate-limit to be like 500rpm or 500rpm,200000tpm (also rps, tps), got `fast`');
  });

  it('parses ensembles with integer weights', () => {
    expect(ensembleFlag('openai:a,openai:b=2')).toEqual([
      { spec: 'openai:a', weight: 1 },
      { spec: 'openai:b', weight: 2 },
    ]);
    expect(() => ensembleFlag('openai:a,openai:a')).toThrow(/each model once/);
    expect(() => ensembleFlag('gpt')).toThrow(/model specs like sim:PROFILE/);
  });

  it('gives HTTP endpoints a timeout and in-process ones none, unless told otherwise', () => {
    const flags = resolveDispatchFlags({ retries: '8', retryBaseMs: '500', retryMaxMs: '30000', rateLimit: '60rpm' });
    const setup = { baseURL: 'http://127.0.0.1:1/v1', apiKey: undefined, seed: 0, concurrency: 3, behaviour: hanoiSim };
    const http = buildDispatcher({ ...setup, model: 'openai:gpt-4.1-mini', dispatch: flags });
    expect(http.endpoints[0]).toMatchObject({ timeoutMs: 120_000 });
    expect(http.endpoints[0]!.requests?.perMinute).toBe(60);
    const sim = buildDispatcher({ ...setup, model: 'sim:gpt-4.1-mini', dispatch: { ...flags, rateLimit: {} } });
    expect(sim.endpoints[0]).toMatchObject({ timeoutMs: 0, requests: undefined });
    const told = buildDispatcher({ ...setup, model: 'openai:gpt-4.1-mini', dispatch: { ...flags, timeoutMs: 0 } });
    expect(told.endpoints[0]).toMatchObject({ timeoutMs: 0 });
  });

  it.each([
    [['--budget-usd', '-1'], /Expected --budget-usd to be a number in \[0, .*\], got `-1`/],
    [['--budget-calls', '1.5'], /Expected --budget-calls to be an integer >= 0, got `1.5`/],
    [['--retries', 'many'], /Expected --retries to be an integer from 0 to 1000, got `many`/],
    [['--rate-limit', '5 per minute'], /Expected --rate-limit/],
    [['--endpoints', 'a.json', '--ensemble', 'sim:gpt-4.1-mini'], /either --endpoints or --ensemble, got both/],
    [['--endpoints', '/nonexistent/endpoints.json'], /Cannot read the endpoints file `\/nonexistent\/endpoints.json`: ENOENT/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const { code, stderr } = await runCli(['run', 'hanoi', '--disks', '3', ...args]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('sends what quirky models need: no temperature, max_completion_tokens instead of max_tokens', async () => {
    const bodies: ChatCompletionBody[] = [];
    const server = await startChatServer({ model: createSimModel({ behaviour: hanoiSim }), intercept: (_req, _res, body) => (bodies.push(body), false) });
    try {
      const args = ['run', 'hanoi', '--disks', '2', '--model', 'openai:o3-mini', '--base-url', server.url, '--api-key', 'test', '--no-progress'];
      await runCli(args);
      expect(bodies[0]).toMatchObject({ temperature: 0, max_tokens: 750 });
      bodies.length = 0;
      const { code } = await runCli([...args, '--omit-temperature', '--max-completion-tokens']);
      expect(code).toBe(0);
      expect(bodies.length).toBeGreaterThan(0);
      for (const body of bodies) {
        expect(body).not.toHaveProperty('temperature');
        expect(body).not.toHaveProperty('max_tokens');
        expect(body.max_completion_tokens).toBe(750);
      }
    } finally {
      await server.close();
    }
  });
});
