/**
 * The three prompt kinds. Every prompt asks for the same two answer lines.
 *
 * - focused: one operator node; the prompt holds the operator, its rule row, and its direct arguments'
 *   (curvature, sign) — nothing of the rest of the expression.
 * - flat: the whole expression at once, with the full rules.
 * - accumulating: one operator node per call like focused, but the node's arguments are named by earlier node ids
 *   and their labels live in the conversation (every earlier question and answer), not in the question.
 */
import type { ChatMessage } from '../../core/model.ts';
import { ATOM_NAMES, atomSpec, powerRule } from './atoms.ts';
import { binary, call, negate, power, variable, type Expr } from './ast.ts';
import { formatAnswer } from './answer.ts';
import type { Label } from './labels.ts';
import { printExpression } from './printer.ts';

const ANSWER_FORMAT = `End your answer with exactly these two lines:
curvature = CONSTANT | AFFINE | CONVEX | CONCAVE | UNKNOWN
sign = ZERO | NONNEGATIVE | NONPOSITIVE | UNKNOWN`;

const COMPOSITION_RULES = `Labels (CVXPY's): curvature is the first of CONSTANT, AFFINE, CONVEX, CONCAVE, UNKNOWN that applies; sign is ZERO, NONNEGATIVE, NONPOSITIVE or UNKNOWN.
Composition rule for f(e1, ..., en):
- CONVEX if f is convex and, for every argument i: ei is affine (CONSTANT or AFFINE); or ei is convex and f is nondecreasing in argument i; or ei is concave and f is nonincreasing in argument i.
- CONCAVE is the mirror: f concave and, for every i: ei affine; or ei concave and f nondecreasing in i; or ei convex and f nonincreasing in i.
- Convex and concave at once is AFFINE. If every argument is CONSTANT the result is CONSTANT. Otherwise UNKNOWN.
- "±" monotonicity means nondecreasing where the argument is nonnegative, nonincreasing where it is nonpositive, otherwise neither: use the argument's sign.
- Values are never evaluated and domains are never checked.
Sign rules: a sum is nonnegative if all terms are, nonpositive if all are, otherwise unknown; a product is zero if a factor is zero, nonnegative if both signs are known and agree, nonpositive if they are known and differ, otherwise unknown; negation swaps nonnegative and nonpositive.`;

/** The rule row of an affine operator, as the prompts state it. */
const AFFINE_RULES = {
  negate: 'affine; nonincreasing; sign is the argument\'s with nonnegative and nonpositive swapped',
  '+': 'affine; nondecreasing in a and in b; sign by the sum rule',
  '-': 'affine; nondecreasing in a, nonincreasing in b; sign by the sum rule applied to a and -b',
  '*': 'affine if a or b is CONSTANT, nondecreasing in the other factor if the constant is nonnegative, nonincreasing if it is nonpositive; a product of two non-constant factors is not DCP (UNKNOWN); sign by the product rule',
  '/': 'affine if b is CONSTANT (as (1/b) * a: nondecreasing in a if b is nonnegative, nonincreasing if nonpositive); a non-constant divisor is not DCP (UNKNOWN); sign by the product rule, except that a ZERO divisor gives neither monotonicity in a nor a sign (UNKNOWN)',
} as const;

/** The rules every prompt carries (the flat prompt also carries the whole atom table). */
export function rulesText(withAtomTable: boolean): string {
  const table = withAtomTable
    ? `\nAtoms (curvature; monotonicity; sign of the result):\n${ATOM_NAMES.filter((name) => name !== 'power')
        .map((name) => `- ${name}: ${atomSpec(name).summary}`)
        .join('\n')}\n- power(a, p): p = 2, 4, 8, ...: ${powerRule(2).summary}; other p > 1: ${powerRule(3).summary}; 0 < p < 1: ${powerRule(0.5).summary}; p < 0: ${powerRule(-1).summary}; p = 1: ${powerRule(1).summary}
Affine operators:\n${Object.entries(AFFINE_RULES)
        .map(([op, rule]) => `- ${op === 'negate' ? '-a' : `a ${op} b`}: ${rule}`)
        .join('\n')}`
    : '';
  return `You label expressions by the rules of disciplined convex programming (DCP), exactly as CVXPY does.
${COMPOSITION_RULES}${table}`;
}

/** Argument names used in operator patterns: a, b, c, ... */
export function argumentName(index: number): string {
  return index < 26 ? String.fromCharCode(97 + index) : `arg${index + 1}`;
}

/** The node's operator with its arguments replaced by `a`, `b`, ...: `square(a)`, `power(a, 3)`, `a * b`. */
export function operatorPattern(node: Expr, names: (index: number) => string = argumentName): string {
  const v = (i: number) => variable(names(i));
  switch (node.kind) {
    case 'variable':
    case 'constant':
      return printExpression(node);
    case 'negate':
      return printExpression(negate(v(0)));
    case 'binary':
      return printExpression(binary(node.op, v(0), v(1)));
    case 'call':
      return printExpression(call(node.atom, node.args.map((_, i) => v(i))));
    case 'power':
      return printExpression(power(v(0), node.p));
  }
}

/** The rule row of a non-leaf node's operator, in words. */
export function operatorRule(node: Expr): string {
  switch (node.kind) {
    case 'variable':
    case 'constant':
      return '';
    case 'negate':
      return AFFINE_RULES.negate;
    case 'binary':
      return AFFINE_RULES[node.op];
    case 'call':
      return atomSpec(node.atom).summary;
    case 'power':
      return powerRule(node.p).summary;
  }
}

function labelText(label: Label): string {
  return `curvature = ${label.curvature}, sign = ${label.sign}`;
}

const FOCUSED_SYSTEM = `${rulesText(false)}

You are given one operator, its rule, and the labels of its direct arguments. Label the operator's result.
${ANSWER_FORMAT}`;

/** The focused prompt for one node: its operator, its rule row, and its arguments' labels, nothing else. */
export function focusedMessages(node: Expr, args: readonly Label[]): ChatMessage[] {
  const lines = args.map((label, i) => `- ${argumentName(i)}: ${labelText(label)}`);
  return [
    { role: 'system', content: FOCUSED_SYSTEM },
    {
      role: 'user',
      content: `Operator: ${operatorPattern(node)}
Rule: ${operatorRule(node)}
Arguments:
${lines.join('\n')}
Give the curvature and sign of ${operatorPattern(node)}.`,
    },
  ];
}

const FLAT_SYSTEM = `${rulesText(true)}

You are given a whole expression. Label it.
${ANSWER_FORMAT}`;

/** The flat prompt: the whole expression in one call. */
export function flatMessages(expr: Expr): ChatMessage[] {
  return [
    { role: 'system', content: FLAT_SYSTEM },
    { role: 'user', content: `Expression: ${printExpression(expr)}\nGive the curvature and sign of the whole expression.` },
  ];
}

const ACCUMULATING_SYSTEM = `${rulesText(false)}

We label an expression node by node, bottom-up. Each question defines one node (n0, n1, ...) by an operator over earlier nodes, with the operator's rule; the labels of earlier nodes are in this conversation. Label the node asked about.
${ANSWER_FORMAT}`;

/** One earlier or current question of the accumulating conversation, with its node's argument ids. */
export interface AccumulatedQuestion {
  readonly id: number;
  readonly node: Expr;
  readonly argIds: readonly number[];
}

/** A node id as the accumulating prompts write it. */
export function nodeId(id: number): string {
  return `n${id}`;
}

function accumulatingQuestion(question: AccumulatedQuestion): string {
  const pattern = operatorPattern(question.node, (i) => nodeId(question.argIds[i]!));
  return `Node ${nodeId(question.id)} = ${pattern}\nRule: ${operatorRule(question.node)}\nGive the curvature and sign of ${nodeId(question.id)}.`;
}

/** One entry of the accumulating conversation before the current question. */
export type AccumulatedEntry =
  /** A node the model was asked about, with its voted answer. */
  | { readonly kind: 'asked'; readonly question: AccumulatedQuestion; readonly answer: Label }
  /** A node the scheduler labelled itself (an affine operator node with `affineNodes: 'symbolic'`). */
  | { readonly kind: 'labelled'; readonly question: AccumulatedQuestion; readonly label: Label };

/**
 * The accumulating prompt: the expression and its leaves' labels, then every earlier question with its voted
 * answer as a conversation (and any node the scheduler labelled itself, as a note), then the current question.
 */
export function accumulatingMessages(
  expr: Expr,
  leaves: ReadonlyArray<{ readonly id: number; readonly node: Expr; readonly label: Label }>,
  earlier: readonly AccumulatedEntry[],
  current: AccumulatedQuestion,
): ChatMessage[] {
  const messages: ChatMessage[] = [
    { role: 'system', content: ACCUMULATING_SYSTEM },
    {
      role: 'user',
      content: `Expression: ${printExpression(expr)}\nLeaves:\n${leaves.map((leaf) => `- ${nodeId(leaf.id)} = ${printExpression(leaf.node)}: ${labelText(leaf.label)}`).join('\n')}`,
    },
  ];
  for (const entry of earlier) {
    if (entry.kind === 'asked') {
      messages.push({ role: 'user', content: accumulatingQuestion(entry.question) }, { role: 'assistant', content: formatAnswer(entry.answer) });
    } else {
      const pattern = operatorPattern(entry.question.node, (i) => nodeId(entry.question.argIds[i]!));
      messages.push({ role: 'user', content: `Labelled by the scheduler:\n- ${nodeId(entry.question.id)} = ${pattern}: ${labelText(entry.label)}` });
    }
  }
  messages.push({ role: 'user', content: accumulatingQuestion(current) });
  return messages;
}
