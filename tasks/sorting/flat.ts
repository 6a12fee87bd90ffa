/**
 * Flat sorting: the whole list in one call, the undecomposed baseline. The prompt is the authors' question; the
 * answer is the JSON list after `####`, parsed strictly (one list of exactly n integers).
 */
import type { TaskCall } from '../../core/task.ts';
import { countTokens } from '../../models/tokens.ts';
import type { AnsweringTask } from '../problem-sets/index.ts';
import { formatListAnswer, parseListAnswer } from './list-answer.ts';
import { listKey, sortedValues, type SortingProblem } from './problem.ts';
import { flatSortingMessages } from './prompts.ts';

/** The state of a flat run: the voted list, once there is one. */
export interface FlatSortingState {
  readonly values: readonly number[] | undefined;
}

/** The flat sorting task. */
export interface FlatSortingTask extends AnsweringTask<FlatSortingState, number[], undefined> {
  readonly strategy: 'flat';
  readonly problem: SortingProblem;
}

/** Builds flat sorting for one list: one call for the whole sorted list. */
export function createFlatSortingTask(problem: SortingProblem): FlatSortingTask {
  const truth = listKey(sortedValues(problem.values));
  const length = problem.values.length;
  const call: TaskCall<undefined> = { id: '0', messages: flatSortingMessages(problem.question), data: undefined };
  const answer = (state: FlatSortingState) => (state.values === undefined ? undefined : listKey(state.values));
  return {
    name: 'sorting',
    strategy: 'flat',
    problem,
    truth,
    // The sorted list holds the same numbers as the question's list.
    answerTokens: countTokens(formatListAnswer(problem.values)),
    totalCalls: 1,
    initialState: () => ({ values: undefined }),
    *ready(state) {
      if (state.values === undefined) yield call;
    },
    parse: (text) => parseListAnswer(text, length),
    absorb: (_state, _call, value) => ({ values: value }),
    done: (state) => state.values !== undefined,
    solved: (state) => answer(state) === truth,
    oracle: () => truth,
    answer,
  };
}
