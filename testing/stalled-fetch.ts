/**
 * A test double for the HTTP client's own timeout: `fetch` replaced by one that never answers, timers faked, and
 * the time from sending to the client abandoning the request measured. For the package's tests; not exported.
 */
import { expect, vi } from 'vitest';
import type { LanguageModel } from '../core/model.ts';

/**
 * Milliseconds after which the HTTP client of the model `build` makes abandons a request that is never answered.
 * Restore with `vi.useRealTimers()` and `vi.unstubAllGlobals()` after each test.
 */
export async function clientGivesUpAfterMs(build: () => LanguageModel): Promise<number> {
  let sentAt: number | undefined;
  let abortedAt: number | undefined;
  vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
    sentAt = Date.now();
    return new Promise((_resolve, reject) => {
      init.signal!.addEventListener('abort', () => {
        abortedAt = Date.now();
        reject(init.signal!.reason as Error);
      });
    });
  });
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const outcome = build().generate({ messages: [{ role: 'user', content: 'hi' }], temperature: 0, maxOutputTokens: 5 }).catch((error: unknown) => error);
  await vi.runAllTimersAsync();
  expect(await outcome).toBeInstanceOf(Error);
  expect(sentAt).toBeDefined();
  expect(abortedAt).toBeDefined();
  return abortedAt! - sentAt!;
}
