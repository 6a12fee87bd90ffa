/**
 * What a failed HTTP response says about retrying: whether its status is one a retry may fix, and how long the
 * server asks the client to wait. The OpenAI-compatible backend reads these into a `TransientModelError`; the
 * dispatcher only sees the error's `retryAfterMs`.
 */

/**
 * Statuses a retry may fix: request timeout, conflict, rate limit and every server error but 501 (Not
 * Implemented) and 505 (HTTP Version Not Supported), which say the server will never serve the request.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Something with a `get(name)` like `Headers`. */
export interface HeaderSource {
  get(name: string): string | null | undefined;
}

/**
 * The wait a response asks for: `retry-after-ms` (milliseconds, OpenAI's), else `retry-after` as seconds or as
 * an HTTP date relative to `nowMs`. Undefined when absent or unreadable.
 */
export function retryAfterFromHeaders(headers: HeaderSource | undefined, nowMs: number): number | undefined {
  if (headers === undefined) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers.get('retry-after');
  if (after === null || after === undefined || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
