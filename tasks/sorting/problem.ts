/**
 * A sorting problem: a list of integers to put in ascending order, and the question a flat call is asked (the
 * MAKER authors' own wording). Values are safe integers, so every comparator prompt holds two numbers of at
 * most 16 digits whatever the list's length.
 */
import { InputError } from '../../core/errors.ts';

/** The longest list a problem may hold: the network makes about n·log2(n)²/4 calls, far past any budget here. */
export const MAX_LIST_LENGTH = 10_000;

/** One list to sort. */
export interface SortingProblem {
  readonly id: string;
  readonly values: readonly number[];
  /** The question as the flat strategy asks it. */
  readonly question: string;
}

/** The authors' question text for a list. */
export function sortingQuestion(values: readonly number[]): string {
  return `Sort the following list of integers in ascending order and output ONLY the JSON list on a single line after '####':\n[${values.join(', ')}]`;
}

/** The canonical text of a list (the authors' answer format: JSON without spaces). */
export function listKey(values: readonly number[]): string {
  return `[${values.join(',')}]`;
}

/** The list sorted ascending: the oracle, used only to measure. */
export function sortedValues(values: readonly number[]): number[] {
  return [...values].sort((x, y) => x - y);
}

/** A problem from a list, validated; the question is the authors' wording. */
export function sortingProblem(values: readonly number[], id = 'list'): SortingProblem {
  if (values.length < 1 || values.length > MAX_LIST_LENGTH) {
    throw new InputError(`Expected a list of 1 to ${MAX_LIST_LENGTH} integers, got ${values.length}`);
  }
  for (const [index, value] of values.entries()) {
    if (!Number.isSafeInteger(value) || Object.is(value, -0)) {
      throw new InputError(`Expected every list element to be a safe integer, got \`${String(value)}\` at index ${index}`);
    }
  }
  return { id, values: [...values], question: sortingQuestion(values) };
}
