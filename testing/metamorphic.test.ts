import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ModelRequest } from '../core/model.ts';
import { promptText } from '../core/task.ts';
import { createSimModel } from '../models/sim-model.ts';
import { answerKey, createHanoiTask, hanoiSim, hanoiStateAt, type HanoiAnswer, type HanoiState, type Move } from '../tasks/hanoi/index.ts';
import { faultyModel } from './faulty-model.ts';
import { measureMetamorphic } from './metamorphic.ts';
import type { StepAt, StepFunction } from './step-under-test.ts';

const DISKS = 8;
const task = createHanoiTask({ disks: DISKS });
/** Steps of both kinds: even steps move disk 1 round the cycle, odd steps make the only other legal move. */
const states: StepAt<HanoiState>[] = Array.from({ length: 100 }, (_, i) => ({ state: hanoiStateAt(DISKS, i * 3), step: i * 3 }));

/** Relabels peg p as `map[p]`: a state, a move and an answer key under the same relabelling. */
const relabel = (map: readonly number[]) => ({
  state: ({ state, step }: StepAt<HanoiState>): StepAt<HanoiState> => {
    const pegs: number[][] = [[], [], []];
    state.pegs.forEach((peg, p) => (pegs[map[p]!] = [...peg]));
    const previous = state.previous === null ? null : ([state.previous[0], map[state.previous[1]]!, map[state.previous[2]]!] as Move);
    return { state: { pegs, previous }, step };
  },
  answer: ({ value }: { value: HanoiAnswer }): string => {
    const pegs: number[][] = [[], [], []];
    value.nextState.forEach((peg, p) => (pegs[map[p]!] = [...peg]));
    return answerKey([value.move[0], map[value.move[1]]!, map[value.move[2]]!], pegs);
  },
});

describe('measureMetamorphic on the Hanoi step', () => {
  const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: hanoiSim, seed: 2 });

  it('finds that rotating the pegs rotates the answer (the strategy goes round the same cycle)', async () => {
    const rotate = relabel([1, 2, 0]);
    const result = await measureMetamorphic({ task, model, states, name: 'rotated pegs', transform: rotate.state, relate: rotate.answer, seed: 1 });
    expect(result.validPairs).toBeGreaterThan(90);
    expect(result.pInterval!.lower).toBeGreaterThan(0.9);
  });

  it('catches a relation that does not hold: swapping two pegs reverses the cycle disk 1 goes round', async () => {
    const swap = relabel([1, 0, 2]);
    const result = await measureMetamorphic({ task, model, states, name: 'swapped pegs', transform: swap.state, relate: swap.answer, seed: 1 });
    expect(result.p).toBeLessThan(0.8);
    const first = result.counterexamples[0]!;
    expect(first.got).not.toBe(first.expected);
    expect(result.counterexamples.length).toBe(result.validPairs - result.held);
  });
});

describe('measureMetamorphic on a sorting step', () => {
  const sortStep: StepFunction<readonly number[], readonly number[]> = {
    name: 'sort',
    prompt: (list) => [{ role: 'user', content: `Sort ascending: ${JSON.stringify(list)}` }],
    parse: (text) => {
      try {
        const value = JSON.parse(text) as number[];
        return Array.isArray(value) ? { ok: true, key: JSON.stringify(value), value } : { ok: false, reason: 'not a list' };
      } catch {
        return { ok: false, reason: 'not JSON' };
      }
    },
  };
  const listIn = (request: ModelRequest) => JSON.parse(promptText(request.messages).slice('Sort ascending: '.length)) as number[];
  /** Sorts right unless the list starts with something larger than it ends with: then it sorts descending. */
  const model = faultyModel({
    correct: (request) => JSON.stringify([...listIn(request)].sort((a, b) => a - b)),
    wrong: (request) => [JSON.stringify([...listIn(request)].sort((a, b) => b - a))],
    errorRate: (request) => {
      const list = listIn(request);
      return list.length > 1 && list[0]! > list.at(-1)! ? 1 : 0;
    },
  });

  it('shrinks a permutation that changes the answer to the smallest such list', async () => {
    const result = await measureMetamorphic({
      task: sortStep,
      model,
      states: fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 12 }),
      numStates: 80,
      seed: 7,
      name: 'reversed before sorting',
      transform: (list) => [...list].reverse(),
    });
    const first = result.counterexamples[0]!;
    expect(first.kind).toBe('shrunk');
    expect(first.state).toEqual([0, 1]);
    expect(first.transformed).toEqual([1, 0]);
    expect(first.got).toBe('[1,0]');
    expect(result.p).toBeLessThan(1);
  });

  it('holds everywhere for a permutation the model does not notice', async () => {
    // Reversing the middle keeps the first and last elements, so the bug fires on both or on neither: a metamorphic
    // check sees inconsistency, not an error made the same way on both sides.
    const result = await measureMetamorphic({
      task: sortStep,
      model,
      states: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 12 }),
      numStates: 60,
      seed: 7,
      transform: (list) => [list[0]!, ...list.slice(1, -1).reverse(), list.at(-1)!],
    });
    expect(result.p).toBe(1);
    expect(result.counterexamples).toHaveLength(0);
  });
});

describe('measureMetamorphic input checks', () => {
  it('rejects a transform that is not a function and a step with several calls', async () => {
    const model = faultyModel({ correct: () => '1' });
    await expect(measureMetamorphic({ task, model, states, transform: undefined as never })).rejects.toThrow('Expected `transform` to be a function, got `undefined`');
    const twoCalls = { name: 'two', totalCalls: 2, initialState: () => 0, ready: () => [], parse: () => ({ ok: false as const, reason: '' }), absorb: () => 0, done: () => true, solved: () => true };
    await expect(measureMetamorphic({ task: twoCalls as never, model, states: [0], transform: (x: number) => x })).rejects.toThrow('got the graph task `two`');
  });
});
