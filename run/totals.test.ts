import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyCallTally } from '../dispatch/dispatcher.ts';
import type { VoteStats } from '../voting/sampler.ts';
import { addDispatchEvents, addDollars, addSpend, addStepStats, emptyTotals, NO_DISPATCH_EVENTS, tallyEvents } from './totals.ts';

const stats = (overrides: Partial<VoteStats> = {}): VoteStats => ({
  samples: 4,
  votes: 3,
  rounds: 2,
  aborted: 1,
  redFlags: { truncated: 1 },
  tally: new Map([['a', 3]]),
  voteKeys: ['a', 'a', 'a'],
  promptTokens: 100,
  completionTokens: 40,
  costUsd: 0.25,
  latencyMs: 12,
  ...overrides,
});

describe('addStepStats', () => {
  it('adds a decided call: one step, its spend, and the histogram of samples', () => {
    const totals = emptyTotals();
    addStepStats(totals, stats(), true, false);
    expect(totals).toEqual({
      ...emptyTotals(),
      steps: 1,
      samples: 4,
      votes: 3,
      redFlags: 1,
      redFlagsByRule: { truncated: 1 },
      aborted: 1,
      promptTokens: 100,
      completionTokens: 40,
      costUsd: 0.25,
      maxSamplesInStep: 4,
      maxRoundsInStep: 2,
      samplesPerStep: { 4: 1 },
    });
  });

  it('counts an error only for a call the oracle says is wrong, not for one without an oracle', () => {
    const totals = emptyTotals();
    addStepStats(totals, stats(), false, false);
    addStepStats(totals, stats(), undefined, false);
    addStepStats(totals, stats(), true, false);
    expect(totals.errors).toBe(1);
    expect(totals.steps).toBe(3);
  });

  it('counts the calls whose first two votes both missed', () => {
    const totals = emptyTotals();
    addStepStats(totals, stats(), true, true);
    addStepStats(totals, stats(), true, false);
    addStepStats(totals, stats(), false, true);
    expect(totals.firstTwoWrong).toBe(2);
  });

  it('keeps the most samples and the most rounds any one call needed, each on its own', () => {
    const totals = emptyTotals();
    addStepStats(totals, stats({ samples: 9, rounds: 2 }), true, false);
    addStepStats(totals, stats({ samples: 3, rounds: 5 }), true, false);
    addStepStats(totals, stats({ samples: 9, rounds: 1 }), true, false);
    expect(totals.maxSamplesInStep).toBe(9);
    expect(totals.maxRoundsInStep).toBe(5);
    expect(totals.samplesPerStep).toEqual({ 9: 2, 3: 1 });
  });

  it('property: the maxima and the histogram are those of the calls added, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ samples: fc.integer({ min: 1, max: 30 }), rounds: fc.integer({ min: 1, max: 10 }) }), { minLength: 1, maxLength: 20 }), (calls) => {
        const totals = emptyTotals();
        for (const call of calls) addStepStats(totals, stats(call), true, false);
        expect(totals.maxSamplesInStep).toBe(Math.max(...calls.map((call) => call.samples)));
        expect(totals.maxRoundsInStep).toBe(Math.max(...calls.map((call) => call.rounds)));
        const histogram: Record<number, number> = {};
        for (const { samples } of calls) histogram[samples] = (histogram[samples] ?? 0) + 1;
        expect(totals.samplesPerStep).toEqual(histogram);
      }),
    );
  });
});

describe('addSpend', () => {
  it('adds what an undecided call spent without counting it as a step', () => {
    const totals = emptyTotals();
    addSpend(totals, stats({ redFlags: { truncated: 2, 'too-long': 1 } }));
    addSpend(totals, stats({ redFlags: { truncated: 1 } }));
    expect(totals).toMatchObject({ steps: 0, samples: 8, votes: 6, aborted: 2, promptTokens: 200, completionTokens: 80, costUsd: 0.5, redFlags: 4 });
    expect(totals.redFlagsByRule).toEqual({ truncated: 3, 'too-long': 1 });
    expect(totals.maxSamplesInStep).toBe(0);
    expect(totals.samplesPerStep).toEqual({});
  });
});

describe('addDollars', () => {
  it('sums to the nearest 1e-10 dollar, whatever the order of the terms', () => {
    expect(addDollars(0.1, 0.2)).toBe(0.3);
    expect(addDollars(1, 2)).toBe(3);
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { maxLength: 30 }), (amounts) => {
        const forward = amounts.reduce(addDollars, 0);
        const backward = [...amounts].reverse().reduce(addDollars, 0);
        expect(backward).toBe(forward);
        expect(Math.abs(forward - amounts.reduce((a, b) => a + b, 0))).toBeLessThan(1e-8);
      }),
    );
  });
});

describe('tallyEvents and addDispatchEvents', () => {
  it('shares the empty events for a call that met nothing', () => {
    expect(tallyEvents(emptyCallTally())).toBe(NO_DISPATCH_EVENTS);
  });

  it("keeps a failed call's last fault, though no retry followed it", () => {
    const tally = { retries: 0, faults: { 'server-error': 1 } };
    expect(tallyEvents(tally)).toEqual({ retries: 0, faults: { 'server-error': 1 } });
    const totals = emptyTotals();
    addDispatchEvents(totals, tallyEvents(tally));
    expect(totals.faults).toEqual({ 'server-error': 1 });
  });

  it('keeps retries and faults, summing them by kind over calls', () => {
    const totals = emptyTotals();
    addDispatchEvents(totals, tallyEvents({ retries: 2, faults: { 'rate-limit': 2 } }));
    addDispatchEvents(totals, tallyEvents({ retries: 1, faults: { 'rate-limit': 1, timeout: 1 } }));
    addDispatchEvents(totals, NO_DISPATCH_EVENTS);
    expect(totals.retries).toBe(3);
    expect(totals.faults).toEqual({ 'rate-limit': 3, timeout: 1 });
  });

  it('adds to totals saved before faults and retries were counted', () => {
    const { retries: _, faults: __, ...old } = emptyTotals();
    const totals = old as ReturnType<typeof emptyTotals>;
    addDispatchEvents(totals, { retries: 1, faults: { timeout: 1 } });
    expect(totals.retries).toBe(1);
    expect(totals.faults).toEqual({ timeout: 1 });
  });
});
