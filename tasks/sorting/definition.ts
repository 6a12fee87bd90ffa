/**
 * Sorting as the tools see it: `maker run sorting --data FILE [--limit N]` (the MAKER authors' lists) or
 * `--length L --count C` (a seeded set), decomposed or flat, scored by exact sorted lists.
 */
import { defineTask } from '../definition.ts';
import { problemSetReport, setFlags, type ProblemSetTask } from '../problem-sets/index.ts';
import { buildSortingRun, SORTING_SIZE, sortingRunOptions, sortingSource, type SortingRunOptions } from './run-options.ts';
import { sortingSim } from './sim.ts';
import { SORTING_STRATEGIES } from './strategies.ts';

/** The sorting task's definition. */
export const sortingDefinition = defineTask<SortingRunOptions>({
  name: 'sorting',
  description: "sorting on the MAKER authors' lists (--data) or a seeded set (--length): one voted call per comparator of a sorting network, or flat",
  flags: setFlags(SORTING_SIZE, SORTING_STRATEGIES),
  options: sortingRunOptions,
  build: buildSortingRun,
  sim: sortingSim,
  // A flat answer holds the whole result: room for it beyond the usual cap, unless --max-output-tokens is given.
  runDefaults: (task) => ({ extraOutputTokens: (task as ProblemSetTask).answerTokens }),
  report: (task, result, options) =>
    problemSetReport(task as ProblemSetTask, result, sortingSource(options), { data: options.data, limit: options.limit, length: options.length, count: options.count }),
});
