/**
 * A call's numeric key: what sample seeds and ensemble rotation are derived from. A decimal integer id is its own
 * key, so step `n` of a step task seeds exactly as it always has; any other id is hashed above 2^32, where no
 * integer id of a run that fits in memory can reach it.
 */
import { hashString } from '../core/rng.ts';

const DECIMAL = /^(?:0|[1-9]\d{0,14})$/;

/** The numeric key of call id `id`. */
export function callKey(id: string): number {
  if (DECIMAL.test(id)) return Number(id);
  return 2 ** 32 + hashString(id);
}
