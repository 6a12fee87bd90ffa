import { describe, expect, it } from 'vitest';
import { ensembleCycle, ensembleMember } from './ensemble.ts';

describe('ensembleCycle', () => {
  it('interleaves members in proportion to their weights', () => {
    expect(ensembleCycle([1, 1])).toEqual([0, 1]);
    expect(ensembleCycle([2, 1])).toEqual([0, 1, 0]);
    const cycle = ensembleCycle([3, 1, 2]);
    expect(cycle).toHaveLength(6);
    expect([0, 1, 2].map((member) => cycle.filter((m) => m === member).length)).toEqual([3, 1, 2]);
  });

  it('rotates by step, so each member draws the first sample of some steps', () => {
    const cycle = ensembleCycle([1, 1, 1]);
    expect([0, 1, 2].map((step) => ensembleMember(cycle, step, 0))).toEqual([0, 1, 2]);
    expect([0, 1, 2, 3].map((sample) => ensembleMember(cycle, 0, sample))).toEqual([0, 1, 2, 0]);
  });

  it('rejects weights that are not small positive integers', () => {
    expect(() => ensembleCycle([1, 0.5])).toThrow('Expected ensemble weights to be integers from 1 to 1000, got `0.5`');
    expect(() => ensembleCycle([])).toThrow(/at least one member/);
  });

  it('accepts weights from 1 to 1000 and rejects 0, negatives and more than 1000, quoting the weight', () => {
    expect(ensembleCycle([1000, 1])).toHaveLength(1001);
    expect(() => ensembleCycle([1, 0])).toThrow('Expected ensemble weights to be integers from 1 to 1000, got `0`');
    expect(() => ensembleCycle([-2])).toThrow('Expected ensemble weights to be integers from 1 to 1000, got `-2`');
    expect(() => ensembleCycle([1001, 1])).toThrow('Expected ensemble weights to be integers from 1 to 1000, got `1001`');
  });
});
