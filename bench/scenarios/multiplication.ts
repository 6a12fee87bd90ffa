/**
 * Multiplication: exact products against operand length (5 to 20 digits, n × n) and on the MAKER authors' 5x5 and
 * 6x6 sets, decomposed (one call per digit product and per column sum) against flat (one call for the whole
 * product), each voted and not, beside the planner's prediction.
 */
import { createMultiplicationTask, generateMultiplicationProblems, multiplicationSim, readMultiplicationProblems, type MultiplicationProblem } from '../../tasks/multiplication/index.ts';
import { makerDataFile, type MakerDataName } from '../../tasks/problem-sets/index.ts';
import { problemSetSweep } from './problem-set-sweep.ts';

/** The multiplication scenario. */
export const multiplicationScenario = problemSetSweep<MultiplicationProblem>({
  name: 'multiplication',
  title: 'Multiplication: exact products against operand length',
  description:
    'Products of two n-digit numbers (n = 5 to 20, seeded sets of our own) and the MAKER authors\' 5x5 and 6x6 sets, ' +
    'decomposed (schoolbook: one voted call per digit product a_i × b_j + carry, rows side by side, summed in a ' +
    'pipelined balanced tree of one-digit column additions; every prompt three digits) against flat (one call with ' +
    'the authors\' question), each at k = 3 and k = 1, beside the planner\'s prediction for each cell.',
  sizeName: 'digits',
  sim: multiplicationSim,
  sizes: {
    test: { sizes: [3], count: 1, authors: [] },
    quick: { sizes: [5, 10, 20], count: 5, authors: [{ name: 'mul-5x5', limit: 20 }, { name: 'mul-6x6', limit: 20 }] },
    full: { sizes: [5, 6, 8, 10, 12, 15, 20], count: 20, authors: [{ name: 'mul-5x5', limit: undefined }, { name: 'mul-6x6', limit: undefined }] },
  },
  generate: (digits, count, seed) => generateMultiplicationProblems({ digits, count, seed }),
  authors: (name, limit) => readMultiplicationProblems(makerDataFile(name as MakerDataName), limit),
  sizeOf: (problem) => problem.a.length,
  build: (problem, strategy) => createMultiplicationTask(problem, strategy),
  idOf: (problem) => problem.id,
  respond: (prompt) => multiplicationSim.respond(prompt) ?? '',
});
