/**
 * The options of a multiplication run: the authors' file (`--data FILE [--limit N]`) or a seeded set of our own
 * (`--digits D --count C`), and the strategy. Plain JSON, so a run directory can record them; the set is rebuilt
 * from them (and the run seed) on resume.
 */
import { choiceFlag } from '../option-values.ts';
import { createProblemSetTask, setSourceFrom, type ProblemSetTask, type SizeFlag } from '../problem-sets/index.ts';
import { generateMultiplicationProblems, MAX_GENERATED_PROBLEMS, readMultiplicationProblems } from './dataset.ts';
import { MAX_OPERAND_DIGITS } from './problem.ts';
import { createMultiplicationTask, MULTIPLICATION_STRATEGIES, type MultiplicationStrategy } from './strategies.ts';

/** What a multiplication run records. */
export interface MultiplicationRunOptions extends Record<string, unknown> {
  readonly strategy: MultiplicationStrategy;
  /** The authors' file read, or null for a generated set. */
  readonly data: string | null;
  readonly limit: number | null;
  /** Digits per operand of a generated set, or null. */
  readonly digits: number | null;
  /** Problems in a generated set, or null. */
  readonly count: number | null;
}

/** The size flag of a generated set. */
export const MULTIPLICATION_SIZE: SizeFlag = {
  name: 'digits',
  description: `a seeded set of our own: digits per operand, 1 to ${MAX_OPERAND_DIGITS}`,
  max: MAX_OPERAND_DIGITS,
  maxCount: MAX_GENERATED_PROBLEMS,
};

/** Options from flag values, validated; an authors' file is read now, so a bad one fails before anything runs. */
export function multiplicationRunOptions(flags: Readonly<Record<string, string | true | undefined>>): MultiplicationRunOptions {
  const strategy = choiceFlag('strategy', String(flags['strategy'] ?? 'decomposed'), MULTIPLICATION_STRATEGIES);
  const source = setSourceFrom(flags, MULTIPLICATION_SIZE);
  if ('data' in source) {
    readMultiplicationProblems(source.data, source.limit ?? undefined);
    return { strategy, data: source.data, limit: source.limit, digits: null, count: null };
  }
  return { strategy, data: null, limit: null, digits: source.size, count: source.count };
}

/** Where the problems come from, in words. */
export function multiplicationSource(options: MultiplicationRunOptions): string {
  return options.data === null ? `${options.count} seeded ${options.digits}x${options.digits}-digit products` : `${options.data}${options.limit === null ? '' : ` (first ${options.limit})`}`;
}

/** The set as one batch task; a generated set is drawn from the run seed. */
export function buildMultiplicationRun(options: MultiplicationRunOptions, context: { readonly seed: number }): ProblemSetTask {
  const problems =
    options.data === null
      ? generateMultiplicationProblems({ digits: options.digits!, count: options.count!, seed: context.seed })
      : readMultiplicationProblems(options.data, options.limit ?? undefined);
  return createProblemSetTask({
    task: 'multiplication',
    strategy: options.strategy,
    problems,
    build: (problem) => createMultiplicationTask(problem, options.strategy),
    idOf: (problem) => problem.id,
    seed: context.seed,
  });
}
