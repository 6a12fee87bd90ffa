import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { promptText } from '../../core/task.ts';
import { createSimModel } from '../../models/sim-model.ts';
import { parseListAnswer } from './list-answer.ts';
import { sortingProblem } from './problem.ts';
import { compareMessages, flatSortingMessages } from './prompts.ts';
import { minimumComparisons, sortingSim } from './sim.ts';

const value = fc.integer({ min: -10_000, max: 10_000 });

describe('sortingSim', () => {
  it('answers a comparator call from its prompt; its slips are parseable, wrong and distinct', () => {
    fc.assert(
      fc.property(value, value, (x, y) => {
        const prompt = promptText(compareMessages(x, y));
        const right = sortingSim.respond(prompt)!;
        expect(parseListAnswer(right, 2)).toMatchObject({ ok: true, value: [Math.min(x, y), Math.max(x, y)] });
        const wrong = sortingSim.wrongAnswers(prompt, right);
        expect(wrong.length).toBeGreaterThanOrEqual(2);
        expect(new Set(wrong).size).toBe(wrong.length);
        for (const text of wrong) {
          expect(parseListAnswer(text, 2).ok).toBe(true);
          expect(text).not.toBe(right);
        }
      }),
    );
  });

  it('offers the swapped comparison and the lost-and-duplicated element among a comparator’s slips', () => {
    const wrong = sortingSim.wrongAnswers(promptText(compareMessages(-512, -6178)), '#### [-6178, -512]');
    expect(wrong).toContain('#### [-512, -6178]');
    expect(wrong).toContain('#### [-6178, -6178]');
  });

  it('answers a flat call with the sorted list, its slips lists of the same length', () => {
    const problem = sortingProblem([3386, 7040, -6178, -4212, 2437, -2622, -512]);
    const prompt = promptText(flatSortingMessages(problem.question));
    expect(sortingSim.respond(prompt)).toBe('#### [-6178, -4212, -2622, -512, 2437, 3386, 7040]');
    expect(sortingSim.stepsInAnswer!(prompt)).toBe(minimumComparisons(7));
    const wrong = sortingSim.wrongAnswers(prompt, sortingSim.respond(prompt));
    expect(wrong.length).toBeGreaterThanOrEqual(4);
    for (const text of wrong) expect(parseListAnswer(text, 7).ok).toBe(true);
  });

  it('counts ⌈log2(n!)⌉ comparisons', () => {
    expect([1, 2, 3, 4, 5, 12].map(minimumComparisons)).toEqual([0, 1, 3, 5, 7, 29]);
  });

  it('errs on a 500-element flat prompt nearly always, on a comparator rarely', () => {
    const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: sortingSim, seed: 1 });
    const values = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 20001) - 10000);
    const flat = model.complete({ messages: flatSortingMessages(sortingProblem(values).question), temperature: 0, maxOutputTokens: 10_000 });
    const pair = model.complete({ messages: compareMessages(3, -4), temperature: 0, maxOutputTokens: 750 });
    expect(flat.promptErrorRate).toBeGreaterThan(0.99);
    expect(pair.promptErrorRate).toBeLessThan(0.05);
  });
});
