import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { AheadByKRace } from './ahead-by-k.ts';

const votes = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 200 });

describe('AheadByKRace', () => {
  it('decides only when the winner leads every rival by at least k', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), votes, (k, sequence) => {
        const race = new AheadByKRace(k);
        for (const key of sequence) {
          const status = race.vote(key);
          const counts = [...race.tally.entries()];
          const mine = race.tally.get(key)!;
          const best = Math.max(0, ...counts.filter(([other]) => other !== key).map(([, n]) => n));
          if (status.kind === 'decided') {
            expect(mine - best).toBeGreaterThanOrEqual(k);
            expect(race.winner).toBe(key);
            return;
          }
          // Undecided: no candidate leads by k yet.
          expect(race.margin()).toBeLessThan(k);
          expect(status.needed).toBe(k - race.margin());
        }
      }),
    );
  });

  it('decides on the first k votes when they agree', () => {
    const race = new AheadByKRace(3);
    expect(race.vote('x').kind).toBe('undecided');
    expect(race.vote('x').kind).toBe('undecided');
    expect(race.vote('x')).toEqual({ kind: 'decided', key: 'x' });
    expect(race.needed()).toBe(0);
  });

  it('measures the lead against the strongest rival, whichever was voted for last', () => {
    // k = 3: b has 2, c has 1; a must reach 5, not 4.
    const race = new AheadByKRace(3);
    for (const key of ['b', 'b', 'c', 'a', 'a', 'a']) expect(race.vote(key).kind).toBe('undecided');
    expect(race.vote('a').kind).toBe('undecided');
    expect(race.vote('a')).toEqual({ kind: 'decided', key: 'a' });
  });

  it('refuses votes after a decision', () => {
    const race = new AheadByKRace(1);
    race.vote('x');
    expect(() => race.vote('y')).toThrow(/already decided/);
  });

  it('rejects a k that is not a positive integer with an InputError quoting it', () => {
    expect(() => new AheadByKRace(0)).toThrow(InputError);
    expect(() => new AheadByKRace(0)).toThrow('Expected `k` to be an integer >= 1, got `0`');
    expect(() => new AheadByKRace(1.5)).toThrow('got `1.5`');
  });
});
