/**
 * Sorting: exact sorted lists against list length (5 to 1,000) and on the MAKER authors' 5- and 500-element sets,
 * decomposed (one call per comparator of Batcher's odd-even merge sort network) against flat (one call for the
 * whole list), each voted and not, beside the planner's prediction.
 */
import { makerDataFile, type MakerDataName } from '../../tasks/problem-sets/index.ts';
import { createSortingTask, generateSortingProblems, readSortingProblems, sortingSim, type SortingProblem } from '../../tasks/sorting/index.ts';
import { problemSetSweep } from './problem-set-sweep.ts';

/** The sorting scenario. */
export const sortingScenario = problemSetSweep<SortingProblem>({
  name: 'sorting',
  title: 'Sorting: exact lists against list length',
  description:
    'Lists of n integers in [-10000, 10000] (n = 5 to 1,000, seeded sets of our own) and the MAKER authors\' sets ' +
    'of 5 and of 500, decomposed (Batcher\'s odd-even merge sort network: one voted call per comparator, given two ' +
    'integers and answering them in order, a whole layer at once) against flat (one call with the authors\' ' +
    'question), each at k = 3 and k = 1, beside the planner\'s prediction for each cell.',
  sizeName: 'length',
  sim: sortingSim,
  sizes: {
    test: { sizes: [5], count: 1, authors: [] },
    quick: { sizes: [5, 50, 500], count: 3, authors: [{ name: 'sort-5', limit: 20 }, { name: 'sort-500', limit: 3 }] },
    full: { sizes: [5, 10, 20, 50, 100, 200, 500, 1000], count: 10, authors: [{ name: 'sort-5', limit: undefined }, { name: 'sort-500', limit: undefined }] },
  },
  generate: (length, count, seed) => generateSortingProblems({ length, count, seed }),
  authors: (name, limit) => readSortingProblems(makerDataFile(name as MakerDataName), limit),
  sizeOf: (problem) => problem.values.length,
  build: (problem, strategy) => createSortingTask(problem, strategy),
  idOf: (problem) => problem.id,
  respond: (prompt) => sortingSim.respond(prompt) ?? '',
});
