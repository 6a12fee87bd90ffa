/**
 * The answer of one digit call, `digit = D, carry = C`, and its strict parser: the last such line, both single
 * digits, the carry within what the call can produce (0 to 8 after a digit product, 0 or 1 after a column sum).
 * Anything else is a red flag, never repaired.
 */
import type { ParseResult } from '../../core/task.ts';

/** What a digit call yields: this position's digit and the carry into the next. */
export interface DigitAnswer {
  readonly digit: number;
  readonly carry: number;
}

/** Which operation a digit call does: `multiply` is a × b + c, `add` is x + y + c. */
export type DigitOperation = 'multiply' | 'add';

/** The largest carry each operation can produce: 9 × 9 + 8 = 89, 9 + 9 + 1 = 19. */
export const MAX_CARRY: Readonly<Record<DigitOperation, number>> = { multiply: 8, add: 1 };

/** The correct answer of a digit call: `x × y + carry` or `x + y + carry`, split into ones and tens. */
export function digitStep(operation: DigitOperation, x: number, y: number, carry: number): DigitAnswer {
  const value = operation === 'multiply' ? x * y + carry : x + y + carry;
  return { digit: value % 10, carry: Math.floor(value / 10) };
}

/** The answer line. */
export function formatDigitAnswer(answer: DigitAnswer): string {
  return `digit = ${answer.digit}, carry = ${answer.carry}`;
}

/** The canonical vote key: `digit,carry`. */
export function digitKey(answer: DigitAnswer): string {
  return `${answer.digit},${answer.carry}`;
}

const ANSWER = /(?<![A-Za-z0-9_])digit\s*=\s*(\d+)\s*,\s*carry\s*=\s*(\d+)(?![\d.])/g;

/** Parses a digit call's response for the given operation. */
export function parseDigitAnswer(text: string, operation: DigitOperation): ParseResult<DigitAnswer> {
  ANSWER.lastIndex = 0;
  let last: RegExpExecArray | undefined;
  for (let match = ANSWER.exec(text); match !== null; match = ANSWER.exec(text)) last = match;
  if (last === undefined) return { ok: false, reason: 'no `digit = D, carry = C` line' };
  const [, digitText, carryText] = last;
  if (digitText!.length !== 1) return { ok: false, reason: `digit \`${digitText}\` is not a single digit` };
  const max = MAX_CARRY[operation];
  if (carryText!.length !== 1 || Number(carryText) > max) return { ok: false, reason: `carry \`${carryText}\` is not a digit from 0 to ${max}` };
  const answer = { digit: Number(digitText), carry: Number(carryText) };
  return { ok: true, key: digitKey(answer), value: answer };
}
