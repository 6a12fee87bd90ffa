import { describe, expect, it } from 'vitest';
import { manualClock } from '../core/clock.ts';
import { TokenBucket } from './rate-limit.ts';

describe('TokenBucket', () => {
  it('lets a burst through at once, then spaces takers by the refill rate', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ perMinute: 60, burst: 2, clock: clock.now, sleep: clock.sleep });
    const granted: number[] = [];
    const takers = [0, 1, 2, 3].map(() => bucket.take(1).then(() => granted.push(clock.now())));
    await clock.advance(0);
    expect(granted).toEqual([0, 0]);
    await clock.advance(1000);
    expect(granted).toEqual([0, 0, 1000]);
    await clock.advance(1000);
    await Promise.all(takers);
    expect(granted).toEqual([0, 0, 1000, 2000]);
  });

  it('serves a take larger than the burst once the bucket is full, leaving it in debt', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ perMinute: 6000, burst: 100, clock: clock.now, sleep: clock.sleep });
    await bucket.take(250);
    expect(bucket.available()).toBe(-150);
    const next = bucket.take(100);
    let done = false;
    void next.then(() => (done = true));
    await clock.advance(2000);
    expect(done).toBe(false);
    await clock.advance(500);
    expect(done).toBe(true);
  });

  it('gives back what a call did not use, up to the burst', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ perMinute: 600, burst: 50, clock: clock.now, sleep: clock.sleep });
    await bucket.take(40);
    bucket.refund(30);
    expect(bucket.available()).toBe(40);
    bucket.refund(1000);
    expect(bucket.available()).toBe(50);
  });

  it('stops waiting when the signal aborts', async () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ perMinute: 1, burst: 1, clock: clock.now, sleep: clock.sleep });
    await bucket.take(1);
    const controller = new AbortController();
    const waiting = bucket.take(1, controller.signal);
    await clock.advance(10);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects a bad rate, quoting it', () => {
    expect(() => new TokenBucket({ perMinute: 0 })).toThrow('Expected `perMinute` to be a number > 0, got `0`');
  });

  it('rejects a burst of 0 or less, quoting it', () => {
    expect(() => new TokenBucket({ perMinute: 60, burst: 0 })).toThrow('Expected `burst` to be a number > 0, got `0`');
    expect(() => new TokenBucket({ perMinute: 60, burst: -1 })).toThrow('Expected `burst` to be a number > 0, got `-1`');
    expect(() => new TokenBucket({ perMinute: 60, burst: Number.NaN })).toThrow('Expected `burst` to be a number > 0, got `NaN`');
  });
});
