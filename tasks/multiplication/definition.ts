/**
 * Multiplication as the tools see it: `maker run multiplication --data FILE [--limit N]` (the MAKER authors'
 * products) or `--digits D --count C` (a seeded set), decomposed or flat, scored by exact products.
 */
import { defineTask } from '../definition.ts';
import { problemSetReport, setFlags, type ProblemSetTask } from '../problem-sets/index.ts';
import { buildMultiplicationRun, MULTIPLICATION_SIZE, multiplicationRunOptions, multiplicationSource, type MultiplicationRunOptions } from './run-options.ts';
import { multiplicationSim } from './sim.ts';
import { MULTIPLICATION_STRATEGIES } from './strategies.ts';

/** The multiplication task's definition. */
export const multiplicationDefinition = defineTask<MultiplicationRunOptions>({
  name: 'multiplication',
  description: "long multiplication on the MAKER authors' products (--data) or a seeded set (--digits): one voted call per digit, or flat",
  flags: setFlags(MULTIPLICATION_SIZE, MULTIPLICATION_STRATEGIES),
  options: multiplicationRunOptions,
  build: buildMultiplicationRun,
  sim: multiplicationSim,
  // A flat answer holds the whole result: room for it beyond the usual cap, unless --max-output-tokens is given.
  runDefaults: (task) => ({ extraOutputTokens: (task as ProblemSetTask).answerTokens }),
  report: (task, result, options) =>
    problemSetReport(task as ProblemSetTask, result, multiplicationSource(options), { data: options.data, limit: options.limit, digits: options.digits, count: options.count }),
});
