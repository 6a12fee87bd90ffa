/**
 * The prompts. A digit call's prompt holds its three one-digit inputs and nothing else: no position, no row,
 * no history, so its size is the same for a 5-digit product as for a 500-digit one. The flat prompt is the
 * whole question in the MAKER authors' words, with the answer format theirs (`####` before the answer).
 */
import type { ChatMessage } from '../../core/model.ts';
import type { DigitOperation } from './digit-answer.ts';

/** The multiply call's instructions. */
export const MULTIPLY_SYSTEM = `You are one step of a long multiplication done one digit at a time.
You are given a digit a of the first number, a digit b of the second number, and the carry c from the step before.
Compute a × b + c, a number from 0 to 89. Its ones digit is this step's digit; its tens digit is the carry to the next step.
End your answer with exactly this line:
digit = <ones digit>, carry = <tens digit>`;

/** The add call's instructions. */
export const ADD_SYSTEM = `You are one step of a long addition done one column at a time.
You are given the digits x and y of the two numbers in this column, and the carry c from the column before (0 or 1).
Compute x + y + c, a number from 0 to 19. Its ones digit is this column's digit; its tens digit is the carry to the next column.
End your answer with exactly this line:
digit = <ones digit>, carry = <tens digit>`;

/** The flat call's instructions. */
export const FLAT_MULTIPLY_SYSTEM = `You multiply two whole numbers exactly.
Work the product out, then end your answer with one line: '####' followed by the product's digits alone (no commas, spaces or other text).`;

/** The user line of a digit call. */
export function digitQuestion(operation: DigitOperation, x: number, y: number, carry: number): string {
  return operation === 'multiply' ? `a = ${x}, b = ${y}, c = ${carry}` : `x = ${x}, y = ${y}, c = ${carry}`;
}

/** A digit call's messages. */
export function digitMessages(operation: DigitOperation, x: number, y: number, carry: number): readonly ChatMessage[] {
  return [
    { role: 'system', content: operation === 'multiply' ? MULTIPLY_SYSTEM : ADD_SYSTEM },
    { role: 'user', content: digitQuestion(operation, x, y, carry) },
  ];
}

/** The flat call's messages: the question as the authors wrote it. */
export function flatMultiplicationMessages(question: string): readonly ChatMessage[] {
  return [
    { role: 'system', content: FLAT_MULTIPLY_SYSTEM },
    { role: 'user', content: question },
  ];
}
