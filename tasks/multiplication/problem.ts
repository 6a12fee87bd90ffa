/**
 * A multiplication problem: two non-negative whole numbers in decimal, and the question text a flat call is
 * asked (the MAKER authors' own wording, `Multiply the following numbers:\nA × B`). Operands are validated
 * once here so every strategy can trust them.
 */
import { InputError } from '../../core/errors.ts';

/** The most digits an operand may have: the decomposition makes about n × m calls, so this is already far past any budget. */
export const MAX_OPERAND_DIGITS = 1000;

/** One product to compute. */
export interface MultiplicationProblem {
  readonly id: string;
  /** The multiplicand, decimal digits without leading zeros. */
  readonly a: string;
  /** The multiplier, decimal digits without leading zeros. */
  readonly b: string;
  /** The question as the flat strategy asks it. */
  readonly question: string;
}

const OPERAND = /^(0|[1-9]\d*)$/;

/** Validates an operand: decimal digits, no sign, no leading zeros, at most {@link MAX_OPERAND_DIGITS} digits. */
export function checkOperand(name: string, value: string): string {
  if (!OPERAND.test(value)) {
    throw new InputError(`Expected \`${name}\` to be a non-negative whole number in decimal without leading zeros, got \`${value}\``);
  }
  if (value.length > MAX_OPERAND_DIGITS) {
    throw new InputError(`Expected \`${name}\` to have at most ${MAX_OPERAND_DIGITS} digits, got ${value.length}`);
  }
  return value;
}

/** The authors' question text for a × b. */
export function multiplicationQuestion(a: string, b: string): string {
  return `Multiply the following numbers:\n${a} × ${b}`;
}

/** The exact product, in decimal: the oracle, used only to measure. */
export function exactProduct(a: string, b: string): string {
  return (BigInt(a) * BigInt(b)).toString();
}

/** A problem from two operands, validated; the question is the authors' wording. */
export function multiplicationProblem(a: string, b: string, id = `${a}x${b}`): MultiplicationProblem {
  checkOperand('a', a);
  checkOperand('b', b);
  return { id, a, b, question: multiplicationQuestion(a, b) };
}
