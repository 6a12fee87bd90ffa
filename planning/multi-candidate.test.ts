import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { randomStream, type Random } from '../core/rng.ts';
import { multiCandidateRace } from './multi-candidate.ts';
import { expectedSamples, expectedVotes, pStep } from './reliability.ts';

type Winner = { kind: 'correct' } | { kind: 'wrong'; index: number } | { kind: 'junk' };

/**
 * The paper's `vote`, literally: tally canonical keys until one has k more than every other. Junk answers get
 * fresh keys that never repeat; red-flagged samples are dropped.
 */
function simulateVote(random: Random, correct: number, wrong: readonly number[], redFlag: number, k: number): { winner: Winner; samples: number } {
  const counts = new Map<string, number>();
  let samples = 0;
  let junk = 0;
  for (;;) {
    samples += 1;
    let u = random();
    if (u < redFlag) continue;
    u -= redFlag;
    let key: string;
    if (u < correct) key = 'correct';
    else {
      u -= correct;
      const index = wrong.findIndex((q) => (u -= q) < 0);
      key = index === -1 ? `junk-${junk++}` : `wrong-${index}`;
    }
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    let others = 0;
    for (const [other, n] of counts) if (other !== key && n > others) others = n;
    if (count >= k + others) {
      const winner: Winner = key === 'correct' ? { kind: 'correct' } : key.startsWith('wrong-') ? { kind: 'wrong', index: Number(key.slice(6)) } : { kind: 'junk' };
      return { winner, samples };
    }
  }
}

function proportionError(probability: number, n: number): number {
  return Math.sqrt(Math.max(probability * (1 - probability), 1 / n) / n);
}

const Z = 5;

describe('multiCandidateRace', () => {
  it('reduces to the two-candidate formulas with one wrong answer', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.55, max: 0.99, noNaN: true }), fc.integer({ min: 1, max: 8 }), fc.double({ min: 0, max: 0.5, noNaN: true }), (p, k, redFlag) => {
        const valid = 1 - redFlag;
        const race = multiCandidateRace({ correct: p * valid, wrong: [(1 - p) * valid], redFlag, k });
        expect(race.kind).toBe('converged');
        expect(race.pCorrect).toBeCloseTo(pStep(p, k), 10);
        expect(race.expectedVotes / expectedVotes(p, k)).toBeCloseTo(1, 9);
        expect(race.expectedSamples / expectedSamples(p, k, valid)).toBeCloseTo(1, 9);
      }),
      { numRuns: 40 },
    );
  });

  it('accounts for all mass: outcomes plus the error bound sum to one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 2, maxLength: 4 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        (weights, junkShare, k) => {
          // Weights become correct, wrong..., red flag; junk takes a share on top.
          const total = weights.reduce((a, b) => a + b, 0) / (1 - junkShare);
          const [correct, redFlag, ...wrong] = weights.map((w) => w / total) as [number, number, ...number[]];
          const race = multiCandidateRace({ correct, wrong, redFlag, k });
          const decided = race.pCorrect + race.pWrong.reduce((a, b) => a + b, 0) + race.pJunk;
          expect(decided).toBeLessThanOrEqual(1 + 1e-12);
          expect(decided + race.errorBound).toBeGreaterThanOrEqual(1 - 1e-12);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('decides on the first valid vote when k = 1, junk included', () => {
    const race = multiCandidateRace({ correct: 0.6, wrong: [0.2], redFlag: 0.1, k: 1 });
    expect(race.pCorrect).toBeCloseTo(0.6 / 0.9, 14);
    expect(race.pWrong[0]).toBeCloseTo(0.2 / 0.9, 14);
    expect(race.pJunk).toBeCloseTo(0.1 / 0.9, 14);
    expect(race.expectedSamples).toBeCloseTo(1 / 0.9, 14);
  });

  it('reports zero for a wrong answer that never occurs', () => {
    const race = multiCandidateRace({ correct: 0.8, wrong: [0, 0.2], k: 3 });
    expect(race.pWrong).toEqual([0, expect.closeTo(1 - pStep(0.8, 3), 10)]);
  });

  it('stops at maxVotes with kind truncated and an honest bound', () => {
    const race = multiCandidateRace({ correct: 0.55, wrong: [0.45], k: 8, maxVotes: 10 });
    expect(race.kind).toBe('truncated');
    expect(race.errorBound).toBeGreaterThan(0.1);
    expect(race.pCorrect + race.pWrong[0]! + race.errorBound).toBeCloseTo(1, 12);
  });

  it('handles k = 10 against three recurring wrong answers', () => {
    const race = multiCandidateRace({ correct: 0.6, wrong: [0.15, 0.1, 0.05], redFlag: 0.05, k: 10, epsilon: 1e-9 });
    expect(race.kind).toBe('converged');
    expect(race.errorBound).toBeLessThanOrEqual(1e-9);
    expect(1 - race.pCorrect).toBeLessThan(1e-5);
  });

  it('rejects a distribution that sums past one, quoting the sum', () => {
    expect(() => multiCandidateRace({ correct: 0.7, wrong: [0.4], k: 2 })).toThrow(InputError);
    expect(() => multiCandidateRace({ correct: 0.7, wrong: [0.4], k: 2 })).toThrow('Expected `correct` + `wrong` + `redFlag` to be at most 1, got `1.1`');
  });

  it('rejects a race only junk can enter when k >= 2', () => {
    expect(() => multiCandidateRace({ correct: 0, wrong: [], redFlag: 0.2, k: 2 })).toThrow(/junk alone never decides/);
  });

  it('rejects k = 0', () => {
    expect(() => multiCandidateRace({ correct: 0.9, k: 0 })).toThrow('Expected `k` to be an integer >= 1, got `0`');
  });
});

describe('Monte Carlo of the multi-candidate race', () => {
  const cases = [
    { correct: 0.55, wrong: [0.25, 0.1], redFlag: 0.05, k: 3 },
    { correct: 0.5, wrong: [0.3], redFlag: 0.1, k: 2 },
    { correct: 0.45, wrong: [0.2, 0.15, 0.05], redFlag: 0.05, k: 4 },
    { correct: 0.6, wrong: [0.1], redFlag: 0, k: 1 },
    { correct: 0.4, wrong: [0.35], redFlag: 0.15, k: 5 },
  ];

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('agrees with the exact programme within 5 standard errors: %s', (_name, c) => {
    const trials = 20_000;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        // Arrange
        const random = randomStream(seed);
        const exact = multiCandidateRace({ ...c, epsilon: 1e-9 });

        // Act
        const runs = Array.from({ length: trials }, () => simulateVote(random, c.correct, c.wrong, c.redFlag, c.k));

        // Assert
        const share = (test: (winner: Winner) => boolean): number => runs.filter((run) => test(run.winner)).length / trials;
        const checks: [number, number][] = [
          [share((w) => w.kind === 'correct'), exact.pCorrect],
          [share((w) => w.kind === 'junk'), exact.pJunk],
          ...c.wrong.map((_, i): [number, number] => [share((w) => w.kind === 'wrong' && w.index === i), exact.pWrong[i]!]),
        ];
        for (const [observed, predicted] of checks) {
          expect(Math.abs(observed - predicted)).toBeLessThan(Z * proportionError(predicted, trials) + exact.errorBound);
        }
        const samples = runs.map((run) => run.samples);
        const mean = samples.reduce((a, b) => a + b, 0) / trials;
        const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (trials - 1));
        expect(Math.abs(mean - exact.expectedSamples)).toBeLessThanOrEqual(Z * (sd / Math.sqrt(trials)) + 1e-9);
      }),
      { numRuns: 2 },
    );
  });
});
