import { describe, expect, it } from 'vitest';
import { integerFlag, numberFlag } from './flags.ts';

describe('integer flags', () => {
  it.each(['1e1', '0x5', ' 5', '5 ', '+5', '5.0', '0b11', ''])('refuse `%s`: an integer is written in decimal digits', (value) => {
    expect(() => integerFlag('disks', value, 1, 30)).toThrow(`Expected --disks to be an integer from 1 to 30, got \`${value}\``);
  });

  it('reads decimal digits, with a leading minus where the range allows it', () => {
    expect(integerFlag('disks', '10', 1, 30)).toBe(10);
    expect(integerFlag('offset', '-3', -10, 10)).toBe(-3);
  });

  it('names the largest value when an integer is too large, rather than calling 1e30 no integer >= 0', () => {
    expect(() => integerFlag('seed', '1e30', 0)).toThrow('Expected --seed to be an integer from 0 to 9007199254740991, got `1e30`');
    expect(() => integerFlag('seed', '9007199254740992', 0)).toThrow('Expected --seed to be an integer from 0 to 9007199254740991, got `9007199254740992`');
    expect(integerFlag('seed', '9007199254740991', 0)).toBe(9007199254740991);
  });
});

describe('number flags', () => {
  it.each(['0x5', ' 5', 'Infinity', ''])('refuse `%s`', (value) => {
    expect(() => numberFlag('budget-usd', value, 0, 100)).toThrow(`Expected --budget-usd to be a number in [0, 100], got \`${value}\``);
  });

  it('read decimals and exponents', () => {
    expect(numberFlag('budget-usd', '2.5', 0, 100)).toBe(2.5);
    expect(numberFlag('budget-usd', '1e1', 0, 100)).toBe(10);
    expect(numberFlag('budget-usd', '.5', 0, 100)).toBe(0.5);
  });
});
