import { describe, expect, it } from 'vitest';
import { dryRun } from '../problem-sets/index.ts';
import { createFlatMultiplicationTask, parseProductAnswer } from './flat.ts';
import { multiplicationProblem } from './problem.ts';

describe('parseProductAnswer', () => {
  it('reads the digits after the last ####', () => {
    expect(parseProductAnswer('46048 × 42098 is\n#### 1938528704')).toEqual({ ok: true, key: '1938528704', value: '1938528704' });
    expect(parseProductAnswer('#### 12\nso\n#### 0')).toMatchObject({ ok: true, key: '0' });
  });

  it.each([
    ['no marker', '1938528704'],
    ['separators', '#### 1,938,528,704'],
    ['a leading zero', '#### 0193'],
    ['trailing words', '#### 1938528704 is the product'],
    ['a sign', '#### -5'],
  ])('rejects %s', (_name, text) => {
    expect(parseProductAnswer(text).ok).toBe(false);
  });
});

describe('createFlatMultiplicationTask', () => {
  it('asks the authors question in one call and scores the voted product', () => {
    const problem = multiplicationProblem('46048', '42098');
    const task = createFlatMultiplicationTask(problem);
    const [call] = [...task.ready(task.initialState())];
    expect(call!.messages.at(-1)!.content).toBe('Multiply the following numbers:\n46048 × 42098');
    expect(task.solved(dryRun(task, { respond: () => '#### 1938528704' }).finalState)).toBe(true);
    expect(task.solved(dryRun(task, { respond: () => '#### 1938528714' }).finalState)).toBe(false);
  });
});
