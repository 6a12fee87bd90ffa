/**
 * Multiplication problems from the MAKER authors' files (read as they are: the operands out of `question`,
 * `answer` checked against the exact product so a damaged file fails before any call) and from a seeded
 * generator of our own, in the same wording.
 */
import { InputError } from '../../core/errors.ts';
import { randomStream } from '../../core/rng.ts';
import { limitRows, readDatasetRows, type DatasetRow } from '../problem-sets/index.ts';
import { exactProduct, MAX_OPERAND_DIGITS, multiplicationProblem, type MultiplicationProblem } from './problem.ts';

const QUESTION = /^\s*Multiply the following numbers:\s*(\d+)\s*[×x*]\s*(\d+)\s*$/;

/** The problem an authors' row states; a question in another shape, or a wrong answer, is an `InputError`. */
export function multiplicationFromRow(row: DatasetRow, source = 'data'): MultiplicationProblem {
  const match = QUESTION.exec(row.question);
  if (match === null) {
    throw new InputError(`${source} row \`${row.id}\`: expected the question "Multiply the following numbers:\\nA × B", got \`${row.question.slice(0, 80)}\``);
  }
  const problem = multiplicationProblem(match[1]!, match[2]!, row.id);
  const product = exactProduct(problem.a, problem.b);
  if (row.answer.trim() !== product) {
    throw new InputError(`${source} row \`${row.id}\`: answer \`${row.answer}\` is not ${problem.a} × ${problem.b} = ${product}`);
  }
  return { ...problem, question: row.question };
}

/** Reads an authors' multiplication file, keeping the first `limit` rows. */
export function readMultiplicationProblems(file: string, limit?: number): MultiplicationProblem[] {
  return limitRows(readDatasetRows(file), limit).map((row) => multiplicationFromRow(row, file));
}

/** Options of {@link generateMultiplicationProblems}. */
export interface GenerateMultiplicationOptions {
  /** Digits of each operand (both have exactly this many), 1 to {@link MAX_OPERAND_DIGITS}. */
  readonly digits: number;
  /** Number of problems. */
  readonly count: number;
  /** Seed of the draw. @default 0 */
  readonly seed?: number;
}

/** The most problems one generated set may hold. */
export const MAX_GENERATED_PROBLEMS = 100_000;

/** A seeded set of products of two `digits`-digit numbers, in the authors' wording; the same seed gives the same set. */
export function generateMultiplicationProblems(options: GenerateMultiplicationOptions): MultiplicationProblem[] {
  const { digits, count } = options;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(digits) || digits < 1 || digits > MAX_OPERAND_DIGITS) {
    throw new InputError(`Expected \`digits\` to be an integer from 1 to ${MAX_OPERAND_DIGITS}, got \`${digits}\``);
  }
  if (!Number.isInteger(count) || count < 1 || count > MAX_GENERATED_PROBLEMS) {
    throw new InputError(`Expected \`count\` to be an integer from 1 to ${MAX_GENERATED_PROBLEMS}, got \`${count}\``);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`Expected \`seed\` to be an integer >= 0, got \`${seed}\``);
  const random = randomStream(seed, 0x6d756c, digits);
  const operand = (): string => {
    let text = String(1 + Math.floor(random() * 9));
    for (let i = 1; i < digits; i++) text += String(Math.floor(random() * 10));
    return text;
  };
  return Array.from({ length: count }, (_, index) => multiplicationProblem(operand(), operand(), `mul-${digits}x${digits}-s${seed}-${index}`));
}
