import { describe, expect, it } from 'vitest';
import { isRetryableStatus, retryAfterFromHeaders } from './http-faults.ts';

const headers = (entries: Record<string, string>) => new Headers(entries);

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
