import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { promptText } from '../../core/task.ts';
import { createSimModel } from '../../models/sim-model.ts';
import { parseDigitAnswer } from './digit-answer.ts';
import { parseProductAnswer } from './flat.ts';
import { multiplicationProblem } from './problem.ts';
import { digitMessages, flatMultiplicationMessages } from './prompts.ts';
import { createSchoolbookTask } from './schoolbook.ts';
import { multiplicationSim } from './sim.ts';

const digit = fc.integer({ min: 0, max: 9 });

describe('multiplicationSim', () => {
  it('answers a digit call from its prompt, and its slips are parseable, wrong and distinct', () => {
    fc.assert(
      fc.property(fc.constantFrom('multiply' as const, 'add' as const), digit, digit, fc.nat(8), (operation, x, y, rawCarry) => {
        const carry = operation === 'add' ? rawCarry % 2 : rawCarry;
        const prompt = promptText(digitMessages(operation, x, y, carry));
        const right = multiplicationSim.respond(prompt)!;
        const value = operation === 'multiply' ? x * y + carry : x + y + carry;
        expect(parseDigitAnswer(right, operation)).toMatchObject({ ok: true, value: { digit: value % 10, carry: Math.floor(value / 10) } });
        const wrong = multiplicationSim.wrongAnswers(prompt, right);
        expect(wrong.length).toBeGreaterThanOrEqual(3);
        expect(new Set(wrong).size).toBe(wrong.length);
        for (const text of wrong) {
          const parsed = parseDigitAnswer(text, operation);
          expect(parsed.ok).toBe(true);
          expect(text).not.toBe(right);
        }
      }),
    );
  });

  it('offers the dropped carry among a digit call’s slips', () => {
    const prompt = promptText(digitMessages('multiply', 7, 8, 5));
    expect(multiplicationSim.respond(prompt)).toBe('digit = 1, carry = 6');
    expect(multiplicationSim.wrongAnswers(prompt, 'digit = 1, carry = 6')).toContain('digit = 6, carry = 5');
  });

  it('answers a flat call with the product, counting every schoolbook call as a step it must get right', () => {
    const problem = multiplicationProblem('877572', '388389');
    const prompt = promptText(flatMultiplicationMessages(problem.question));
    expect(multiplicationSim.respond(prompt)).toBe('#### 340839311508');
    expect(multiplicationSim.stepsInAnswer!(prompt)).toBe(createSchoolbookTask(problem).totalCalls);
    const wrong = multiplicationSim.wrongAnswers(prompt, '#### 340839311508');
    expect(wrong.length).toBeGreaterThanOrEqual(4);
    for (const text of wrong) expect(parseProductAnswer(text)).toMatchObject({ ok: true });
    expect(wrong).not.toContain('#### 340839311508');
  });

  it('gives no correct answer to a prompt without its inputs', () => {
    expect(multiplicationSim.respond('Multiply the digits.')).toBeUndefined();
  });

  it('errs on flat prompts far more often than on digit prompts', () => {
    const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: multiplicationSim, seed: 1 });
    const flat = model.complete({ messages: flatMultiplicationMessages('Multiply the following numbers:\n877572 × 388389'), temperature: 0, maxOutputTokens: 4000 });
    const step = model.complete({ messages: digitMessages('multiply', 7, 8, 5), temperature: 0, maxOutputTokens: 750 });
    expect(flat.promptErrorRate).toBeGreaterThan(20 * step.promptErrorRate);
  });
});
