import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures, and a success in between resets the count', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000 });
    breaker.onFailure(0);
    breaker.onFailure(0);
    breaker.onSuccess();
    breaker.onFailure(0);
    breaker.onFailure(0);
    expect(breaker.state(0)).toBe('closed');
    breaker.onFailure(10);
    expect(breaker.state(10)).toBe('open');
    expect(breaker.canRequest(10)).toBe(false);
    expect(breaker.waitMs(10)).toBe(1000);
    expect(breaker.opened).toBe(1);
  });

  it('lets exactly one trial through once the cooldown is over, and closes when it succeeds', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000 });
    breaker.onFailure(0);
    expect(breaker.state(999)).toBe('open');
    expect(breaker.state(1000)).toBe('half-open');
    expect(breaker.canRequest(1000)).toBe(true);
    breaker.onRequest(1000);
    expect(breaker.canRequest(1001)).toBe(false);
    breaker.onSuccess();
    expect(breaker.state(1001)).toBe('closed');
    expect(breaker.canRequest(1001)).toBe(true);
  });

  it('reopens for twice as long when the trial fails, up to the longest cooldown', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000, maxCooldownMs: 3000 });
    breaker.onFailure(0);
    const cooldowns: number[] = [];
    let now = 0;
    for (let trial = 0; trial < 4; trial++) {
      now += breaker.waitMs(now);
      breaker.onRequest(now);
      breaker.onFailure(now);
      cooldowns.push(breaker.waitMs(now));
    }
    expect(cooldowns).toEqual([2000, 3000, 3000, 3000]);
  });

  it('frees the trial slot when the trial is aborted by its caller', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10 });
    breaker.onFailure(0);
    breaker.onRequest(10);
    expect(breaker.canRequest(10)).toBe(false);
    breaker.onRelease();
    expect(breaker.canRequest(10)).toBe(true);
  });

  it('rejects a bad threshold, quoting it', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow('Expected `failureThreshold` to be an integer >= 1, got `0`');
  });
});
