/**
 * Time as an injected dependency: a clock and a sleep. Production code uses the real ones; tests pass a manual
 * clock whose sleeps resolve when the test advances time, so backoff schedules, cooldowns and rate limits are
 * tested without waiting.
 */
import { abortError, isAbortError } from './errors.ts';

/** Milliseconds on a monotonic scale. */
export type Clock = () => number;

/**
 * Resolves after `ms` milliseconds; rejects with an `AbortError` when `signal` aborts first (the signal's reason
 * when that is one, so a caller that cancels many sleeps can pass one prepared error instead of paying for new ones).
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real monotonic clock. */
export const realClock: Clock = () => performance.now();

/** A real sleep on a timer. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    const reason = () => (isAbortError(signal?.reason) ? (signal!.reason as Error) : abortError());
    if (signal?.aborted) {
      reject(reason());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(reason());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** A clock that moves only when told to, with a sleep that waits on it. */
export interface ManualClock {
  readonly now: Clock;
  readonly sleep: Sleep;
  /** Every sleep requested so far, in milliseconds, in order. */
  readonly sleeps: number[];
  /** Moves time forward, resolving the sleeps that come due (in order), and lets their continuations run. */
  advance(ms: number): Promise<void>;
  /** Advances to the next pending sleep's deadline; false when none is pending. */
  next(): Promise<boolean>;
  /** Advances from sleep to sleep (at most 10,000) until `promise` settles, and returns it. */
  drive<T>(promise: Promise<T>): Promise<T>;
}

/** Creates a manual clock starting at `start`. */
export function manualClock(start = 0): ManualClock {
  let time = start;
  const sleeps: number[] = [];
  const pending: Array<{ at: number; resolve: () => void }> = [];
  const flush = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  const advanceTo = async (target: number) => {
    for (;;) {
      pending.sort((a, b) => a.at - b.at);
      const first = pending[0];
      if (first === undefined || first.at > target) break;
      pending.shift();
      time = Math.max(time, first.at);
      first.resolve();
      await flush();
    }
    time = Math.max(time, target);
    await flush();
  };
  const next = async (): Promise<boolean> => {
    await flush();
    pending.sort((a, b) => a.at - b.at);
    const first = pending[0];
    if (first === undefined) return false;
    await advanceTo(first.at);
    return true;
  };
  return {
    now: () => time,
    sleeps,
    sleep(ms, signal) {
      sleeps.push(ms);
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(abortError());
          return;
        }
        const entry = { at: time + ms, resolve };
        pending.push(entry);
        signal?.addEventListener(
          'abort',
          () => {
            const index = pending.indexOf(entry);
            if (index >= 0) pending.splice(index, 1);
            reject(abortError());
          },
          { once: true },
        );
      });
    },
    advance: (ms) => advanceTo(time + ms),
    next,
    async drive(promise) {
      let settled = false;
      promise.then(
        () => (settled = true),
        () => (settled = true),
      );
      for (let i = 0; i < 10_000 && !settled; i++) await next();
      return promise;
    },
  };
}
