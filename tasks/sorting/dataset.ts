/**
 * Sorting problems from the MAKER authors' files (read as they are: the list out of `question`, `answer`
 * checked against the sorted list so a damaged file fails before any call) and from a seeded generator of our
 * own, in the same wording and the same value range.
 */
import { InputError } from '../../core/errors.ts';
import { randomStream } from '../../core/rng.ts';
import { limitRows, readDatasetRows, type DatasetRow } from '../problem-sets/index.ts';
import { parseListAnswer } from './list-answer.ts';
import { listKey, MAX_LIST_LENGTH, sortedValues, sortingProblem, type SortingProblem } from './problem.ts';

const QUESTION = /^\s*Sort the following list of integers in ascending order[^\n]*\n\s*(\[[^\]]*\])\s*$/;

/** The problem an authors' row states; a question in another shape, or a wrong answer, is an `InputError`. */
export function sortingFromRow(row: DatasetRow, source = 'data'): SortingProblem {
  const match = QUESTION.exec(row.question);
  const list = match === null ? undefined : parseListAnswer(`#### ${match[1]}`, match[1]!.split(',').length);
  if (list === undefined || !list.ok) {
    throw new InputError(`${source} row \`${row.id}\`: expected the question "Sort the following list of integers in ascending order ...:\\n[a, b, ...]", got \`${row.question.slice(0, 80)}\``);
  }
  const problem = sortingProblem(list.value, row.id);
  const sorted = listKey(sortedValues(problem.values));
  if (row.answer.replace(/\s+/g, '') !== sorted) {
    throw new InputError(`${source} row \`${row.id}\`: answer \`${row.answer.slice(0, 60)}\` is not the sorted list`);
  }
  return { ...problem, question: row.question };
}

/** Reads an authors' sorting file, keeping the first `limit` rows. */
export function readSortingProblems(file: string, limit?: number): SortingProblem[] {
  return limitRows(readDatasetRows(file), limit).map((row) => sortingFromRow(row, file));
}

/** Options of {@link generateSortingProblems}. */
export interface GenerateSortingOptions {
  /** Elements per list, 1 to {@link MAX_LIST_LENGTH}. */
  readonly length: number;
  /** Number of lists. */
  readonly count: number;
  /** Seed of the draw. @default 0 */
  readonly seed?: number;
  /** Values are drawn uniformly from [-range, range] (the authors' range). @default 10000 */
  readonly range?: number;
}

/** The most lists one generated set may hold. */
export const MAX_GENERATED_LISTS = 100_000;

/** A seeded set of lists in the authors' wording; the same seed gives the same set. */
export function generateSortingProblems(options: GenerateSortingOptions): SortingProblem[] {
  const { length, count } = options;
  const seed = options.seed ?? 0;
  const range = options.range ?? 10_000;
  if (!Number.isInteger(length) || length < 1 || length > MAX_LIST_LENGTH) {
    throw new InputError(`Expected \`length\` to be an integer from 1 to ${MAX_LIST_LENGTH}, got \`${length}\``);
  }
  if (!Number.isInteger(count) || count < 1 || count > MAX_GENERATED_LISTS) {
    throw new InputError(`Expected \`count\` to be an integer from 1 to ${MAX_GENERATED_LISTS}, got \`${count}\``);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`Expected \`seed\` to be an integer >= 0, got \`${seed}\``);
  if (!Number.isSafeInteger(range) || range < 0) throw new InputError(`Expected \`range\` to be an integer >= 0, got \`${range}\``);
  const random = randomStream(seed, 0x736f7274, length);
  return Array.from({ length: count }, (_, index) =>
    sortingProblem(
      Array.from({ length }, () => Math.floor(random() * (2 * range + 1)) - range),
      `sort-${length}-s${seed}-${index}`,
    ),
  );
}
