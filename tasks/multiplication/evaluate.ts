/** Runs a set of products through the engine with one strategy and scores it (see problem-sets/evaluate-set.ts). */
import { evaluateSet, type EvaluateSetOptions, type SetResult } from '../problem-sets/index.ts';
import type { MultiplicationProblem } from './problem.ts';
import { createMultiplicationTask, type MultiplicationStrategy } from './strategies.ts';

/** Options of {@link evaluateMultiplication}: the set, the strategy, and the run settings of {@link evaluateSet}. */
export interface EvaluateMultiplicationOptions extends Omit<EvaluateSetOptions<MultiplicationProblem>, 'task' | 'strategy' | 'build' | 'idOf'> {
  /** How each product is put to the model. @default 'decomposed' */
  readonly strategy?: MultiplicationStrategy;
}

/** Runs every product with the strategy; build the model with `multiplicationSim` for `sim:` specs. */
export function evaluateMultiplication(options: EvaluateMultiplicationOptions): Promise<SetResult> {
  const strategy = options.strategy ?? 'decomposed';
  return evaluateSet({ ...options, task: 'multiplication', strategy, build: (problem) => createMultiplicationTask(problem, strategy), idOf: (problem) => problem.id });
}
