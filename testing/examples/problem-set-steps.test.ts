// The test kit on the new tasks' steps: one digit of a long multiplication, and one comparator of a sorting
// network, measured over generated states on the simulated gpt-4.1-mini, with the planner's k for a real set.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimModel } from '../../index.ts';
import { digitKey, digitMessages, digitStep, multiplicationSim, parseDigitAnswer, type DigitOperation } from '../../tasks/multiplication/index.ts';
import { compareMessages, listKey, parseListAnswer, sortingSim } from '../../tasks/sorting/index.ts';
import { measureMetamorphic, measureStep } from '../index.ts';
import '../vitest.ts';

interface Digit {
  readonly operation: DigitOperation;
  readonly x: number;
  readonly y: number;
  readonly carry: number;
}

const digits = fc.constantFrom<DigitOperation>('multiply', 'add').chain((operation) =>
  fc.record({ operation: fc.constant(operation), x: fc.integer({ min: 0, max: 9 }), y: fc.integer({ min: 0, max: 9 }), carry: fc.integer({ min: 0, max: operation === 'add' ? 1 : 8 }) }),
);
const digitStepFunction = {
  name: 'digit',
  prompt: (state: Digit) => digitMessages(state.operation, state.x, state.y, state.carry),
  parse: (text: string, state: Digit) => parseDigitAnswer(text, state.operation),
  oracle: (state: Digit) => digitKey(digitStep(state.operation, state.x, state.y, state.carry)),
};

const pairs = fc.tuple(fc.integer({ min: -10_000, max: 10_000 }), fc.integer({ min: -10_000, max: 10_000 }));
const comparator = {
  name: 'comparator',
  prompt: ([x, y]: [number, number]) => compareMessages(x, y),
  parse: (text: string) => parseListAnswer(text, 2),
  oracle: ([x, y]: [number, number]) => listKey([Math.min(x, y), Math.max(x, y)]),
};

describe('the multiplication digit step', () => {
  it('is right often enough for a 6x6 product (75 calls) at k = 3, judged on the lower bound', async () => {
    const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: multiplicationSim, seed: 1 });
    const result = await measureStep({ task: digitStepFunction, model, states: digits, numStates: 300, seed: 2, steps: 75, target: 0.99 });
    expect(result).toHaveSuccessAtLeast(0.98);
    expect(result.k?.kind === 'recommended' && result.k.k).toBeLessThanOrEqual(4);
  });
});

describe('the sorting comparator step', () => {
  it('is right often enough, and swapping the two inputs never changes the sorted pair', async () => {
    const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: sortingSim, seed: 1 });
    const result = await measureStep({ task: comparator, model, states: pairs, numStates: 300, seed: 3, steps: 9_511, target: 0.95 });
    expect(result).toHaveSuccessAtLeast(0.98);
    const swapped = await measureMetamorphic({
      task: comparator,
      model: createSimModel({ profile: 'gpt-4.1-mini', behaviour: sortingSim, parameters: { errorRate: 0 }, seed: 1 }),
      states: pairs,
      numStates: 50,
      seed: 4,
      transform: ([x, y]: [number, number]) => [y, x] as [number, number],
    });
    expect(swapped.validPairs).toBeGreaterThan(40);
    expect(swapped.held).toBe(swapped.validPairs);
  });
});
