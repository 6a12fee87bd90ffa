/**
 * Parsers for option values given as text (command-line flags, task options). Each throws an `InputError` that
 * quotes the flag and the received value, so bad input is one line and exit code 2.
 */
import { InputError } from '../core/errors.ts';

/**
 * An integer flag within [min, max], written in decimal digits (with a leading minus): `Number` alone would also
 * take `1e1`, `0x5` and ` 5`.
 */
export function integerFlag(name: string, value: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  const parsed = Number(value);
  if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
    // Without a stated maximum the range reads `>= min`, unless the value is too large, which then says why.
    const range = max === Number.MAX_SAFE_INTEGER && !(parsed > max) ? `>= ${min}` : `from ${min} to ${max}`;
    throw new InputError(`Expected --${name} to be an integer ${range}, got \`${value}\``);
  }
  return parsed;
}

/** A finite decimal number flag (`2.5`, `.5`, `1e-3`; not `0x5` or ` 5`) within [min, max] (or the open interval when `open` is set). */
export function numberFlag(name: string, value: string, min: number, max: number, open = false): number {
  const parsed = Number(value);
  const inRange = open ? parsed > min && parsed < max : parsed >= min && parsed <= max;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value) || !Number.isFinite(parsed) || !inRange) {
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
