import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHanoiTask, hanoiStateAt } from './task.ts';
import { applyMove, directionFor, initialPegs, isGoal, moveNumber, pegsAfter, strategyMove, type Move } from './rules.ts';

describe('Hanoi rules', () => {
  it.each([1, 2, 3, 4, 5, 8, 9])('the strategy solves %i disks in 2^n - 1 legal moves, ending on peg 2', (disks) => {
    let pegs = initialPegs(disks);
    let previous: Move | null = null;
    for (let step = 0; step < 2 ** disks - 1; step++) {
      const move: Move = strategyMove(pegs, previous, directionFor(disks))!;
      const [disk, from, to] = move;
      expect(pegs[from]!.at(-1)).toBe(disk);
      const target = pegs[to]!.at(-1);
      expect(target === undefined || target > disk).toBe(true);
      pegs = applyMove(pegs, move);
      previous = move;
    }
    expect(isGoal(pegs, disks)).toBe(true);
  });

  it('moves disk 1 clockwise for an even number of disks and the other way for an odd number', () => {
    expect(strategyMove(initialPegs(4), null, directionFor(4))).toEqual([1, 0, 1]);
    expect(strategyMove(initialPegs(3), null, directionFor(3))).toEqual([1, 0, 2]);
  });

  it('property: the closed-form trajectory matches the strategy step by step', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.nat(), (disks, raw) => {
        const step = raw % 2 ** disks;
        let pegs = initialPegs(disks);
        let previous: Move | null = null;
        for (let i = 0; i < step; i++) {
          previous = strategyMove(pegs, previous, directionFor(disks))!;
          pegs = applyMove(pegs, previous);
        }
        expect(pegsAfter(disks, step)).toEqual(pegs);
        expect(moveNumber(disks, step)).toEqual(previous);
      }),
    );
  });

  it('the oracle agrees with the closed-form trajectory at step 700,000 of 20 disks', () => {
    const task = createHanoiTask({ disks: 20 });
    const state = hanoiStateAt(20, 700_000);
    const next = hanoiStateAt(20, 700_001);
    const [move, pegs] = task.oracle!(state, 700_000).split('|');
    expect(move!.split(',').map(Number)).toEqual(next.previous);
    expect(pegs).toBe(next.pegs.map((peg) => peg.join(',')).join('/'));
  });

  it('refuses a disk count outside 1..30 with a message quoting it', () => {
    expect(() => createHanoiTask({ disks: 0 })).toThrow('Expected `disks` to be an integer from 1 to 30, got `0`');
  });
});
