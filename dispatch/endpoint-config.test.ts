import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import type { ModelContext } from '../models/model-spec.ts';
import { findProfile } from '../models/profiles.ts';
import { createSimModel } from '../models/sim-model.ts';
import { hanoiSim } from '../tasks/hanoi/index.ts';
import { startChatServer, type ChatCompletionBody, type RunningChatServer } from '../testing/chat-server.ts';
import { clientGivesUpAfterMs as givesUpAfterMs } from '../testing/stalled-fetch.ts';
import { parseEndpointsConfig } from './endpoint-config.ts';

const context = { behaviour: hanoiSim, seed: 1 };
const parse = (json: unknown, env: Record<string, string> = {}) => parseEndpointsConfig(JSON.stringify(json), env, context);

/** The error `run` throws, which must be an `InputError` of one line. */
function refusal(run: () => unknown): InputError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a refusal, but the input was accepted').toBeInstanceOf(InputError);
  expect((thrown as Error).message).not.toContain('\n');
  return thrown as InputError;
}

const refusalOf = (text: string, env: Record<string, string> = {}) => refusal(() => parseEndpointsConfig(text, env, context)).message;

const ALL_FIELDS = 'name, model, baseURL, apiKeyEnv, weight, group, requestsPerMinute, tokensPerMinute, concurrency, timeoutMs, omitTemperature, useMaxCompletionTokens, sendSeed, pricing';
const PRICING_SHAPE = '{ "inputUsdPerMillion": number, "outputUsdPerMillion": number }';

describe('the endpoints file', () => {
  it('builds endpoints with weights, limits, groups and names that never carry a key', () => {
    const config = parse(
      {
        ensemble: true,
        endpoints: [
          { model: 'openai:gpt-4.1-mini', baseURL: 'http://127.0.0.1:8000/v1', apiKeyEnv: 'PRIMARY_KEY', weight: 3, requestsPerMinute: 500, tokensPerMinute: 200000, timeoutMs: 30000 },
          { name: 'local', model: 'openai:qwen3', baseURL: 'http://127.0.0.1:9000/v1', omitTemperature: true, useMaxCompletionTokens: true, group: 'qwen' },
          { model: 'sim:o3-mini', concurrency: 4 },
        ],
      },
      { PRIMARY_KEY: 'sk-primary-0123456789' },
    );
    expect(config.ensemble).toBe(true);
    expect(config.endpoints.map((e) => e.name)).toEqual(['openai:gpt-4.1-mini@127.0.0.1:8000/v1', 'local', 'sim:o3-mini']);
    expect(config.endpoints[0]).toMatchObject({ weight: 3, requestsPerMinute: 500, tokensPerMinute: 200000, timeoutMs: 30000 });
    expect(config.endpoints[1]).toMatchObject({ group: 'qwen' });
    expect(config.endpoints[2]).toMatchObject({ concurrency: 4 });
    expect(config.endpoints[0]!.model.id).toBe('openai:gpt-4.1-mini');
    expect(JSON.stringify(config.endpoints.map(({ model, ...rest }) => rest))).not.toContain('sk-primary');
  });

  it('carries every field of an endpoint through, and adds none it did not set', () => {
    const full = parse({
      endpoints: [{ name: 'a', model: 'sim:o3-mini', group: 'g', weight: 2.5, requestsPerMinute: 60, tokensPerMinute: 9000, concurrency: 3, timeoutMs: 700 }],
    }).endpoints[0]!;
    expect(full).toStrictEqual({ model: full.model, name: 'a', group: 'g', weight: 2.5, requestsPerMinute: 60, tokensPerMinute: 9000, concurrency: 3, timeoutMs: 700 });
    // No key left undefined either: someone spreading defaults under an endpoint must not lose them.
    const bare = parse({ endpoints: [{ model: 'sim:o3-mini' }] });
    expect(bare).toStrictEqual({ ensemble: false, endpoints: [{ model: bare.endpoints[0]!.model, name: 'sim:o3-mini' }], unpriced: [] });
  });

  it('names an endpoint by its model and host, OpenAI when it gives no baseURL, and a simulated one by its spec', () => {
    const config = parse({ endpoints: [{ model: 'openai:gpt-4.1-mini' }, { model: 'openai:m', baseURL: 'https://example.com/api/v1/' }, { model: 'sim:o3-mini' }, { name: 'mine', model: 'openai:m' }] });
    expect(config.endpoints.map((endpoint) => endpoint.name)).toEqual(['openai:gpt-4.1-mini@api.openai.com/v1', 'openai:m@example.com/api/v1', 'sim:o3-mini', 'mine']);
  });

  it("names an endpoint without a baseURL by the caller's base URL, where its calls go", () => {
    const config = parseEndpointsConfig(JSON.stringify({ endpoints: [{ model: 'openai:m' }] }), {}, { ...context, baseURL: 'http://127.0.0.1:7000/v1' });
    expect(config.endpoints[0]!.name).toBe('openai:m@127.0.0.1:7000/v1');
  });

  it('is not an ensemble unless it says so', () => {
    expect(parse({ endpoints: [{ model: 'sim:o3-mini' }] }).ensemble).toBe(false);
    expect(parse({ ensemble: false, endpoints: [{ model: 'sim:o3-mini' }] }).ensemble).toBe(false);
    expect(parse({ ensemble: true, endpoints: [{ model: 'sim:o3-mini' }] }).ensemble).toBe(true);
  });

  it("prices each endpoint: the file's pricing, else its profile's, else nothing, and lists the unpriced by name", () => {
    const pricing = { inputUsdPerMillion: 0.25, outputUsdPerMillion: 2 };
    const config = parse({
      endpoints: [
        { name: 'profiled', model: 'openai:gpt-4.1-mini' },
        { name: 'unknown', model: 'openai:my-model' },
        { name: 'priced', model: 'openai:my-model', pricing },
        { name: 'overridden', model: 'openai:gpt-4.1-mini', pricing },
        { name: 'simulated', model: 'sim:o3-mini' },
      ],
    });
    const profile = findProfile('gpt-4.1-mini')!;
    expect(config.endpoints.map((endpoint) => endpoint.model.pricing)).toEqual([
      { inputUsdPerMillion: profile.inputUsdPerMillion, outputUsdPerMillion: profile.outputUsdPerMillion },
      { inputUsdPerMillion: 0, outputUsdPerMillion: 0 },
      pricing,
      pricing,
      { inputUsdPerMillion: 1.1, outputUsdPerMillion: 4.4 },
    ]);
    expect(config.unpriced).toEqual(['unknown']);
  });

  it('refuses a key written into the file', () => {
    expect(() => parse({ endpoints: [{ model: 'openai:x', apiKey: 'sk-oops-0123456789' }] })).toThrow(/Refusing a key in the endpoints file \(endpoint 1\)/);
    expect(() => parse({ endpoints: [{ model: 'openai:x', apiKey: 'sk-oops-0123456789' }] })).not.toThrow(/sk-oops/);
    for (const field of ['apiKey', 'key']) {
      expect(refusalOf(JSON.stringify({ endpoints: [{ model: 'sim:o3-mini' }, { model: 'openai:x', [field]: 'sk-oops-0123456789' }] }))).toBe(
        'Refusing a key in the endpoints file (endpoint 2): put it in an environment variable and name that in `apiKeyEnv`',
      );
    }
  });

  it.each([
    ['not json', /Expected the endpoints file to be JSON/],
    ['{}', /an object with an `endpoints` array/],
    ['{"endpoints": []}', /at least one endpoint, got none/],
    ['{"endpoints": [{"baseURL": "http://x"}]}', /Expected endpoint 1 to name its `model`/],
    ['{"endpoints": [{"model": "openai:x", "weight": "heavy"}]}', /Expected `weight` of endpoint 1 to be a number, got `"heavy"`/],
    ['{"endpoints": [{"model": "openai:x", "colour": "red"}]}', /Unknown field `colour` in endpoint 1/],
    ['{"endpoints": [{"model": "openai:x", "pricing": {"input": 1}}]}', /Expected `pricing` of endpoint 1/],
    ['{"ensemble": "yes", "endpoints": [{"model": "openai:x"}]}', /Expected `ensemble` to be true or false, got `"yes"`/],
  ])('rejects %s', (text, message) => {
    expect(() => parseEndpointsConfig(text, {}, context)).toThrow(message);
  });

  it('says why a file that is not JSON is refused, keeping the parser error as the cause', () => {
    const error = refusal(() => parseEndpointsConfig('{"endpoints": [', {}, context));
    expect(error.message).toMatch(/^Expected the endpoints file to be JSON: \S/);
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expect(error.message).toContain((error.cause as Error).message);
  });

  it.each([['null'], ['[]'], ['"endpoints"'], ['7'], ['{"endpoints": {}}'], ['{"endpoints": "sim:o3-mini"}'], ['{"endpoint": []}']])(
    'refuses %s as a file without an endpoints array',
    (text) => {
      expect(refusalOf(text)).toBe('Expected the endpoints file to be an object with an `endpoints` array');
    },
  );

  it.each([
    ['{"ensemble": "yes", "endpoints": [{"model": "sim:o3-mini"}]}', 'Expected `ensemble` to be true or false, got `"yes"`'],
    ['{"ensemble": 1, "endpoints": [{"model": "sim:o3-mini"}]}', 'Expected `ensemble` to be true or false, got `1`'],
    ['{"ensemble": null, "endpoints": [{"model": "sim:o3-mini"}]}', 'Expected `ensemble` to be true or false, got `null`'],
    ['{"endpoints": []}', 'Expected the endpoints file to list at least one endpoint, got none'],
  ])('refuses %s', (text, message) => {
    expect(refusalOf(text)).toBe(message);
  });

  it.each([['null'], ['5'], ['"sim:o3-mini"'], ['[]'], ['[{"model": "sim:o3-mini"}]'], ['true']])('refuses an endpoint that is %s, quoting it', (entry) => {
    expect(refusalOf(`{"endpoints": [{"model": "sim:o3-mini"}, ${entry}]}`)).toBe(`Expected endpoint 2 to be an object, got \`${JSON.stringify(JSON.parse(entry))}\``);
  });

  it('refuses an unknown field, listing the known ones, and accepts every known one', () => {
    expect(refusalOf('{"endpoints": [{"model": "sim:o3-mini", "colour": "red"}]}')).toBe(`Unknown field \`colour\` in endpoint 1; known: ${ALL_FIELDS}`);
    expect(refusalOf('{"endpoints": [{"model": "sim:o3-mini", "": 1}]}')).toBe(`Unknown field \`\` in endpoint 1; known: ${ALL_FIELDS}`);
    const every = {
      name: 'n',
      model: 'openai:gpt-4.1-mini',
      baseURL: 'http://127.0.0.1:8000/v1',
      apiKeyEnv: 'K',
      weight: 1,
      group: 'g',
      requestsPerMinute: 1,
      tokensPerMinute: 1,
      concurrency: 1,
      timeoutMs: 1,
      omitTemperature: true,
      useMaxCompletionTokens: true,
      sendSeed: false,
      pricing: { inputUsdPerMillion: 1, outputUsdPerMillion: 2 },
    };
    expect(Object.keys(every).join(', ')).toBe(ALL_FIELDS);
    expect(parse({ endpoints: [every] }, { K: 'k' }).endpoints).toHaveLength(1);
  });

  it.each([
    [{}, 'Expected endpoint 1 to name its `model` (`openai:NAME` or `sim:PROFILE`)'],
    [{ model: 5 }, 'Expected `model` of endpoint 1 to be a non-empty string, got `5`'],
    [{ model: '' }, 'Expected `model` of endpoint 1 to be a non-empty string, got `""`'],
    [{ model: null }, 'Expected `model` of endpoint 1 to be a non-empty string, got `null`'],
    [{ model: 'sim:o3-mini', name: '' }, 'Expected `name` of endpoint 1 to be a non-empty string, got `""`'],
    [{ model: 'sim:o3-mini', group: ['a'] }, 'Expected `group` of endpoint 1 to be a non-empty string, got `["a"]`'],
    [{ model: 'sim:o3-mini', apiKeyEnv: '' }, 'Expected `apiKeyEnv` of endpoint 1 to be a non-empty string, got `""`'],
    [{ model: 'sim:o3-mini', baseURL: 8000 }, 'Expected `baseURL` of endpoint 1 to be a non-empty string, got `8000`'],
    [{ model: 'sim:o3-mini', weight: '2' }, 'Expected `weight` of endpoint 1 to be a number, got `"2"`'],
    [{ model: 'sim:o3-mini', requestsPerMinute: null }, 'Expected `requestsPerMinute` of endpoint 1 to be a number, got `null`'],
    [{ model: 'sim:o3-mini', tokensPerMinute: true }, 'Expected `tokensPerMinute` of endpoint 1 to be a number, got `true`'],
    [{ model: 'sim:o3-mini', concurrency: {} }, 'Expected `concurrency` of endpoint 1 to be a number, got `{}`'],
    [{ model: 'sim:o3-mini', timeoutMs: '1000' }, 'Expected `timeoutMs` of endpoint 1 to be a number, got `"1000"`'],
    [{ model: 'sim:o3-mini', omitTemperature: 'yes' }, 'Expected `omitTemperature` of endpoint 1 to be true or false, got `"yes"`'],
    [{ model: 'sim:o3-mini', useMaxCompletionTokens: 1 }, 'Expected `useMaxCompletionTokens` of endpoint 1 to be true or false, got `1`'],
    [{ model: 'sim:o3-mini', sendSeed: null }, 'Expected `sendSeed` of endpoint 1 to be true or false, got `null`'],
  ])('refuses the endpoint %j', (endpoint, message) => {
    expect(refusalOf(JSON.stringify({ endpoints: [endpoint] }))).toBe(message);
  });

  it('refuses a number too large to be one (JSON reads it as Infinity)', () => {
    expect(refusalOf('{"endpoints": [{"model": "sim:o3-mini", "timeoutMs": 1e999}]}')).toBe('Expected `timeoutMs` of endpoint 1 to be a number, got `Infinity`');
  });

  it('refuses a baseURL that is not an http URL, for a simulated model too, naming the endpoint', () => {
    for (const model of ['openai:m', 'sim:o3-mini']) {
      expect(refusalOf(JSON.stringify({ endpoints: [{ model, baseURL: 'localhost:8000' }] }))).toBe(
        'Expected `baseURL` of endpoint 1 to be an http or https URL such as http://127.0.0.1:8000/v1, got `localhost:8000`',
      );
    }
  });

  it.each([
    [null],
    ['cheap'],
    [3],
    [[1, 2]],
    [{}],
    [{ input: 1, output: 2 }],
    [{ inputUsdPerMillion: 1 }],
    [{ outputUsdPerMillion: 1 }],
    [{ inputUsdPerMillion: '1', outputUsdPerMillion: 2 }],
    [{ inputUsdPerMillion: 1, outputUsdPerMillion: '2' }],
    [{ inputUsdPerMillion: 1, outputUsdPerMillion: null }],
  ])('refuses the pricing %j, quoting it', (pricing) => {
    expect(refusalOf(JSON.stringify({ endpoints: [{ model: 'openai:m', pricing }] }))).toBe(`Expected \`pricing\` of endpoint 1 to be ${PRICING_SHAPE}, got \`${JSON.stringify(pricing)}\``);
  });

  it('refuses an apiKeyEnv naming an unset or empty variable for an endpoint, not for a simulated model', () => {
    const message = (name: string) =>
      `Expected the environment variable ${name} (\`apiKeyEnv\` of endpoint 1) to hold the API key, but it is not set; set it, or leave \`apiKeyEnv\` out for a server that needs no key`;
    expect(refusal(() => parse({ endpoints: [{ model: 'openai:m', apiKeyEnv: 'MY_KEY' }] }, {})).message).toBe(message('MY_KEY'));
    expect(refusal(() => parse({ endpoints: [{ model: 'openai:m', apiKeyEnv: 'MY_KEY' }] }, { MY_KEY: '' })).message).toBe(message('MY_KEY'));
    expect(parse({ endpoints: [{ model: 'openai:m', apiKeyEnv: 'MY_KEY' }] }, { MY_KEY: 'k' }).endpoints).toHaveLength(1);
    expect(parse({ endpoints: [{ model: 'sim:o3-mini', apiKeyEnv: 'MY_KEY' }] }, {}).endpoints).toHaveLength(1);
    // Without apiKeyEnv, no key is needed (a local server).
    expect(parse({ endpoints: [{ model: 'openai:m' }] }, {}).endpoints).toHaveLength(1);
  });
});

describe('what the endpoints send', () => {
  interface Received {
    readonly path: string;
    readonly authorization: string | undefined;
    readonly body: ChatCompletionBody;
  }
  let server: RunningChatServer;
  let decoy: RunningChatServer;
  const received: Received[] = [];
  const atDecoy: Received[] = [];
  const record = (into: Received[]) => (req: import('node:http').IncomingMessage, _res: unknown, body: ChatCompletionBody) => {
    into.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
    return false;
  };
  beforeAll(async () => {
    const sim = createSimModel({ profile: 'gpt-4.1-mini', behaviour: hanoiSim, seed: 3 });
    server = await startChatServer({ model: sim, intercept: record(received) });
    decoy = await startChatServer({ model: sim, intercept: record(atDecoy) });
  });
  afterAll(async () => {
    await server.close();
    await decoy.close();
  });

  /** What one call to `model` sends. The context's own base URL and key (a `--base-url`, an `--api-key`) lead to a decoy. */
  async function sent(model: LanguageModel): Promise<Received> {
    received.length = 0;
    atDecoy.length = 0;
    await model.generate({ messages: [{ role: 'user', content: 'hi' }], temperature: 0.3, maxOutputTokens: 40, seed: 11, signal: AbortSignal.timeout(10_000) });
    expect(atDecoy).toEqual([]);
    expect(received).toHaveLength(1);
    return received[0]!;
  }
  const decoyContext = (): ModelContext => ({ ...context, baseURL: decoy.url, apiKey: 'context-key' });
  const endpoint = (fields: Record<string, unknown>, env: Record<string, string> = {}) =>
    parseEndpointsConfig(JSON.stringify({ endpoints: [{ model: 'openai:m', baseURL: server.url, ...fields }] }), env, decoyContext()).endpoints[0]!.model;

  it("goes to the endpoint's baseURL with the key from the variable apiKeyEnv names", async () => {
    const request = await sent(endpoint({ apiKeyEnv: 'MY_KEY' }, { MY_KEY: 'named-key', OPENAI_API_KEY: 'default-key' }));
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.authorization).toBe('Bearer named-key');
    expect(request.body.model).toBe('m');
  });

  it('takes the key from OPENAI_API_KEY of the environment given when the file names no variable', async () => {
    expect((await sent(endpoint({}, { OPENAI_API_KEY: 'default-key' }))).authorization).toBe('Bearer default-key');
  });

  it('sends temperature, max_tokens and the seed unless the endpoint says otherwise', async () => {
    const plain = await sent(endpoint({}, { OPENAI_API_KEY: 'k' }));
    expect(plain.body).toMatchObject({ temperature: 0.3, max_tokens: 40, seed: 11 });
    expect(plain.body.max_completion_tokens).toBeUndefined();
    const stated = await sent(endpoint({ omitTemperature: false, useMaxCompletionTokens: false, sendSeed: true }, { OPENAI_API_KEY: 'k' }));
    expect(stated.body).toMatchObject({ temperature: 0.3, max_tokens: 40, seed: 11 });
  });

  it("follows the caller's --omit-temperature and --max-completion-tokens unless the endpoint says otherwise", async () => {
    const quirkyCaller = (): ModelContext => ({ ...decoyContext(), openai: { omitTemperature: true, useMaxCompletionTokens: true } });
    const fileEndpoint = (fields: Record<string, unknown>) =>
      parseEndpointsConfig(JSON.stringify({ endpoints: [{ model: 'openai:m', baseURL: server.url, ...fields }] }), { OPENAI_API_KEY: 'k' }, quirkyCaller()).endpoints[0]!.model;
    const inherited = await sent(fileEndpoint({}));
    expect(inherited.body).toMatchObject({ max_completion_tokens: 40, seed: 11 });
    expect(inherited.body.temperature).toBeUndefined();
    expect(inherited.body.max_tokens).toBeUndefined();
    const overridden = await sent(fileEndpoint({ omitTemperature: false, useMaxCompletionTokens: false }));
    expect(overridden.body).toMatchObject({ temperature: 0.3, max_tokens: 40, seed: 11 });
    expect(overridden.body.max_completion_tokens).toBeUndefined();
  });

  it('leaves temperature out, sends max_completion_tokens, and leaves the seed out when told', async () => {
    const quirky = await sent(endpoint({ omitTemperature: true, useMaxCompletionTokens: true, sendSeed: false }, { OPENAI_API_KEY: 'k' }));
    expect(quirky.body).toMatchObject({ max_completion_tokens: 40 });
    expect(quirky.body.temperature).toBeUndefined();
    expect(quirky.body.max_tokens).toBeUndefined();
    expect(quirky.body.seed).toBeUndefined();
    // Each on its own.
    expect((await sent(endpoint({ omitTemperature: true }, { OPENAI_API_KEY: 'k' }))).body).toMatchObject({ max_tokens: 40, seed: 11 });
    expect((await sent(endpoint({ useMaxCompletionTokens: true }, { OPENAI_API_KEY: 'k' }))).body).toMatchObject({ temperature: 0.3, seed: 11 });
    expect((await sent(endpoint({ sendSeed: false }, { OPENAI_API_KEY: 'k' }))).body).toMatchObject({ temperature: 0.3, max_tokens: 40 });
  });
});

describe("the client's own timeout, a backstop 5 s behind the endpoint's", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  /** Milliseconds after which the HTTP client of the endpoint `fields` describes abandons a request that is never answered. */
  const clientGivesUpAfterMs = (fields: Record<string, unknown>) =>
    givesUpAfterMs(() => parse({ endpoints: [{ model: 'openai:m', baseURL: 'http://127.0.0.1:8000/v1', ...fields }] }).endpoints[0]!.model);

  it('gives up 5 s after the endpoint would', async () => {
    expect(await clientGivesUpAfterMs({ timeoutMs: 1000 })).toBe(6000);
  });

  it("keeps the client's default of 10 minutes for an endpoint without a timeout, or with 0 (none)", async () => {
    expect(await clientGivesUpAfterMs({})).toBe(600_000);
    expect(await clientGivesUpAfterMs({ timeoutMs: 0 })).toBe(600_000);
  });

  it("keeps the caller's backstop (--timeout-ms plus 5 s) for an endpoint without a timeout of its own", async () => {
    const withCaller = (fields: Record<string, unknown>) =>
      givesUpAfterMs(() => parseEndpointsConfig(JSON.stringify({ endpoints: [{ model: 'openai:m', baseURL: 'http://127.0.0.1:8000/v1', ...fields }] }), {}, { ...context, openai: { timeoutMs: 905_000 } }).endpoints[0]!.model);
    expect(await withCaller({})).toBe(905_000);
    expect(await withCaller({ timeoutMs: 1000 })).toBe(6000);
    // An endpoint the file gives no timeout (0) is not cut by the caller's either: the client's default holds.
    expect(await withCaller({ timeoutMs: 0 })).toBe(600_000);
  });
});
