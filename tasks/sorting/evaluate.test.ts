import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { promptText } from '../../core/task.ts';
import { createSimModel } from '../../models/sim-model.ts';
import { runTask } from '../../run/run-task.ts';
import { createScriptedModel, response } from '../../testing/index.ts';
import { makerDataFile } from '../problem-sets/index.ts';
import { readSortingProblems } from './dataset.ts';
import { evaluateSorting } from './evaluate.ts';
import { createNetworkSortTask } from './network-task.ts';
import { sortingProblem } from './problem.ts';
import { sortingSim } from './sim.ts';

/** A model that answers every prompt correctly except request number `corrupt`, which gets slip number `slip`. */
function modelCorrupting(corrupt: number, slip: number) {
  return createScriptedModel({
    script: [
      (request, call) => {
        const prompt = promptText(request.messages);
        const right = sortingSim.respond(prompt)!;
        const wrong = sortingSim.wrongAnswers(prompt, right);
        return response({ text: call === corrupt ? wrong[slip % wrong.length]! : right });
      },
    ],
    whenExhausted: 'repeat-last',
  });
}

describe('decomposed sorting through the engine', () => {
  it('sorts an authors 500-element list exactly on sim:gpt-4.1-mini at k = 3', async () => {
    const problems = readSortingProblems(makerDataFile('sort-500'), 1);
    const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: sortingSim, seed: 1 });
    const result = await evaluateSorting({ problems, model, k: 3, seed: 1 });
    expect(result.correct).toBe(1);
    expect(result.steps).toBe(createNetworkSortTask(problems[0]!).totalCalls);
  });

  it('a single corrupted call is caught by voting at k >= 2 (and decides the call at k = 1)', async () => {
    const distinct = fc.uniqueArray(fc.integer({ min: -10_000, max: 10_000 }), { minLength: 2, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(distinct, fc.nat(), fc.nat(), fc.integer({ min: 2, max: 4 }), async (values, pick, slip, k) => {
        const task = createNetworkSortTask(sortingProblem(values));
        const corrupt = pick % task.totalCalls!;
        const voted = await runTask({ task, model: modelCorrupting(corrupt, slip), k });
        expect(voted.solved).toBe(true);
        expect(voted.totals.errors).toBe(0);
        // The slip was a counted vote: its call needed two more votes than the unanimous k of every other call.
        expect(voted.totals.votes).toBe(voted.totals.steps * k + 2);
        const single = await runTask({ task, model: modelCorrupting(corrupt, slip), k: 1 });
        expect(single.totals.errors).toBe(1);
      }),
      { numRuns: 30 },
    );
  });

  it('flat fails the authors 500-element lists that decomposed sorts', async () => {
    const problems = readSortingProblems(makerDataFile('sort-500'), 3);
    const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: sortingSim, seed: 1 });
    const result = await evaluateSorting({ problems, model, k: 3, seed: 1, strategy: 'flat' });
    expect(result.steps).toBe(3);
    expect(result.correct).toBe(0);
  });
});
