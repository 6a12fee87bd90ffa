/**
 * How the simulated model answers convexity prompts, from the prompt text alone.
 *
 * - focused: reads the operator pattern and the arguments' labels and applies the composition rule.
 * - accumulating: reads the current question's operator over earlier node ids and looks each id up in the
 *   conversation (the leaves list and earlier answers); the simulated model's own context degradation makes
 *   these long prompts error-prone.
 * - flat: reads the expression and labels it bottom-up, but as a one-shot reader it loses track of a long
 *   composition: with odds `(expressionTokens / FLAT_READER.referenceTokens) ^ FLAT_READER.exponent` it has no
 *   correct answer for the prompt, and every sample is one of the wrong answers. This is the one-shot collapse
 *   ConvexBench reports (F1 about 1.0 at depth 2, about 0.2 at depth 100); it is decided per prompt, so
 *   voting cannot repair it.
 *
 * Wrong answers lean toward UNKNOWN, as ConvexBench's errors drift toward "neither": the attractor is an
 * UNKNOWN-curvature answer whenever the correct curvature is something else.
 */
import { hashString, unitFromHash, type Random } from '../../core/rng.ts';
import type { SimBehaviour } from '../../models/sim-behaviour.ts';
import { countTokens } from '../../models/tokens.ts';
import { formatAnswer } from './answer.ts';
import { children, type Expr } from './ast.ts';
import { labelExpression, labelNode } from './dcp-labeller.ts';
import { CURVATURES, negateSign, SIGNS, type Curvature, type Label, type Sign } from './labels.ts';
import { safeParseExpression } from './parser.ts';

/**
 * The flat reader's capacity curve: the odds that a one-shot reader loses track of an expression grow as a
 * power of the expression's length in tokens. Calibrated against ConvexBench's one-shot F1 (about 1.0 at
 * depth 2, about 0.2 at depth 100) on `generateExpressions` output: see results/convexity/.
 */
export const FLAT_READER = {
  /** Expression length, in o200k tokens, at which the reader loses track half the time. */
  referenceTokens: 105,
  /** Steepness of the curve. */
  exponent: 3,
} as const;

/** Which kind of prompt a text is, by its fixed instructions. */
export type PromptKind = 'focused' | 'flat' | 'accumulating';

/** The prompt kind of a prompt text, or undefined for a text that is none of them. */
export function promptKind(prompt: string): PromptKind | undefined {
  if (prompt.includes('You are given one operator')) return 'focused';
  if (prompt.includes('You are given a whole expression')) return 'flat';
  if (prompt.includes('We label an expression node by node')) return 'accumulating';
  return undefined;
}

const LABEL_TEXT = /curvature = ([A-Z]+), sign = ([A-Z]+)/;

function readLabel(curvature: string, sign: string): Label | undefined {
  if (!(CURVATURES as readonly string[]).includes(curvature) || !(SIGNS as readonly string[]).includes(sign)) return undefined;
  return { curvature: curvature as Curvature, sign: sign as Sign };
}

/** Labels an operator pattern whose arguments are variables, looking each variable's label up by name. */
function labelPattern(pattern: string, lookup: (name: string) => Label | undefined): Label | undefined {
  const parsed = safeParseExpression(pattern);
  if (!parsed.ok) return undefined;
  const node: Expr = parsed.expr;
  const args: Label[] = [];
  for (const child of children(node)) {
    if (child.kind === 'variable') {
      const label = lookup(child.name);
      if (label === undefined) return undefined;
      args.push(label);
    } else {
      // Only power's exponent is a literal, and it is not a child; anything else is not a pattern.
      return undefined;
    }
  }
  return labelNode(node, args);
}

function focusedTruth(prompt: string): Label | undefined {
  const operator = /^Operator: (.+)$/m.exec(prompt);
  if (operator === null) return undefined;
  const args = new Map<string, Label>();
  for (const match of prompt.matchAll(/^- ([a-z][a-z0-9]*): curvature = ([A-Z]+), sign = ([A-Z]+)$/gm)) {
    const label = readLabel(match[2]!, match[3]!);
    if (label !== undefined) args.set(match[1]!, label);
  }
  return labelPattern(operator[1]!, (name) => args.get(name));
}

function accumulatingTruth(prompt: string): Label | undefined {
  const known = new Map<string, Label>();
  for (const match of prompt.matchAll(/^- (n\d+) = .*: curvature = ([A-Z]+), sign = ([A-Z]+)$/gm)) {
    const label = readLabel(match[2]!, match[3]!);
    if (label !== undefined) known.set(match[1]!, label);
  }
  // Questions and answers in conversation order; an answer belongs to the question before it.
  let current: { id: string; pattern: string } | undefined;
  for (const match of prompt.matchAll(/^Node (n\d+) = (.+)$|^curvature = ([A-Z]+)\nsign = ([A-Z]+)$/gm)) {
    if (match[1] !== undefined) {
      current = { id: match[1], pattern: match[2]! };
    } else if (current !== undefined) {
      const label = readLabel(match[3]!, match[4]!);
      if (label !== undefined) known.set(current.id, label);
      current = undefined;
    }
  }
  if (current === undefined) return undefined;
  return labelPattern(current.pattern, (name) => known.get(name));
}

function flatExpression(prompt: string): string | undefined {
  return /^Expression: (.+)$/m.exec(prompt)?.[1];
}

function flatTruth(prompt: string): Label | undefined {
  const text = flatExpression(prompt);
  if (text === undefined) return undefined;
  const parsed = safeParseExpression(text);
  return parsed.ok ? labelExpression(parsed.expr) : undefined;
}

/** Probability that the one-shot reader loses track of an expression of this many tokens. */
export function flatLossProbability(expressionTokens: number): number {
  const odds = (expressionTokens / FLAT_READER.referenceTokens) ** FLAT_READER.exponent;
  return odds / (1 + odds);
}

/** The correct label a prompt asks for, whatever the reader's capacity: used for wrong answers and tests. */
export function promptTruth(prompt: string): Label | undefined {
  switch (promptKind(prompt)) {
    case 'focused':
      return focusedTruth(prompt);
    case 'accumulating':
      return accumulatingTruth(prompt);
    case 'flat':
      return flatTruth(prompt);
    default:
      return undefined;
  }
}

function mirror(curvature: Curvature): Curvature {
  return curvature === 'CONVEX' ? 'CONCAVE' : curvature === 'CONCAVE' ? 'CONVEX' : curvature;
}

/** Plausible wrong labels for a correct one, UNKNOWN-curvature slips first. */
export function wrongLabels(truth: Label | undefined): Label[] {
  if (truth === undefined) {
    return [
      { curvature: 'UNKNOWN', sign: 'UNKNOWN' },
      { curvature: 'CONVEX', sign: 'UNKNOWN' },
      { curvature: 'CONCAVE', sign: 'UNKNOWN' },
    ];
  }
  const { curvature, sign } = truth;
  const flipped: Sign = sign === 'UNKNOWN' ? 'NONNEGATIVE' : negateSign(sign) === sign ? 'UNKNOWN' : negateSign(sign);
  const candidates: Label[] = [
    { curvature: 'UNKNOWN', sign },
    { curvature: 'UNKNOWN', sign: 'UNKNOWN' },
    { curvature: mirror(curvature) === curvature ? (curvature === 'UNKNOWN' ? 'CONVEX' : 'UNKNOWN') : mirror(curvature), sign },
    { curvature: curvature === 'AFFINE' ? 'CONVEX' : curvature === 'CONSTANT' ? 'AFFINE' : curvature === 'UNKNOWN' ? 'CONCAVE' : 'AFFINE', sign },
    { curvature, sign: sign === 'UNKNOWN' ? 'NONNEGATIVE' : 'UNKNOWN' },
    { curvature, sign: flipped },
  ];
  const seen = new Set<string>([`${curvature}/${sign}`]);
  return candidates.filter((label) => {
    const key = `${label.curvature}/${label.sign}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * What a one-shot reader that lost track of the expression answers: "neither" (UNKNOWN curvature) with
 * some sign, or now and then the mirror curvature; never the correct label.
 */
export function lostReaderLabels(truth: Label | undefined): Label[] {
  const sign = truth?.sign ?? 'UNKNOWN';
  const candidates: Label[] = [
    { curvature: 'UNKNOWN', sign },
    ...(['UNKNOWN', 'NONNEGATIVE', 'NONPOSITIVE'] as const).map((s) => ({ curvature: 'UNKNOWN' as const, sign: s })),
    { curvature: truth === undefined || truth.curvature === 'UNKNOWN' ? 'CONVEX' : mirror(truth.curvature) === truth.curvature ? 'CONVEX' : mirror(truth.curvature), sign },
  ];
  const seen = new Set<string>(truth === undefined ? [] : [`${truth.curvature}/${truth.sign}`]);
  return candidates.filter((label) => {
    const key = `${label.curvature}/${label.sign}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The simulated model's behaviour on all three convexity prompt kinds. */
export const convexitySim: SimBehaviour = {
  respond(prompt) {
    const truth = promptTruth(prompt);
    if (truth === undefined) return undefined;
    if (promptKind(prompt) === 'flat') {
      const expression = flatExpression(prompt) ?? '';
      const lost = unitFromHash(hashString(prompt, 0x666c6174)) < flatLossProbability(countTokens(expression));
      if (lost) return undefined;
    }
    return formatAnswer(truth);
  },

  wrongAnswers(prompt) {
    const truth = promptTruth(prompt);
    return (promptKind(prompt) === 'flat' ? lostReaderLabels(truth) : wrongLabels(truth)).map(formatAnswer);
  },

  attractorIndex(_prompt, wrong, hash) {
    const unknown = wrong.findIndex((text) => text.startsWith('curvature = UNKNOWN'));
    return unknown >= 0 ? unknown : hash % wrong.length;
  },

  malformed(_prompt, random: Random) {
    const variants = [
      'The argument is convex and the function is nondecreasing there, so by the composition rule the result should be',
      'curvature: CONVEX\nsign: NONNEGATIVE',
      'curvature = CONVEX',
    ];
    return variants[Math.floor(random() * variants.length)]!;
  },
};
