import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { promptText } from '../../core/task.ts';
import { createSimModel } from '../../models/sim-model.ts';
import { runTask } from '../../run/run-task.ts';
import { createScriptedModel, response } from '../../testing/index.ts';
import { makerDataFile } from '../problem-sets/index.ts';
import { generateMultiplicationProblems, readMultiplicationProblems } from './dataset.ts';
import { evaluateMultiplication } from './evaluate.ts';
import { multiplicationProblem } from './problem.ts';
import { createSchoolbookTask } from './schoolbook.ts';
import { multiplicationSim } from './sim.ts';

/** A model that answers every prompt correctly except request number `corrupt`, which gets a plausible slip. */
function modelCorrupting(corrupt: number) {
  return createScriptedModel({
    script: [
      (request, call) => {
        const prompt = promptText(request.messages);
        const right = multiplicationSim.respond(prompt)!;
        return response({ text: call === corrupt ? multiplicationSim.wrongAnswers(prompt, right)[0]! : right });
      },
    ],
    whenExhausted: 'repeat-last',
  });
}

describe('decomposed multiplication through the engine', () => {
  it('answers the authors 6x6 products exactly on sim:gpt-4.1-mini at k = 3', async () => {
    const problems = readMultiplicationProblems(makerDataFile('mul-6x6'), 8);
    const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: multiplicationSim, seed: 1 });
    const result = await evaluateMultiplication({ problems, model, k: 3, seed: 1 });
    expect(result.correct).toBe(8);
    expect(result.steps).toBe(problems.reduce((sum, problem) => sum + createSchoolbookTask(problem).totalCalls!, 0));
    expect(result.errors).toBe(0);
    expect(result.maxPromptTokens).toBeLessThanOrEqual(130);
  });

  it('a single corrupted call is caught by voting at k >= 2 (and decides the call at k = 1)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 1n, max: 10n ** 8n }), fc.bigInt({ min: 1n, max: 10n ** 6n }), fc.nat(), fc.integer({ min: 2, max: 4 }), async (a, b, pick, k) => {
        const task = createSchoolbookTask(multiplicationProblem(String(a), String(b)));
        const corrupt = pick % task.totalCalls!;
        const voted = await runTask({ task, model: modelCorrupting(corrupt), k });
        expect(voted.solved).toBe(true);
        expect(voted.totals.errors).toBe(0);
        // The slip was a counted vote: its call needed two more votes than the unanimous k of every other call.
        expect(voted.totals.votes).toBe(voted.totals.steps * k + 2);
        const single = await runTask({ task, model: modelCorrupting(corrupt), k: 1 });
        expect(single.solved).toBe(false);
        expect(single.totals.errors).toBe(1);
      }),
      { numRuns: 30 },
    );
  });

  it('keeps the largest prompt of a 10x10 set no larger than of a 5x5 set, every answer exact', async () => {
    const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: multiplicationSim, seed: 2 });
    const ten = await evaluateMultiplication({ problems: generateMultiplicationProblems({ digits: 10, count: 3, seed: 2 }), model, k: 3, seed: 2 });
    const five = await evaluateMultiplication({ problems: readMultiplicationProblems(makerDataFile('mul-5x5'), 3), model, k: 3, seed: 2 });
    expect(ten.correct).toBe(3);
    expect(ten.maxPromptTokens).toBeLessThanOrEqual(five.maxPromptTokens);
  });

  it('flat puts the whole product in one call', async () => {
    const problems = readMultiplicationProblems(makerDataFile('mul-5x5'), 4);
    const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: multiplicationSim, seed: 1 });
    const result = await evaluateMultiplication({ problems, model, k: 1, seed: 1, strategy: 'flat' });
    expect(result.steps).toBe(4);
    expect(result.outcomes.every((outcome) => outcome.answer !== null)).toBe(true);
    expect(result.maxPromptTokens).toBeGreaterThan(40);
  });
});
