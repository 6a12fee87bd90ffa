/**
 * The options of a sorting run: the authors' file (`--data FILE [--limit N]`) or a seeded set of our own
 * (`--length L --count C`), and the strategy. Plain JSON, so a run directory can record them; the set is rebuilt
 * from them (and the run seed) on resume.
 */
import { choiceFlag } from '../option-values.ts';
import { createProblemSetTask, setSourceFrom, type ProblemSetTask, type SizeFlag } from '../problem-sets/index.ts';
import { generateSortingProblems, MAX_GENERATED_LISTS, readSortingProblems } from './dataset.ts';
import { MAX_LIST_LENGTH } from './problem.ts';
import { createSortingTask, SORTING_STRATEGIES, type SortingStrategy } from './strategies.ts';

/** What a sorting run records. */
export interface SortingRunOptions extends Record<string, unknown> {
  readonly strategy: SortingStrategy;
  /** The authors' file read, or null for a generated set. */
  readonly data: string | null;
  readonly limit: number | null;
  /** Elements per list of a generated set, or null. */
  readonly length: number | null;
  /** Lists in a generated set, or null. */
  readonly count: number | null;
}

/** The size flag of a generated set. */
export const SORTING_SIZE: SizeFlag = {
  name: 'length',
  description: `a seeded set of our own: elements per list, 1 to ${MAX_LIST_LENGTH}`,
  max: MAX_LIST_LENGTH,
  maxCount: MAX_GENERATED_LISTS,
};

/** Options from flag values, validated; an authors' file is read now, so a bad one fails before anything runs. */
export function sortingRunOptions(flags: Readonly<Record<string, string | true | undefined>>): SortingRunOptions {
  const strategy = choiceFlag('strategy', String(flags['strategy'] ?? 'decomposed'), SORTING_STRATEGIES);
  const source = setSourceFrom(flags, SORTING_SIZE);
  if ('data' in source) {
    readSortingProblems(source.data, source.limit ?? undefined);
    return { strategy, data: source.data, limit: source.limit, length: null, count: null };
  }
  return { strategy, data: null, limit: null, length: source.size, count: source.count };
}

/** Where the lists come from, in words. */
export function sortingSource(options: SortingRunOptions): string {
  return options.data === null ? `${options.count} seeded lists of ${options.length}` : `${options.data}${options.limit === null ? '' : ` (first ${options.limit})`}`;
}

/** The set as one batch task; a generated set is drawn from the run seed. */
export function buildSortingRun(options: SortingRunOptions, context: { readonly seed: number }): ProblemSetTask {
  const problems =
    options.data === null
      ? generateSortingProblems({ length: options.length!, count: options.count!, seed: context.seed })
      : readSortingProblems(options.data, options.limit ?? undefined);
  return createProblemSetTask({
    task: 'sorting',
    strategy: options.strategy,
    problems,
    build: (problem) => createSortingTask(problem, options.strategy),
    idOf: (problem) => problem.id,
    seed: context.seed,
  });
}
