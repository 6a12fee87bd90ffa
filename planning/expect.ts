/**
 * Argument checks shared by the reliability math, the multi-candidate race, the planner and calibration. Each
 * throws an `InputError` whose message quotes the name and the received value, in the house format:
 * ``Expected `k` to be an integer >= 1, got `0` ``. Internal: not re-exported from `voting/index.ts`.
 */
import { InputError } from '../core/errors.ts';

function show(value: unknown): string {
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : JSON.stringify(value) ?? String(value);
}

/** An integer in [min, max]. */
export function expectInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new InputError(`Expected \`${name}\` to be an integer ${range}, got \`${show(value)}\``);
  }
  return value;
}

/**
 * A finite number between `min` and `max`; `open` says which ends are excluded (`'both'`, `'min'`, `'max'`,
 * or `'none'`).
 */
export function expectNumber(
  name: string,
  value: unknown,
  min: number,
  max: number,
  open: 'both' | 'min' | 'max' | 'none' = 'none',
): number {
  const openMin = open === 'both' || open === 'min';
  const openMax = open === 'both' || open === 'max';
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (openMin ? value > min : value >= min) &&
    (openMax ? value < max : value <= max);
  if (!ok) {
    const range = max === Infinity ? `${openMin ? '>' : '>='} ${min}` : `in ${openMin ? '(' : '['}${min}, ${max}${openMax ? ')' : ']'}`;
    throw new InputError(`Expected \`${name}\` to be a number ${range}, got \`${show(value)}\``);
  }
  return value;
}
