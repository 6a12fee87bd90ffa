import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryableStatus, resolveRetryOptions, retryAfterFromHeaders } from './retry.ts';

const headers = (entries: Record<string, string>) => new Headers(entries);

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
});

describe('isRetryableStatus', () => {
  it.each([408, 409, 429, 500, 502, 503, 504, 529])('retries %i', (status) => expect(isRetryableStatus(status)).toBe(true));
  it.each([400, 401, 403, 404, 422, 501, 505])('does not retry %i', (status) => expect(isRetryableStatus(status)).toBe(false));
});

describe('retryAfterFromHeaders', () => {
  it('prefers retry-after-ms, then retry-after in seconds, then as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterFromHeaders(headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterFromHeaders(headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterFromHeaders(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
  });

  it('ignores absent and unreadable values', () => {
    expect(retryAfterFromHeaders(undefined, 0)).toBeUndefined();
    expect(retryAfterFromHeaders(headers({}), 0)).toBeUndefined();
    expect(retryAfterFromHeaders(headers({ 'retry-after': 'soon' }), 0)).toBeUndefined();
    expect(retryAfterFromHeaders(headers({ 'retry-after-ms': 'x', 'retry-after': '1' }), 0)).toBe(1000);
  });
});
