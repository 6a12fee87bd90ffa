import { describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock.ts';
import { InputError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import { createEndpoint, EndpointPool, type Endpoint, type EndpointOptions, type PoolContext } from './endpoint-pool.ts';

const model = (id: string): LanguageModel => ({
  id,
  pricing: { inputUsdPerMillion: 0, outputUsdPerMillion: 0 },
  generate: () => Promise.reject(new Error('not called')),
});

/** A context whose breakers open on the first failure for 100 ms, and whose random draw the test sets. */
function context(options: { random?: () => number; ensemble?: boolean; timeoutMs?: number } = {}): PoolContext {
  const clock = manualClock();
  return {
    clock: clock.now,
    sleep: clock.sleep,
    random: options.random ?? (() => 0),
    timeoutMs: options.timeoutMs ?? 0,
    circuitBreaker: { failureThreshold: 1, cooldownMs: 100 },
    ensemble: options.ensemble ?? false,
  };
}

const endpoints = (specs: readonly EndpointOptions[], ctx = context()): Endpoint[] => specs.map((spec) => createEndpoint(spec, ctx));

describe('createEndpoint', () => {
  it("takes a bare model as an endpoint named and grouped by the model's id, weight 1, with no limits and the dispatcher's timeout", () => {
    const endpoint = createEndpoint(model('m'), context({ timeoutMs: 250 }));
    expect(endpoint).toMatchObject({ name: 'm', group: 'm', weight: 1, timeoutMs: 250, requests: undefined, tokens: undefined, queue: undefined });
    expect(endpoint.stats).toEqual({ calls: 0, faults: 0, circuitOpens: 0 });
    expect(endpoint.breaker.closed).toBe(true);
  });

  it('keeps the name, group, weight, limits, queue and timeout it is given', () => {
    const endpoint = createEndpoint(
      { model: model('m'), name: 'primary', group: 'g', weight: 0.5, requestsPerMinute: 60, tokensPerMinute: 1000, concurrency: 2, timeoutMs: 0 },
      context({ timeoutMs: 250 }),
    );
    expect(endpoint).toMatchObject({ name: 'primary', group: 'g', weight: 0.5, timeoutMs: 0 });
    expect(endpoint.requests).toBeDefined();
    expect(endpoint.tokens).toBeDefined();
    expect(endpoint.queue?.concurrency).toBe(2);
  });

  it('builds a request limiter without a token limiter, and the other way round', () => {
    const requests = createEndpoint({ model: model('m'), requestsPerMinute: 60 }, context());
    expect(requests.requests).toBeDefined();
    expect(requests.tokens).toBeUndefined();
    const tokens = createEndpoint({ model: model('m'), tokensPerMinute: 60 }, context());
    expect(tokens.requests).toBeUndefined();
    expect(tokens.tokens).toBeDefined();
  });

  it.each([
    [{ weight: 0 }, 'Expected `weight` of endpoint `e` to be a number > 0, got `0`'],
    [{ weight: -1 }, 'got `-1`'],
    [{ weight: Number.POSITIVE_INFINITY }, 'Expected `weight` of endpoint `e` to be a number > 0, got `Infinity`'],
    [{ requestsPerMinute: 0 }, 'Expected `requestsPerMinute` of endpoint `e` to be a number > 0, got `0`'],
    [{ requestsPerMinute: Number.POSITIVE_INFINITY }, 'Expected `requestsPerMinute` of endpoint `e` to be a number > 0, got `Infinity`'],
    [{ tokensPerMinute: -5 }, 'Expected `tokensPerMinute` of endpoint `e` to be a number > 0, got `-5`'],
    [{ concurrency: 0 }, 'Expected `concurrency` of endpoint `e` to be an integer >= 1, got `0`'],
    [{ concurrency: 1.5 }, 'Expected `concurrency` of endpoint `e` to be an integer >= 1, got `1.5`'],
    [{ timeoutMs: -1 }, 'Expected `timeoutMs` of endpoint `e` to be a number >= 0, got `-1`'],
    [{ timeoutMs: Number.NaN }, 'Expected `timeoutMs` of endpoint `e` to be a number >= 0, got `NaN`'],
  ] as const)('rejects %o with an InputError quoting it', (bad, message) => {
    const make = () => createEndpoint({ model: model('m'), name: 'e', ...bad }, context());
    expect(make).toThrow(InputError);
    expect(make).toThrow(message);
  });

  it('accepts the smallest valid values', () => {
    expect(() => createEndpoint({ model: model('m'), weight: 0.001, requestsPerMinute: 0.5, tokensPerMinute: 1, concurrency: 1, timeoutMs: 0 }, context())).not.toThrow();
  });
});

describe('EndpointPool', () => {
  it('needs at least one endpoint', () => {
    expect(() => new EndpointPool([], context())).toThrow(new InputError('Expected at least one endpoint, got none'));
  });

  it('puts every endpoint in one group without an ensemble, whatever their groups, and serves every sample from it', () => {
    const all = endpoints([{ model: model('a') }, { model: model('b') }]);
    const pool = new EndpointPool(all, context());
    expect(pool.groups).toEqual([all]);
    for (let sample = 0; sample < 5; sample++) expect(pool.groupOf(3, sample)).toBe(0);
  });

  it('groups an ensemble by group in first-seen order, and deals samples to groups by their summed weights', () => {
    const [a1, b, a2] = endpoints([
      { model: model('a'), name: 'a1', weight: 0.75 },
      { model: model('b'), weight: 1 },
      { model: model('a'), name: 'a2', weight: 1.25 },
    ]);
    const pool = new EndpointPool([a1!, b!, a2!], context({ ensemble: true }));
    expect(pool.groups).toEqual([[a1, a2], [b]]);
    // Group a weighs 2, group b 1: of every three samples in a row, two go to a, one to b.
    const dealt = [0, 1, 2].map((sample) => pool.groupOf(0, sample));
    expect(dealt.filter((group) => group === 0)).toHaveLength(2);
    expect(dealt.filter((group) => group === 1)).toHaveLength(1);
    // The next step starts one further along the same cycle.
    expect(pool.groupOf(1, 0)).toBe(dealt[1]);
  });

  it('gives the only endpoint while its circuit lets calls through, and nothing while it is open', () => {
    const [only] = endpoints([{ model: model('a') }]);
    const pool = new EndpointPool([only!], context());
    expect(pool.pick(0, 0)).toBe(only);
    expect(pool.pick(0, 0, only)).toBe(only);
    only!.breaker.onFailure(0);
    expect(pool.pick(0, 50)).toBeUndefined();
    expect(pool.pick(0, 100)).toBe(only);
  });

  it('chooses by weight: each endpoint takes its share of the draw, the boundary going to the next', () => {
    let draw = 0;
    const [light, heavy] = endpoints([
      { model: model('a'), name: 'light', weight: 1 },
      { model: model('a'), name: 'heavy', weight: 2 },
    ]);
    const pool = new EndpointPool([light!, heavy!], context({ random: () => draw }));
    const pick = (value: number) => {
      draw = value;
      return pool.pick(0, 0)?.name;
    };
    // Total weight 3: draws below 1/3 (of 3, below 1) go to the light endpoint, the rest to the heavy one.
    expect(pick(0)).toBe('light');
    expect(pick(0.3)).toBe('light');
    expect(pick(1 / 3)).toBe('heavy');
    expect(pick(0.99)).toBe('heavy');
  });

  it('skips open endpoints, prefers any other than the one to avoid, and falls back to it when it alone is healthy', () => {
    let draw = 0;
    const [a, b, c] = endpoints([
      { model: model('m'), name: 'a' },
      { model: model('m'), name: 'b' },
      { model: model('m'), name: 'c' },
    ]);
    const pool = new EndpointPool([a!, b!, c!], context({ random: () => draw }));
    expect(pool.pick(0, 0, a)).toBe(b);
    draw = 0.99;
    expect(pool.pick(0, 0, a)).toBe(c);
    // b open: the draw is over a and c only.
    b!.breaker.onFailure(0);
    draw = 0.4;
    expect(pool.pick(0, 10)).toBe(a);
    draw = 0.6;
    expect(pool.pick(0, 10)).toBe(c);
    expect(pool.pick(0, 10, c)).toBe(a);
    // Only a healthy, and it is the one to avoid: a retry goes to it all the same.
    c!.breaker.onFailure(10);
    expect(pool.pick(0, 20, a)).toBe(a);
    // Every circuit open: nothing to call.
    a!.breaker.onFailure(20);
    expect(pool.pick(0, 30)).toBeUndefined();
    expect(pool.pick(0, 30, a)).toBeUndefined();
  });

  it('waits until the soonest cooldown in the group ends, 0 while an endpoint is callable', () => {
    const [a, b] = endpoints([
      { model: model('m'), name: 'a' },
      { model: model('m'), name: 'b' },
    ]);
    const pool = new EndpointPool([a!, b!], context());
    expect(pool.waitMs(0, 0)).toBe(0);
    a!.breaker.onFailure(0);
    expect(pool.waitMs(0, 10)).toBe(0);
    b!.breaker.onFailure(50);
    // a reopens at 100, b at 150.
    expect(pool.waitMs(0, 60)).toBe(40);
    expect(pool.waitMs(0, 120)).toBe(0);
  });

  it('wakes every waiter on the next change, once, and makes a fresh wait after it', async () => {
    const pool = new EndpointPool(endpoints([{ model: model('m') }]), context());
    pool.notify();
    const first = pool.changed();
    expect(pool.changed()).toBe(first);
    let woken = 0;
    void first.then(() => woken++);
    await Promise.resolve();
    expect(woken).toBe(0);
    pool.notify();
    await first;
    expect(woken).toBe(1);
    const second = pool.changed();
    expect(second).not.toBe(first);
    let again = false;
    void second.then(() => (again = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(again).toBe(false);
  });
});
