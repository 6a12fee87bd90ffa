/**
 * When to retry a model call and how long to wait first. Pure functions over an injected random source, so a
 * backoff schedule is testable to the millisecond: exponential growth from `baseDelayMs`, capped at
 * `maxDelayMs`, with jitter that spreads retries of many callers apart, and the server's own `retry-after-ms` /
 * `retry-after` honoured whenever it sends one.
 */
import { InputError } from '../core/errors.ts';
import type { Random } from '../core/rng.ts';

/** Options of the retry policy. */
export interface RetryOptions {
  /** Retries after the first attempt; 0 turns retrying off. @default 8 */
  readonly retries?: number;
  /** Delay before the first retry, before jitter, in milliseconds. @default 500 */
  readonly baseDelayMs?: number;
  /** Growth of the delay per retry. @default 2 */
  readonly factor?: number;
  /** Cap on a computed delay, in milliseconds. @default 30000 */
  readonly maxDelayMs?: number;
  /**
   * Share of each delay that is random: the delay is `d * (1 - jitter * random())` for the capped exponential `d`.
   * 0 is no jitter, 1 is "full jitter". @default 0.5
   */
  readonly jitter?: number;
  /** Longest server-requested wait that is honoured as is; a longer one is cut to this, in milliseconds. @default 120000 */
  readonly maxRetryAfterMs?: number;
}

/** The retry policy with every default applied. */
export type ResolvedRetryOptions = Required<RetryOptions>;

/** Applies defaults and validates, quoting any bad value. */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const resolved: ResolvedRetryOptions = {
    retries: options.retries ?? 8,
    baseDelayMs: options.baseDelayMs ?? 500,
    factor: options.factor ?? 2,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    jitter: options.jitter ?? 0.5,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
  };
  if (!Number.isInteger(resolved.retries) || resolved.retries < 0) {
    throw new InputError(`Expected \`retries\` to be an integer >= 0, got \`${resolved.retries}\``);
  }
  for (const name of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
    if (!(resolved[name] >= 0 && Number.isFinite(resolved[name]))) throw new InputError(`Expected \`${name}\` to be a number >= 0, got \`${resolved[name]}\``);
  }
  if (!(resolved.factor >= 1 && Number.isFinite(resolved.factor))) throw new InputError(`Expected \`factor\` to be a number >= 1, got \`${resolved.factor}\``);
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1)) throw new InputError(`Expected \`jitter\` to be a number in [0, 1], got \`${resolved.jitter}\``);
  return resolved;
}

/**
 * Milliseconds to wait before retry number `retry` (1 for the first retry). A server-requested wait wins over
 * the computed one, capped at `maxRetryAfterMs`; otherwise `min(maxDelayMs, baseDelayMs * factor^(retry-1))`,
 * less up to `jitter` of it at random.
 */
export function backoffDelay(retry: number, options: ResolvedRetryOptions, random: Random, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, options.maxRetryAfterMs);
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * options.factor ** Math.max(0, retry - 1));
  return exponential * (1 - options.jitter * random());
}

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
