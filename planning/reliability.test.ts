import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { MODEL_PROFILES } from '../models/profiles.ts';
import { randomStream, type Random } from '../core/rng.ts';
import {
  anyStepExceeds,
  estimateRun,
  expectedSamples,
  expectedVotes,
  kMin,
  kMinClosedForm,
  logOdds,
  logPFull,
  pCall,
  pFull,
  pStep,
  pStepFailure,
  sampleCap,
  undecidedAfter,
  undecidedTail,
} from './reliability.ts';

const PAPER_STEPS = 1_048_575;

/** One two-candidate race as the paper runs it: samples until one side leads by k; red flags are not votes. */
function simulateRace(random: Random, p: number, k: number, v = 1): { correct: boolean; samples: number } {
  let margin = 0;
  let samples = 0;
  while (Math.abs(margin) < k) {
    samples += 1;
    if (random() >= v) continue;
    margin += random() < p ? 1 : -1;
  }
  return { correct: margin > 0, samples };
}

/** Mean and standard error of a list of numbers. */
function meanAndError(values: readonly number[]): { mean: number; error: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, error: Math.sqrt(variance / values.length) };
}

/** Standard error of a proportion estimated from n trials, floored so rare events do not demand exact equality. */
function proportionError(probability: number, n: number): number {
  return Math.sqrt(Math.max(probability * (1 - probability), 1 / n) / n);
}

const Z = 5;

describe('kMin against the paper', () => {
  const rows = MODEL_PROFILES.filter((profile) => profile.errorRate < 1 && profile.paperKMin !== undefined);

  it.each(rows.map((profile) => [profile.name, profile] as const))('reproduces the paper k_min for %s', (_name, profile) => {
    // Arrange
    const p = 1 - profile.errorRate;

    // Act
    const k = kMin(p, PAPER_STEPS, 0.95);

    // Assert
    expect(k).toBe(profile.paperKMin);
    expect(kMinClosedForm(p, PAPER_STEPS, 0.95)).toBe(profile.paperKMin);
  });

  it('rejects a model that is never right (llama-3.2-3b) with an InputError', () => {
    const llama = MODEL_PROFILES.find((profile) => profile.errorRate >= 1)!;
    expect(() => kMin(1 - llama.errorRate, PAPER_STEPS, 0.95)).toThrow(InputError);
  });
});

describe('kMin', () => {
  it('is the least k whose predicted success reaches the target', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 1, noNaN: true, minExcluded: true, maxExcluded: true }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.double({ min: 1e-6, max: 0.999999, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        (p, s, t, m) => {
          fc.pre(p ** m > 0.5 + 1e-9);
          const k = kMin(p, s, t, m);
          expect(pFull(p, k, s, m)).toBeGreaterThanOrEqual(t);
          if (k > 1) expect(pFull(p, k - 1, s, m)).toBeLessThan(t);
          // The closed form is off by at most one, and only through rounding at the boundary.
          expect(Math.abs(k - Math.max(1, kMinClosedForm(p, s, t, m)))).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('grows like ln s', () => {
    const ks = [1e3, 1e4, 1e5, 1e6, 1e7].map((s) => kMin(0.9, s, 0.95));
    const steps = ks.slice(1).map((k, i) => k - ks[i]!);
    for (const step of steps) expect(step).toBeGreaterThanOrEqual(1);
    for (const step of steps) expect(step).toBeLessThanOrEqual(2);
  });

  it('is 1 for a perfect model', () => {
    expect(kMin(1, 10_000_000, 0.999)).toBe(1);
  });

  it('rejects p at or below one half, quoting the value', () => {
    expect(() => kMin(0.5, 100, 0.9)).toThrow('Expected `p` to be > 0.5 so that voting converges, got `0.5`');
  });

  it('rejects steps per call whose joint success is at most one half', () => {
    expect(() => kMin(0.9, 100, 0.9, 7)).toThrow(/p\^m/);
  });

  it('rejects non-integer steps and targets outside (0, 1)', () => {
    expect(() => kMin(0.9, 10.5, 0.9)).toThrow('Expected `steps` to be an integer >= 1, got `10.5`');
    expect(() => kMin(0.9, 10, 1)).toThrow('Expected `target` to be a number in (0, 1), got `1`');
  });
});

describe('pStep and pFull', () => {
  it('pStep and pStepFailure sum to one and follow 1 / (1 + r^k)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer({ min: 1, max: 40 }), (p, k) => {
        const r = (1 - p) / p;
        expect(pStep(p, k) + pStepFailure(p, k)).toBeCloseTo(1, 14);
        expect(pStep(p, k)).toBeCloseTo(1 / (1 + r ** k), 12);
      }),
    );
  });

  it('keeps full relative precision for tiny failure probabilities', () => {
    // r = 1e-3 / 0.999; r^10 ~ 1e-30, far below what 1 - pStep could show.
    const p = 0.999;
    expect(pStepFailure(p, 10) / ((1 - p) / p) ** 10).toBeCloseTo(1, 10);
  });

  it('is stable for a million-step task with p near 1', () => {
    // ln pFull = -s · ln(1 + r^k); with r ~ 1e-9 the series r - r²/2 is exact to double precision.
    const p = 1 - 1e-9;
    const r = (1 - p) / p;
    const s = 10_000_000;
    expect(logPFull(p, 1, s) / (-s * (r - (r * r) / 2))).toBeCloseTo(1, 12);
    expect(pFull(p, 2, s)).toBeGreaterThan(1 - 1e-10);
  });

  it('uses p^m per call and s / m calls', () => {
    const p = 0.99;
    expect(pFull(0.99, 3, 1000, 2) / pStep(p * p, 3) ** 500).toBeCloseTo(1, 12);
    expect(pCall(p, 2)).toBeCloseTo(p * p, 15);
  });

  it('logOdds is exact near one half and at the ends', () => {
    expect(logOdds(0.5)).toBe(0);
    expect(logOdds(0.5 + 1e-12) / 4e-12).toBeCloseTo(1, 3);
    expect(logOdds(1)).toBe(Infinity);
    expect(logOdds(0)).toBe(-Infinity);
  });
});

describe('expectedVotes', () => {
  it('equals the paper formula (k / (2p - 1)) (1 - r^k) / (1 + r^k)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.55, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 30 }), (p, k) => {
        const r = (1 - p) / p;
        const paper = (k / (2 * p - 1)) * ((1 - r ** k) / (1 + r ** k));
        expect(expectedVotes(p, k) / paper).toBeCloseTo(1, 10);
      }),
    );
  });

  it('has the limit k² at p = 1/2 and is continuous through it', () => {
    expect(expectedVotes(0.5, 7)).toBe(49);
    expect(expectedVotes(0.5 + 1e-9, 7)).toBeCloseTo(49, 9);
    expect(expectedVotes(0.5 - 1e-9, 7)).toBeCloseTo(49, 9);
  });

  it('is k for a perfect model', () => {
    expect(expectedVotes(1, 5)).toBe(5);
  });

  it('divides by v for samples', () => {
    expect(expectedSamples(0.8, 4, 0.5)).toBeCloseTo(2 * expectedVotes(0.8, 4), 12);
  });

  it('is the sum of the undecided tail, with and without red flags', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.55, max: 0.99, noNaN: true }),
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 0.3, max: 1, noNaN: true }),
        (p, k, v) => {
          const tail = undecidedTail(p, k, 4000, v);
          const sum = tail.reduce((a, b) => a + b, 0);
          expect(sum / expectedSamples(p, k, v)).toBeCloseTo(1, 9);
        },
      ),
    );
  });
});

describe('Monte Carlo of the two-candidate race', () => {
  it('agrees with pStep, expectedSamples and the undecided tail within 5 standard errors', () => {
    const trials = 20_000;
    fc.assert(
      fc.property(
        fc.double({ min: 0.55, max: 0.95, noNaN: true }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(1, 0.8, 0.5),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (p, k, v, seed) => {
          // Arrange
          const random = randomStream(seed);
          const races = Array.from({ length: trials }, () => simulateRace(random, p, k, v));

          // Act
          const wins = races.filter((race) => race.correct).length / trials;
          const samples = meanAndError(races.map((race) => race.samples));

          // Assert
          const exact = pStep(p, k);
          expect(Math.abs(wins - exact)).toBeLessThan(Z * proportionError(exact, trials));
          expect(Math.abs(samples.mean - expectedSamples(p, k, v))).toBeLessThanOrEqual(Z * samples.error + 1e-9);
          for (const j of [k, 2 * k, 4 * k]) {
            const undecided = races.filter((race) => race.samples > j).length / trials;
            const predicted = undecidedAfter(p, k, j, v);
            expect(Math.abs(undecided - predicted)).toBeLessThan(Z * proportionError(predicted, trials));
          }
        },
      ),
      { numRuns: 6 },
    );
  });
});

describe('undecidedAfter, anyStepExceeds and sampleCap', () => {
  it('decides every k = 1 race on its first vote', () => {
    expect(undecidedAfter(0.7, 1, 1)).toBe(0);
    expect(undecidedAfter(0.7, 1, 1, 0.75)).toBeCloseTo(0.25, 15);
  });

  it('needs at least k votes', () => {
    expect(undecidedAfter(0.9, 5, 4)).toBe(1);
    expect(undecidedAfter(0.9, 5, 5)).toBeCloseTo(1 - 0.9 ** 5 - 0.1 ** 5, 14);
  });

  it('sampleCap is the least cap whose whole-run risk is within bounds', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.6, max: 0.999, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.double({ min: 1e-6, max: 0.5, noNaN: true }),
        (p, k, s, risk) => {
          const cap = sampleCap(p, k, s, risk);
          expect(anyStepExceeds(p, k, s, cap)).toBeLessThanOrEqual(risk);
          expect(anyStepExceeds(p, k, s, cap - 1)).toBeGreaterThan(risk);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('anyStepExceeds keeps precision when the per-step tail is tiny', () => {
    const tail = undecidedAfter(0.99, 3, 30);
    expect(anyStepExceeds(0.99, 3, 1_000_000, 30) / (1_000_000 * tail)).toBeCloseTo(1, 6);
  });
});

describe('estimateRun', () => {
  it('defaults k to kMin and meets the target', () => {
    const estimate = estimateRun({ p: 0.9978, steps: PAPER_STEPS, target: 0.95 });
    expect(estimate.k).toBe(3);
    expect(estimate.meetsTarget).toBe(true);
    expect(estimate.pFull).toBeGreaterThanOrEqual(0.95);
  });

  it('charges every sample, red-flagged ones included', () => {
    const estimate = estimateRun({
      p: 0.9,
      steps: 1000,
      target: 0.9,
      k: 4,
      v: 0.8,
      inputTokens: 1000,
      outputTokens: 500,
      inputUsdPerMillion: 1,
      outputUsdPerMillion: 4,
    });
    const samples = (1000 * expectedVotes(0.9, 4)) / 0.8;
    expect(estimate.expectedSamples).toBeCloseTo(samples, 8);
    expect(estimate.costPerSampleUsd).toBeCloseTo(0.003, 15);
    expect(estimate.expectedCostUsd).toBeCloseTo(samples * 0.003, 8);
  });

  it('reports a given k that falls short', () => {
    const estimate = estimateRun({ p: 0.9, steps: 1_000_000, target: 0.95, k: 2 });
    expect(estimate.meetsTarget).toBe(false);
  });

  it('rejects bad options with the value quoted', () => {
    expect(() => estimateRun({ p: 0.9, steps: 10, target: 0.9, k: 0 })).toThrow('Expected `k` to be an integer >= 1, got `0`');
    expect(() => estimateRun({ p: 0.9, steps: 10, target: 0.9, v: 0 })).toThrow('Expected `v` to be a number in (0, 1], got `0`');
    expect(() => estimateRun({ p: 1.5, steps: 10, target: 0.9 })).toThrow('Expected `p` to be a number in [0, 1], got `1.5`');
  });
});
