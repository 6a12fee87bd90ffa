import { describe, expect, it } from 'vitest';
import { manualClock } from './clock.ts';

describe('manualClock', () => {
  it('drives a promise through its sleeps, moving time only as far as they ask', async () => {
    const clock = manualClock(100);
    const work = async () => {
      await clock.sleep(50);
      await clock.sleep(25);
      return clock.now();
    };
    expect(await clock.drive(work())).toBe(175);
    expect(clock.sleeps).toEqual([50, 25]);
  });

  it('passes a rejection through, and returns when nothing is left to wait for', async () => {
    const clock = manualClock();
    const failing = clock.sleep(10).then(() => Promise.reject(new Error('late')));
    await expect(clock.drive(failing)).rejects.toThrow('late');
    expect(clock.now()).toBe(10);
    const never = new Promise<never>(() => undefined);
    let settled = false;
    void clock.drive(never).finally(() => (settled = true));
    expect(await clock.next()).toBe(false);
    expect(settled).toBe(false);
  });
});
