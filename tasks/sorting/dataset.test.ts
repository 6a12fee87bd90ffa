import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { makerDataFile } from '../problem-sets/index.ts';
import { generateSortingProblems, readSortingProblems, sortingFromRow } from './dataset.ts';
import { sortingQuestion } from './problem.ts';

describe('readSortingProblems', () => {
  it('reads the authors files as they are: 200 lists of 5 and 50 lists of 500', () => {
    const five = readSortingProblems(makerDataFile('sort-5'));
    const long = readSortingProblems(makerDataFile('sort-500'));
    expect(five).toHaveLength(200);
    expect(long).toHaveLength(50);
    expect(five[0]!.values).toEqual([-6352, -9181, -988, -1976, -2686]);
    expect(long.every((problem) => problem.values.length === 500)).toBe(true);
  });

  it('rejects a row whose answer is not the sorted list', () => {
    expect(() => sortingFromRow({ id: 'r1', question: sortingQuestion([2, 1]), answer: '[2,1]' })).toThrow(/r1.*not the sorted list/);
  });

  it('rejects a question in another shape', () => {
    expect(() => sortingFromRow({ id: 'r2', question: 'Order these: 2, 1', answer: '[1,2]' })).toThrow(InputError);
  });
});

describe('generateSortingProblems', () => {
  it('draws count lists of the length in the authors range, the same for the same seed', () => {
    const set = generateSortingProblems({ length: 50, count: 4, seed: 3 });
    expect(set.map((problem) => problem.values.length)).toEqual([50, 50, 50, 50]);
    expect(set.flatMap((problem) => problem.values).every((value) => value >= -10_000 && value <= 10_000)).toBe(true);
    expect(generateSortingProblems({ length: 50, count: 4, seed: 3 })).toEqual(set);
    expect(set[0]!.question).toBe(sortingQuestion(set[0]!.values));
  });

  it.each([
    [{ length: 0, count: 1 }, /length.*`0`/],
    [{ length: 5, count: -1 }, /count.*`-1`/],
  ])('rejects %o', (options, message) => {
    expect(() => generateSortingProblems(options)).toThrow(message);
  });
});
