/** Runs a set of lists through the engine with one strategy and scores it (see problem-sets/evaluate-set.ts). */
import { evaluateSet, type EvaluateSetOptions, type SetResult } from '../problem-sets/index.ts';
import type { SortingProblem } from './problem.ts';
import { createSortingTask, type SortingStrategy } from './strategies.ts';

/** Options of {@link evaluateSorting}: the set, the strategy, and the run settings of {@link evaluateSet}. */
export interface EvaluateSortingOptions extends Omit<EvaluateSetOptions<SortingProblem>, 'task' | 'strategy' | 'build' | 'idOf'> {
  /** How each list is put to the model. @default 'decomposed' */
  readonly strategy?: SortingStrategy;
}

/** Runs every list with the strategy; build the model with `sortingSim` for `sim:` specs. */
export function evaluateSorting(options: EvaluateSortingOptions): Promise<SetResult> {
  const strategy = options.strategy ?? 'decomposed';
  return evaluateSet({ ...options, task: 'sorting', strategy, build: (problem) => createSortingTask(problem, strategy), idOf: (problem) => problem.id });
}
