/**
 * The two ways to put a list to the model: `decomposed` (one call per comparator of a sorting network, see
 * network-task.ts) and `flat` (one call for the whole list, the baseline).
 */
import { InputError } from '../../core/errors.ts';
import { createFlatSortingTask, type FlatSortingTask } from './flat.ts';
import { createNetworkSortTask, type NetworkSortTask } from './network-task.ts';
import type { SortingProblem } from './problem.ts';

/** The strategy names, in report order. */
export const SORTING_STRATEGIES = ['decomposed', 'flat'] as const;
/** A strategy name. */
export type SortingStrategy = (typeof SORTING_STRATEGIES)[number];

/** Either strategy's task; `strategy` tells them apart. */
export type SortingTask = NetworkSortTask | FlatSortingTask;

/** Builds the task for one list and strategy. */
export function createSortingTask(problem: SortingProblem, strategy: SortingStrategy = 'decomposed'): SortingTask {
  if (strategy === 'decomposed') return createNetworkSortTask(problem);
  if (strategy === 'flat') return createFlatSortingTask(problem);
  throw new InputError(`Expected \`strategy\` to be one of ${SORTING_STRATEGIES.join(', ')}, got \`${String(strategy)}\``);
}
