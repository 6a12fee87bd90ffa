/**
 * Parsers for option values given as text (command-line flags, task options). Each throws an `InputError` that
 * quotes the flag and the received value, so bad input is one line and exit code 2.
 */
import { InputError } from '../core/errors.ts';

/** An integer flag within [min, max]. */
export function integerFlag(name: string, value: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < min || parsed > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new InputError(`Expected --${name} to be an integer ${range}, got \`${value}\``);
  }
  return parsed;
}

/** A finite number flag within [min, max] (or the open interval when `open` is set). */
export function numberFlag(name: string, value: string, min: number, max: number, open = false): number {
  const parsed = Number(value);
  const inRange = open ? parsed > min && parsed < max : parsed >= min && parsed <= max;
  if (value.trim() === '' || !Number.isFinite(parsed) || !inRange) {
    const range = open ? `in (${min}, ${max})` : `in [${min}, ${max}]`;
    throw new InputError(`Expected --${name} to be a number ${range}, got \`${value}\``);
  }
  return parsed;
}

/** One of a fixed set of values. */
export function choiceFlag<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new InputError(`Expected --${name} to be one of ${choices.join(', ')}, got \`${value}\``);
  }
  return value as T;
}
