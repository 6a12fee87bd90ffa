/**
 * Sorting as a graph of comparator calls on Batcher's odd-even merge sort network (see network.ts): each call
 * is given two integers and answers them in ascending order; the scheduler writes the smaller back at the
 * comparator's low position and the larger at its high one. A comparator is ready as soon as the comparators
 * before it on both its positions are absorbed, so every call of a layer (and any later one whose positions
 * are already free) is voted at once: depth about log2(n)²/2, never n.
 *
 * The scheduler never compares: it only writes the voted pair back to the two positions it came from. A wrong
 * vote (a swapped pair, an element lost and the other duplicated, a mistyped digit) lands in the list as it
 * is, and the list comes out wrong.
 */
import type { TaskCall } from '../../core/task.ts';
import type { AnsweringTask } from '../problem-sets/index.ts';
import { parseListAnswer } from './list-answer.ts';
import { oddEvenMergeSortNetwork, type Comparator } from './network.ts';
import { listKey, sortedValues, type SortingProblem } from './problem.ts';
import { compareMessages } from './prompts.ts';

/** What a comparator call carries: which comparator, its positions and the two values it was given. */
export interface CompareCallData {
  readonly comparator: number;
  readonly low: number;
  readonly high: number;
  readonly x: number;
  readonly y: number;
}

/** The exact state the scheduler holds: the list as it stands, and how many comparators each position has passed. */
export interface NetworkState {
  readonly values: readonly number[];
  readonly passed: readonly number[];
  /** Comparators absorbed so far. */
  readonly absorbed: number;
}

/** The decomposed sorting task. */
export interface NetworkSortTask extends AnsweringTask<NetworkState, number[], CompareCallData> {
  readonly strategy: 'decomposed';
  readonly problem: SortingProblem;
  readonly comparators: readonly Comparator[];
}

/** Builds the decomposed task for one list. */
export function createNetworkSortTask(problem: SortingProblem): NetworkSortTask {
  const n = problem.values.length;
  const comparators = oddEvenMergeSortNetwork(n);
  // For each position, its comparators in order; for each comparator, its rank on its low and high positions.
  const byPosition: number[][] = Array.from({ length: n }, () => []);
  const rankLow: number[] = [];
  const rankHigh: number[] = [];
  for (const [index, { low, high }] of comparators.entries()) {
    rankLow.push(byPosition[low]!.push(index) - 1);
    rankHigh.push(byPosition[high]!.push(index) - 1);
  }
  const truth = listKey(sortedValues(problem.values));
  const done = (state: NetworkState) => state.absorbed === comparators.length;
  const answer = (state: NetworkState) => (done(state) ? listKey(state.values) : undefined);

  return {
    name: 'sorting',
    strategy: 'decomposed',
    problem,
    comparators,
    truth,
    totalCalls: comparators.length === 0 ? undefined : comparators.length,
    initialState: () => ({ values: [...problem.values], passed: new Array<number>(n).fill(0), absorbed: 0 }),
    *ready(state) {
      for (let position = 0; position < n; position++) {
        const index = byPosition[position]![state.passed[position]!];
        if (index === undefined) continue;
        const { low, high } = comparators[index]!;
        // Listed once, from its low position, when its high position has reached it too.
        if (low !== position || state.passed[high] !== rankHigh[index]) continue;
        const x = state.values[low]!;
        const y = state.values[high]!;
        const call: TaskCall<CompareCallData> = { id: String(index), messages: compareMessages(x, y), data: { comparator: index, low, high, x, y } };
        yield call;
      }
    },
    parse: (text) => parseListAnswer(text, 2),
    absorb(state, call, value) {
      const { comparator, low, high } = call.data;
      if (state.passed[low] !== rankLow[comparator] || state.passed[high] !== rankHigh[comparator]) {
        throw new Error(`Call ${call.id} absorbed out of order: positions ${low} and ${high} have passed ${state.passed[low]} and ${state.passed[high]} comparators`);
      }
      const values = [...state.values];
      const passed = [...state.passed];
      values[low] = value[0]!;
      values[high] = value[1]!;
      passed[low] = passed[low]! + 1;
      passed[high] = passed[high]! + 1;
      return { values, passed, absorbed: state.absorbed + 1 };
    },
    done,
    solved: (state) => answer(state) === truth,
    oracle: (_state, call) => listKey(call.data.x <= call.data.y ? [call.data.x, call.data.y] : [call.data.y, call.data.x]),
    answer,
  };
}
