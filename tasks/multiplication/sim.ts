/**
 * How the simulated model answers multiplication prompts, from the prompt text alone.
 *
 * - A digit call: reads a, b, c (or x, y, c) off the user line and answers a × b + c (x + y + c) split into
 *   digit and carry. Its slips are the ones people and models make with a times table: the carry dropped, the
 *   digit off by one, the carry off by one, the neighbouring table entry, ones and tens swapped.
 * - A flat call: reads the two operands off the authors' question and answers the product, but one answer must
 *   get every step of the schoolbook method right (`stepsInAnswer` is the decomposition's call count for these
 *   operands, so the error compounds over exactly the steps the decomposition would vote on). Its slips: a
 *   carry dropped in one column, a digit off by one, a partial product shifted one column, a partial product
 *   left out, two digits transposed.
 */
import { hashString, type Random } from '../../core/rng.ts';
import type { SimBehaviour } from '../../models/sim-behaviour.ts';
import { digitStep, formatDigitAnswer, MAX_CARRY, type DigitAnswer, type DigitOperation } from './digit-answer.ts';
import { exactProduct, multiplicationProblem } from './problem.ts';
import { ADD_SYSTEM, FLAT_MULTIPLY_SYSTEM, MULTIPLY_SYSTEM } from './prompts.ts';
import { createSchoolbookTask } from './schoolbook.ts';

const MULTIPLY_LINE = /^a = (\d), b = (\d), c = (\d)$/m;
const ADD_LINE = /^x = (\d), y = (\d), c = (\d)$/m;
const FLAT_QUESTION = /Multiply the following numbers:\s*(\d+)\s*×\s*(\d+)/;

/** What a prompt asks, as the model reads it. */
type PromptFacts =
  | { readonly kind: 'digit'; readonly operation: DigitOperation; readonly x: number; readonly y: number; readonly carry: number }
  | { readonly kind: 'flat'; readonly a: string; readonly b: string };

function readPrompt(prompt: string): PromptFacts | undefined {
  if (prompt.includes(MULTIPLY_SYSTEM) || prompt.includes(ADD_SYSTEM)) {
    const operation: DigitOperation = prompt.includes(MULTIPLY_SYSTEM) ? 'multiply' : 'add';
    const line = (operation === 'multiply' ? MULTIPLY_LINE : ADD_LINE).exec(prompt);
    if (line === null) return undefined;
    return { kind: 'digit', operation, x: Number(line[1]), y: Number(line[2]), carry: Number(line[3]) };
  }
  if (prompt.includes(FLAT_MULTIPLY_SYSTEM)) {
    const question = FLAT_QUESTION.exec(prompt);
    if (question === null) return undefined;
    return { kind: 'flat', a: question[1]!, b: question[2]! };
  }
  return undefined;
}

/** The answer `value` stands for, as a digit call would write it (value = 10 × carry + digit). */
function fromValue(value: number): DigitAnswer {
  return { digit: value % 10, carry: Math.floor(value / 10) };
}

/** A digit call's plausible slips, all parseable for the operation. */
export function digitSlips(operation: DigitOperation, x: number, y: number, carry: number): DigitAnswer[] {
  const right = digitStep(operation, x, y, carry);
  const max = MAX_CARRY[operation];
  const slips: DigitAnswer[] = [];
  // The carry in dropped.
  if (carry > 0) slips.push(digitStep(operation, x, y, 0));
  // The digit off by one either way.
  slips.push({ digit: (right.digit + 1) % 10, carry: right.carry }, { digit: (right.digit + 9) % 10, carry: right.carry });
  // The carry out off by one.
  if (right.carry + 1 <= max) slips.push({ digit: right.digit, carry: right.carry + 1 });
  if (right.carry >= 1) slips.push({ digit: right.digit, carry: right.carry - 1 });
  if (operation === 'multiply') {
    // The neighbouring times-table entry: a × (b ± 1) + c.
    for (const entry of [x * (y + 1) + carry, x * (y - 1) + carry]) if (entry >= 0 && entry <= 89) slips.push(fromValue(entry));
    // Ones and tens written the wrong way round.
    if (right.digit !== right.carry && right.digit <= max) slips.push({ digit: right.carry, carry: right.digit });
  } else if (carry > 0) {
    // The carry added twice.
    slips.push(fromValue(Math.min(x + y + 2 * carry, 19)));
  }
  const seen = new Set<string>([formatDigitAnswer(right)]);
  return slips.filter((slip) => {
    const text = formatDigitAnswer(slip);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}

/** A flat answer's plausible slips: wrong products, none equal to the right one. */
export function productSlips(a: string, b: string): string[] {
  const product = BigInt(exactProduct(a, b));
  const length = product.toString().length;
  const pick = (seed: number, size: number) => hashString(`${a}x${b}`, seed) % Math.max(size, 1);
  const power = (exponent: number) => 10n ** BigInt(exponent);
  const bigA = BigInt(a);
  const bDigits = [...b].reverse().map(Number);
  const candidates: bigint[] = [];
  // A carry of one dropped in one column.
  candidates.push(product - power(1 + pick(1, length - 1)));
  // One digit off by one.
  const column = pick(2, length);
  candidates.push(product + power(column), product - power(column));
  // One partial product shifted a column to the left, or left out.
  const nonZeroRows = bDigits.flatMap((digit, row) => (digit === 0 ? [] : [row]));
  if (nonZeroRows.length > 0) {
    const row = nonZeroRows[pick(3, nonZeroRows.length)]!;
    const partial = bigA * BigInt(bDigits[row]!) * power(row);
    candidates.push(product + partial * 9n, product - partial);
  }
  // Two neighbouring digits transposed.
  const text = product.toString();
  if (length >= 2) {
    const at = pick(4, length - 1);
    const swapped = text.slice(0, at) + text[at + 1]! + text[at]! + text.slice(at + 2);
    if (!swapped.startsWith('0')) candidates.push(BigInt(swapped));
  }
  return [...new Set(candidates.filter((value) => value >= 0n && value !== product).map((value) => value.toString()))];
}

/** The schoolbook calls a product of a and b takes: the steps a flat answer must all get right. */
function hiddenSteps(a: string, b: string): number {
  return createSchoolbookTask(multiplicationProblem(a, b)).totalCalls ?? 1;
}

/** The simulated model's multiplication behaviour (digit calls and flat calls). */
export const multiplicationSim: SimBehaviour = {
  respond(prompt) {
    const facts = readPrompt(prompt);
    if (facts === undefined) return undefined;
    if (facts.kind === 'digit') return formatDigitAnswer(digitStep(facts.operation, facts.x, facts.y, facts.carry));
    return `#### ${exactProduct(facts.a, facts.b)}`;
  },

  wrongAnswers(prompt, correct) {
    const facts = readPrompt(prompt);
    // Without its inputs the model can only guess.
    if (facts === undefined) return ['digit = 0, carry = 0', 'digit = 1, carry = 0', '#### 0'];
    const texts =
      facts.kind === 'digit'
        ? digitSlips(facts.operation, facts.x, facts.y, facts.carry).map(formatDigitAnswer)
        : productSlips(facts.a, facts.b).map((product) => `#### ${product}`);
    return texts.filter((text) => text !== correct);
  },

  malformed(prompt, random: Random) {
    const facts = readPrompt(prompt);
    if (facts?.kind === 'flat') {
      const product = exactProduct(facts.a, facts.b);
      // The product written with separators, or cut off mid-answer.
      return random() < 0.5 ? `#### ${BigInt(product).toLocaleString('en-US')}` : `The product is ${product.slice(0, Math.ceil(product.length / 2))}`;
    }
    const value = facts === undefined ? 0 : facts.operation === 'multiply' ? facts.x * facts.y + facts.carry : facts.x + facts.y + facts.carry;
    // The whole value where one digit belongs, or reasoning that never states the line.
    return random() < 0.5 ? `digit = ${value + 10}, carry = 0` : `First I multiply the two digits and then I add the carry, which gives ${value}, so`;
  },

  stepsInAnswer(prompt) {
    const facts = readPrompt(prompt);
    return facts?.kind === 'flat' ? hiddenSteps(facts.a, facts.b) : 1;
  },
};
