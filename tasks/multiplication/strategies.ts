/**
 * The two ways to put a product to the model: `decomposed` (one call per digit product and per column sum, see
 * schoolbook.ts) and `flat` (one call for the whole product, the baseline).
 */
import { InputError } from '../../core/errors.ts';
import { createFlatMultiplicationTask, type FlatMultiplicationTask } from './flat.ts';
import type { MultiplicationProblem } from './problem.ts';
import { createSchoolbookTask, type SchoolbookTask } from './schoolbook.ts';

/** The strategy names, in report order. */
export const MULTIPLICATION_STRATEGIES = ['decomposed', 'flat'] as const;
/** A strategy name. */
export type MultiplicationStrategy = (typeof MULTIPLICATION_STRATEGIES)[number];

/** Either strategy's task; `strategy` tells them apart. */
export type MultiplicationTask = SchoolbookTask | FlatMultiplicationTask;

/** Builds the task for one problem and strategy. */
export function createMultiplicationTask(problem: MultiplicationProblem, strategy: MultiplicationStrategy = 'decomposed'): MultiplicationTask {
  if (strategy === 'decomposed') return createSchoolbookTask(problem);
  if (strategy === 'flat') return createFlatMultiplicationTask(problem);
  throw new InputError(`Expected \`strategy\` to be one of ${MULTIPLICATION_STRATEGIES.join(', ')}, got \`${String(strategy)}\``);
}
