import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, resolveRetryOptions } from './retry.ts';

describe('backoffDelay', () => {
  it('doubles from the base delay up to the cap, less the jittered share', () => {
    const options = resolveRetryOptions({ baseDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0.5 });
    const noJitter = () => 0;
    expect([1, 2, 3, 4, 5, 6].map((retry) => backoffDelay(retry, options, noJitter))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const fullDraw = () => 0.999999;
    expect(backoffDelay(3, options, fullDraw)).toBeCloseTo(200, 3);
  });

  it('waits exactly what the server asked for, up to maxRetryAfterMs', () => {
    const options = resolveRetryOptions({ maxRetryAfterMs: 5000 });
    expect(backoffDelay(1, options, () => 0.5, 1234)).toBe(1234);
    expect(backoffDelay(1, options, () => 0.5, 0)).toBe(0);
    expect(backoffDelay(1, options, () => 0.5, 60_000)).toBe(5000);
  });

  it('property: a delay lies within [(1 - jitter) d, d] for the capped exponential d', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (retry, baseDelayMs, maxDelayMs, jitter, draw) => {
          const options = resolveRetryOptions({ baseDelayMs, maxDelayMs, jitter });
          const d = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
          const delay = backoffDelay(retry, options, () => draw);
          expect(delay).toBeGreaterThanOrEqual((1 - jitter) * d - 1e-9);
          expect(delay).toBeLessThanOrEqual(d + 1e-9);
        },
      ),
    );
  });

  it('rejects bad options, quoting the value', () => {
    expect(() => resolveRetryOptions({ retries: -1 })).toThrow('Expected `retries` to be an integer >= 0, got `-1`');
    expect(() => resolveRetryOptions({ jitter: 2 })).toThrow('Expected `jitter` to be a number in [0, 1], got `2`');
    expect(() => resolveRetryOptions({ factor: 0.5 })).toThrow('Expected `factor` to be a number >= 1, got `0.5`');
  });

  it('computes its own delay when the server asks for a negative wait', () => {
    const options = resolveRetryOptions({ baseDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0 });
    expect(backoffDelay(2, options, () => 0, -5)).toBe(200);
  });

  it('takes a jitter of 1 as full jitter: anywhere from 0 up to the whole delay', () => {
    const options = resolveRetryOptions({ baseDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 1 });
    expect(backoffDelay(2, options, () => 0.5)).toBe(100);
    expect(backoffDelay(2, options, () => 0)).toBe(200);
  });

  it('rejects a negative or infinite delay, quoting it, and accepts 0', () => {
    for (const name of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
      expect(() => resolveRetryOptions({ [name]: -1 })).toThrow(`Expected \`${name}\` to be a number >= 0, got \`-1\``);
      expect(() => resolveRetryOptions({ [name]: Number.POSITIVE_INFINITY })).toThrow(`Expected \`${name}\` to be a number >= 0, got \`Infinity\``);
      expect(() => resolveRetryOptions({ [name]: Number.NaN })).toThrow(`Expected \`${name}\` to be a number >= 0, got \`NaN\``);
      expect(resolveRetryOptions({ [name]: 0 })[name]).toBe(0);
    }
  });

  it('rejects a negative jitter, quoting it', () => {
    expect(() => resolveRetryOptions({ jitter: -0.1 })).toThrow('Expected `jitter` to be a number in [0, 1], got `-0.1`');
  });
});
