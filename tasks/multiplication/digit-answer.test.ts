import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digitStep, formatDigitAnswer, parseDigitAnswer } from './digit-answer.ts';

describe('parseDigitAnswer', () => {
  it('round-trips every answer a digit call can give', () => {
    fc.assert(
      fc.property(fc.constantFrom('multiply' as const, 'add' as const), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.nat(8), (operation, x, y, carry) => {
        const answer = digitStep(operation, x, y, operation === 'add' ? carry % 2 : carry);
        const parsed = parseDigitAnswer(`Working: ...\n${formatDigitAnswer(answer)}`, operation);
        expect(parsed).toEqual({ ok: true, key: `${answer.digit},${answer.carry}`, value: answer });
      }),
    );
  });

  it('takes the last answer line', () => {
    expect(parseDigitAnswer('digit = 1, carry = 2\ndigit = 3, carry = 4', 'multiply')).toMatchObject({ ok: true, key: '3,4' });
  });

  it.each([
    ['no line', 'the answer is 61', 'multiply'],
    ['a two-digit digit', 'digit = 61, carry = 0', 'multiply'],
    ['a carry a digit product cannot give', 'digit = 1, carry = 9', 'multiply'],
    ['a carry a column sum cannot give', 'digit = 1, carry = 2', 'add'],
    ['a decimal', 'digit = 1, carry = 0.5', 'add'],
  ] as const)('rejects %s', (_name, text, operation) => {
    expect(parseDigitAnswer(text, operation).ok).toBe(false);
  });
});
