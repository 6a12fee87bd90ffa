import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { promptText } from '../../core/task.ts';
import { hanoiSim } from './sim.ts';
import { createHanoiTask, hanoiStateAt } from './task.ts';

describe('the simulated Hanoi behaviour', () => {
  it('property: every wrong answer on the trajectory parses and differs from the oracle', () => {
    // A wrong answer the parser rejected would be a red flag, not a wrong vote: the valid error rate would fall
    // below the profile's, and a prompt whose attractor it was would never be wrong.
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (disks, at) => {
        const task = createHanoiTask({ disks });
        const step = Math.floor(at * task.totalSteps!);
        const state = hanoiStateAt(disks, step);
        const text = promptText(task.prompt(state, step));
        const wrong = hanoiSim.wrongAnswers(text, hanoiSim.respond(text));
        expect(wrong.length).toBeGreaterThanOrEqual(3);
        for (const answer of wrong) {
          const parsed = task.parse(answer);
          expect(parsed.ok).toBe(true);
          expect(parsed.ok && parsed.key).not.toBe(task.oracle!(state, step));
        }
      }),
    );
  });
});
