import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Budget } from './budget.ts';
import { manualClock } from '../core/clock.ts';

describe('Budget', () => {
  it('refuses the call that could take spend past a cap, counting the worst case of calls in flight', () => {
    const budget = new Budget({ dollars: 1 }, () => 0);
    const worst = { tokens: 100, dollars: 0.4 };
    expect(budget.reserve(worst)).toBeUndefined();
    expect(budget.reserve(worst)).toBeUndefined();
    // Two calls in flight could cost 0.8; a third could reach 1.2.
    expect(budget.reserve(worst)).toBe('dollars');
    expect(budget.exhausted).toBe('dollars');
  });

  it('stays refused once refused, even when calls come back cheaper than feared', () => {
    const budget = new Budget({ dollars: 1 }, () => 0);
    const worst = { tokens: 100, dollars: 0.6 };
    budget.reserve(worst);
    expect(budget.reserve(worst)).toBe('dollars');
    budget.release(worst);
    budget.record(10, 0.01);
    expect(budget.reserve({ tokens: 1, dollars: 0.001 })).toBe('dollars');
  });

  it('caps calls exactly, and wall time from its clock', async () => {
    const calls = new Budget({ calls: 2 }, () => 0);
    expect([calls.reserve({ tokens: 0, dollars: 0 }), calls.reserve({ tokens: 0, dollars: 0 }), calls.reserve({ tokens: 0, dollars: 0 })]).toEqual([undefined, undefined, 'calls']);
    const clock = manualClock();
    const time = new Budget({ seconds: 5 }, clock.now, { seconds: 2 });
    expect(time.reserve({ tokens: 0, dollars: 0 })).toBeUndefined();
    await clock.advance(3000);
    expect(time.reserve({ tokens: 0, dollars: 0 })).toBe('seconds');
    expect(time.report()).toMatchObject({ exhausted: 'seconds', spent: { calls: 1, seconds: 5 } });
  });

  it('property: with actual costs at most the worst case, spend never passes the cap', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.array(fc.record({ worst: fc.double({ min: 0, max: 1, noNaN: true }), share: fc.double({ min: 0, max: 1, noNaN: true }), settleNow: fc.boolean() }), { maxLength: 200 }),
        (cap, calls) => {
          const budget = new Budget({ dollars: cap }, () => 0);
          const inFlight: Array<{ worst: number; actual: number }> = [];
          let spent = 0;
          const settle = (call: { worst: number; actual: number }) => {
            budget.release({ tokens: 0, dollars: call.worst });
            budget.record(0, call.actual);
            spent += call.actual;
          };
          for (const call of calls) {
            if (budget.reserve({ tokens: 0, dollars: call.worst }) !== undefined) break;
            const entry = { worst: call.worst, actual: call.worst * call.share };
            if (call.settleNow) settle(entry);
            else inFlight.push(entry);
          }
          for (const entry of inFlight) settle(entry);
          expect(spent).toBeLessThanOrEqual(cap + 1e-9);
        },
      ),
    );
  });

  it('rejects a negative cap, quoting it', () => {
    expect(() => new Budget({ tokens: -5 }, () => 0)).toThrow('Expected the `tokens` budget to be a number >= 0, got `-5`');
  });

  it('refuses a token cap exactly at the limit, counting the worst case of calls in flight, and frees it on release', () => {
    const budget = new Budget({ tokens: 1000 }, () => 0);
    const worst = { tokens: 400, dollars: 0 };
    expect(budget.reserve(worst)).toBeUndefined();
    // 400 in flight + 600 = 1000: exactly at the cap fits.
    expect(budget.reserve({ tokens: 600, dollars: 0 })).toBeUndefined();
    budget.release({ tokens: 600, dollars: 0 });
    budget.record(100, 0);
    // 100 spent + 400 in flight + 500 = 1000 fits; one more token would not.
    expect(budget.reserve({ tokens: 500, dollars: 0 })).toBeUndefined();
    expect(budget.reserve({ tokens: 1, dollars: 0 })).toBe('tokens');
    expect(budget.exhausted).toBe('tokens');
    expect(budget.report().exhausted).toBe('tokens');
  });

  it('counts tokens already spent and every call in flight against the token cap', () => {
    const spentFirst = new Budget({ tokens: 1000 }, () => 0);
    spentFirst.record(900, 0);
    expect(spentFirst.reserve({ tokens: 200, dollars: 0 })).toBe('tokens');

    const inFlight = new Budget({ tokens: 1000 }, () => 0);
    expect(inFlight.reserve({ tokens: 700, dollars: 0 })).toBeUndefined();
    expect(inFlight.reserve({ tokens: 200, dollars: 0 })).toBeUndefined();
    // 900 reserved: a call of up to 200 more could reach 1100.
    expect(inFlight.reserve({ tokens: 200, dollars: 0 })).toBe('tokens');
  });

  it('lets a released reservation be reserved again, for tokens as for dollars', () => {
    const budget = new Budget({ tokens: 1000, dollars: 1 }, () => 0);
    const worst = { tokens: 800, dollars: 0.75 };
    for (let call = 0; call < 5; call++) {
      expect(budget.reserve(worst)).toBeUndefined();
      budget.release(worst);
    }
    expect(budget.spent().calls).toBe(5);
  });

  it('accepts spend exactly at the dollar cap', () => {
    const budget = new Budget({ dollars: 1 }, () => 0);
    budget.record(0, 0.25);
    expect(budget.reserve({ tokens: 0, dollars: 0.5 })).toBeUndefined();
    expect(budget.reserve({ tokens: 0, dollars: 0.25 })).toBeUndefined();
    expect(budget.reserve({ tokens: 0, dollars: 0.125 })).toBe('dollars');
  });

  it('measures wall time from when it was made, whatever the clock read then', async () => {
    const clock = manualClock(50_000);
    const budget = new Budget({ seconds: 10 }, clock.now);
    await clock.advance(2500);
    expect(budget.spent().seconds).toBe(2.5);
    expect(budget.reserve({ tokens: 0, dollars: 0 })).toBeUndefined();
    await clock.advance(7500);
    expect(budget.reserve({ tokens: 0, dollars: 0 })).toBe('seconds');
  });

  it('accepts a cap of 0, which refuses the first call', () => {
    const budget = new Budget({ calls: 0 }, () => 0);
    expect(budget.reserve({ tokens: 0, dollars: 0 })).toBe('calls');
    expect(() => new Budget({ tokens: 0, dollars: 0, seconds: 0 }, () => 0)).not.toThrow();
  });
});
