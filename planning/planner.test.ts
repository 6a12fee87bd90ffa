import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { findProfile, MODEL_PROFILES } from '../models/profiles.ts';
import { plan, plannerProfileFrom, type PlannerProfile } from './planner.ts';
import { kMin } from './reliability.ts';

const PAPER_STEPS = 1_048_575;

describe('plan', () => {
  it('picks gpt-oss-20b among the paper models, as the paper table does', () => {
    // Arrange
    const profiles = MODEL_PROFILES.map((profile) => plannerProfileFrom(profile));

    // Act
    const result = plan({ steps: PAPER_STEPS, target: 0.95, profiles });

    // Assert
    expect(result.kind).toBe('planned');
    if (result.kind !== 'planned') return;
    expect(result.best.profile).toBe('gpt-oss-20b');
    expect(result.best.k).toBe(6);
    expect(result.best.m).toBe(1);
  });

  it('lists the model that is never right as infeasible, last', () => {
    const profiles = MODEL_PROFILES.map((profile) => plannerProfileFrom(profile));
    const result = plan({ steps: PAPER_STEPS, target: 0.95, profiles });
    expect(result.candidates.at(-1)).toMatchObject({ kind: 'infeasible', profile: 'llama-3.2-3b' });
  });

  it('is infeasible when no model is right more often than not', () => {
    const result = plan({ steps: 100, target: 0.9, profiles: [plannerProfileFrom(findProfile('llama-3.2-3b')!)] });
    expect(result.kind).toBe('infeasible');
  });

  it('chooses several steps per call when the prompt, not the answer, is what costs', () => {
    const profile: PlannerProfile = { name: 'long-prompt', p: 0.9999, inputTokens: 20_000, outputTokensPerStep: 20, inputUsdPerMillion: 1, outputUsdPerMillion: 1 };
    const result = plan({ steps: 10_000, target: 0.95, profiles: [profile], maxM: 8 });
    expect(result.kind).toBe('planned');
    if (result.kind !== 'planned') return;
    expect(result.best.m).toBeGreaterThan(1);
  });

  it('returns the cheapest feasible option, each at its kMin', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            p: fc.double({ min: 0.3, max: 0.9999, noNaN: true }),
            v: fc.double({ min: 0.5, max: 1, noNaN: true }),
            inputTokens: fc.integer({ min: 0, max: 5000 }),
            outputTokensPerStep: fc.integer({ min: 1, max: 2000 }),
            inputUsdPerMillion: fc.double({ min: 0, max: 5, noNaN: true }),
            outputUsdPerMillion: fc.double({ min: 0.01, max: 20, noNaN: true }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0.5, max: 0.999, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        (records, steps, target, maxM) => {
          const profiles = records.map((record, i) => ({ name: `model-${i}`, ...record }));
          const result = plan({ steps, target, profiles, maxM });
          for (const candidate of result.candidates) {
            if (candidate.kind !== 'feasible') continue;
            const profile = profiles.find((p) => p.name === candidate.profile)!;
            expect(candidate.k).toBe(kMin(profile.p, steps, target, candidate.m));
            expect(candidate.estimate.pFull).toBeGreaterThanOrEqual(target);
            if (result.kind === 'planned') expect(result.best.estimate.expectedCostUsd).toBeLessThanOrEqual(candidate.estimate.expectedCostUsd);
          }
          expect(result.kind === 'planned').toBe(result.candidates.some((candidate) => candidate.kind === 'feasible'));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects an empty profile list and bad fields with the value quoted', () => {
    expect(() => plan({ steps: 10, target: 0.9, profiles: [] })).toThrow(InputError);
    expect(() => plan({ steps: 10, target: 0.9, profiles: [{ name: 'x', p: 2, outputTokensPerStep: 1, inputUsdPerMillion: 0, outputUsdPerMillion: 0 }] })).toThrow(
      'Expected `profiles[0].p` to be a number in [0, 1], got `2`',
    );
  });
});
