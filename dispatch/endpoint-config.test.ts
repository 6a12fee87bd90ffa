import { describe, expect, it } from 'vitest';
import { hanoiSim } from '../tasks/hanoi/index.ts';
import { parseEndpointsConfig } from './endpoint-config.ts';

const context = { behaviour: hanoiSim, seed: 1 };
const parse = (json: unknown, env: Record<string, string> = {}) => parseEndpointsConfig(JSON.stringify(json), env, context);

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

  it('refuses a key written into the file', () => {
    expect(() => parse({ endpoints: [{ model: 'openai:x', apiKey: 'sk-oops-0123456789' }] })).toThrow(/Refusing a key in the endpoints file \(endpoint 1\)/);
    expect(() => parse({ endpoints: [{ model: 'openai:x', apiKey: 'sk-oops-0123456789' }] })).not.toThrow(/sk-oops/);
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
});
