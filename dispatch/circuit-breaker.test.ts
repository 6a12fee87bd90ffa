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

  it('reopens for twice as long when the trial fails, up to the longest cooldown, then lets the next trial through', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000, maxCooldownMs: 3000 });
    breaker.onFailure(0);
    const cooldowns: number[] = [];
    let now = 0;
    for (let trial = 0; trial < 4; trial++) {
      now += breaker.waitMs(now);
      // A failed trial frees its slot: the next cooldown's end lets the next trial through.
      expect(breaker.canRequest(now)).toBe(true);
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

  it('closes when a call still in flight succeeds while the circuit is open, and then makes nobody wait', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000 });
    breaker.onFailure(0);
    expect(breaker.waitMs(10)).toBe(990);
    breaker.onSuccess();
    expect(breaker.state(10)).toBe('closed');
    expect(breaker.canRequest(10)).toBe(true);
    expect(breaker.waitMs(10)).toBe(0);
  });

  it('does not extend the cooldown when calls sent before it opened fail while it is open', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000 });
    breaker.onFailure(0);
    breaker.onFailure(500);
    breaker.onFailure(900);
    expect(breaker.opened).toBe(1);
    expect(breaker.waitMs(500)).toBe(500);
    expect(breaker.state(1000)).toBe('half-open');
    expect(breaker.canRequest(1000)).toBe(true);
  });

  it('lets a trial through again the next time it opens, after a trial succeeded', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000 });
    breaker.onFailure(0);
    breaker.onRequest(1000);
    breaker.onSuccess();
    breaker.onFailure(2000);
    // The cooldown was reset by the success: 1000 again, not 2000.
    expect(breaker.waitMs(2000)).toBe(1000);
    expect(breaker.state(3000)).toBe('half-open');
    expect(breaker.canRequest(3000)).toBe(true);
  });

  it('rejects a negative or infinite cooldown, quoting it, and accepts 0', () => {
    expect(() => new CircuitBreaker({ cooldownMs: -1 })).toThrow('Expected `cooldownMs` to be a number >= 0, got `-1`');
    expect(() => new CircuitBreaker({ maxCooldownMs: Number.POSITIVE_INFINITY })).toThrow('Expected `maxCooldownMs` to be a number >= 0, got `Infinity`');
    expect(() => new CircuitBreaker({ cooldownMs: 0, maxCooldownMs: 0 })).not.toThrow();
  });
});
