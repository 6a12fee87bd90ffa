import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { makerDataFile } from '../problem-sets/index.ts';
import { generateMultiplicationProblems, multiplicationFromRow, readMultiplicationProblems } from './dataset.ts';

describe('readMultiplicationProblems', () => {
  it('reads the authors files as they are: 200 products each, their answers the exact products', () => {
    const five = readMultiplicationProblems(makerDataFile('mul-5x5'));
    const six = readMultiplicationProblems(makerDataFile('mul-6x6'));
    expect(five).toHaveLength(200);
    expect(six).toHaveLength(200);
    expect(five.every((problem) => problem.a.length === 5 && problem.b.length === 5)).toBe(true);
    expect(six[0]).toEqual({ id: 'mul-6x6-0', a: '877572', b: '388389', question: 'Multiply the following numbers:\n877572 × 388389' });
  });

  it('keeps the first --limit rows', () => {
    expect(readMultiplicationProblems(makerDataFile('mul-5x5'), 3).map((problem) => problem.id)).toEqual(['mul-5x5-0', 'mul-5x5-1', 'mul-5x5-2']);
  });

  it('rejects a row whose answer is not the product, naming it', () => {
    expect(() => multiplicationFromRow({ id: 'r1', question: 'Multiply the following numbers:\n12 × 3', answer: '37' })).toThrow(/r1.*37.*36/);
  });

  it('rejects a question in another shape', () => {
    expect(() => multiplicationFromRow({ id: 'r2', question: 'What is 12 times 3?', answer: '36' })).toThrow(InputError);
  });

  it('rejects a missing file with an InputError', () => {
    expect(() => readMultiplicationProblems('/nonexistent/file.jsonl')).toThrow(InputError);
  });
});

describe('generateMultiplicationProblems', () => {
  it('draws count products of two d-digit numbers, the same for the same seed', () => {
    const set = generateMultiplicationProblems({ digits: 10, count: 20, seed: 7 });
    expect(set).toHaveLength(20);
    expect(set.every((problem) => /^[1-9]\d{9}$/.test(problem.a) && /^[1-9]\d{9}$/.test(problem.b))).toBe(true);
    expect(generateMultiplicationProblems({ digits: 10, count: 20, seed: 7 })).toEqual(set);
    expect(generateMultiplicationProblems({ digits: 10, count: 20, seed: 8 })).not.toEqual(set);
  });

  it.each([
    [{ digits: 0, count: 1 }, /digits.*`0`/],
    [{ digits: 5, count: 0 }, /count.*`0`/],
    [{ digits: 2.5, count: 1 }, /digits.*`2.5`/],
  ])('rejects %o', (options, message) => {
    expect(() => generateMultiplicationProblems(options)).toThrow(message);
  });
});
