/**
 * The DCP labeller: curvature and sign of every node, by the reference's composition rule with CVXPY's
 * semantics. A node's label depends only on its own operator and its direct children's labels, which is
 * what lets a scheduler ask about one node at a time.
 *
 * The labels are DCP's verdict, not mathematical truth: `sqrt(1 + square(x))` is convex, yet DCP says UNKNOWN.
 */
import { atomSpec, powerRule, type CompositionRule } from './atoms.ts';
import type { BinaryOperator, Expr } from './ast.ts';
import {
  isAffine,
  isConcave,
  isConvex,
  isNonneg,
  isNonpos,
  negateSign,
  productSign,
  sumSign,
  type Label,
  type Sign,
} from './labels.ts';
import { postOrder } from './post-order.ts';

const signAt = (args: readonly Label[], index: number): Sign => args[index]?.sign ?? 'UNKNOWN';
const constantAt = (args: readonly Label[], index: number): boolean => args[index]?.curvature === 'CONSTANT';
const zeroAt = (args: readonly Label[], index: number): boolean => signAt(args, index) === 'ZERO';

const NEGATE_RULE: CompositionRule = {
  curvature: () => 'affine',
  increasing: () => false,
  decreasing: () => true,
  sign: (args) => negateSign(signAt(args, 0)),
};

const BINARY_RULES: Readonly<Record<BinaryOperator, CompositionRule>> = {
  '+': {
    curvature: () => 'affine',
    increasing: () => true,
    decreasing: () => false,
    sign: (args) => sumSign([signAt(args, 0), signAt(args, 1)]),
  },
  '-': {
    curvature: () => 'affine',
    increasing: (index) => index === 0,
    decreasing: (index) => index === 1,
    sign: (args) => sumSign([signAt(args, 0), negateSign(signAt(args, 1))]),
  },
  // A product is affine only when one factor is constant; its monotonicity in one factor is the other's sign.
  '*': {
    curvature: (args) => (constantAt(args, 0) || constantAt(args, 1) ? 'affine' : 'none'),
    increasing: (index, args) => isNonneg(signAt(args, 1 - index)),
    decreasing: (index, args) => isNonpos(signAt(args, 1 - index)),
    sign: (args) => productSign(signAt(args, 0), signAt(args, 1)),
  },
  // `a / c` is `(1/c) * a`; a non-constant divisor is not DCP. Monotonicity in the divisor follows CVXPY.
  // A divisor certified ZERO has no `1/c`: CVXPY's product rule would call the quotient ZERO (and both
  // nondecreasing and nonincreasing in `a`, so `exp(x) / (0 * 2)` AFFINE); we certify neither sign nor monotonicity.
  '/': {
    curvature: (args) => (constantAt(args, 1) ? 'affine' : 'none'),
    increasing: (index, args) => (index === 0 ? !zeroAt(args, 1) && isNonneg(signAt(args, 1)) : isNonpos(signAt(args, 0))),
    decreasing: (index, args) => (index === 0 ? !zeroAt(args, 1) && isNonpos(signAt(args, 1)) : isNonneg(signAt(args, 0))),
    sign: (args) => (zeroAt(args, 1) ? 'UNKNOWN' : productSign(signAt(args, 0), signAt(args, 1))),
  },
};

/** The composition rule of a non-leaf node's operator. */
export function ruleOf(node: Exclude<Expr, { kind: 'variable' | 'constant' }>): CompositionRule {
  switch (node.kind) {
    case 'negate':
      return NEGATE_RULE;
    case 'binary':
      return BINARY_RULES[node.op];
    case 'call':
      return atomSpec(node.atom);
    case 'power':
      return powerRule(node.p);
  }
}

/**
 * The label of one node from its operator and its direct children's labels (in argument order). Leaves need
 * none: a variable is AFFINE with unknown sign, a literal is CONSTANT with its value's sign.
 */
export function labelNode(node: Expr, args: readonly Label[]): Label {
  if (node.kind === 'variable') return { curvature: 'AFFINE', sign: 'UNKNOWN' };
  if (node.kind === 'constant') {
    return { curvature: 'CONSTANT', sign: node.value === 0 ? 'ZERO' : node.value > 0 ? 'NONNEGATIVE' : 'NONPOSITIVE' };
  }
  const rule = ruleOf(node);
  const sign = rule.sign(args);
  if (args.every((arg) => arg.curvature === 'CONSTANT')) return { curvature: 'CONSTANT', sign };
  const own = rule.curvature(args);
  const convex =
    (own === 'convex' || own === 'affine') &&
    args.every(
      (arg, i) =>
        isAffine(arg.curvature) ||
        (isConvex(arg.curvature) && rule.increasing(i, args)) ||
        (isConcave(arg.curvature) && rule.decreasing(i, args)),
    );
  const concave =
    (own === 'concave' || own === 'affine') &&
    args.every(
      (arg, i) =>
        isAffine(arg.curvature) ||
        (isConcave(arg.curvature) && rule.increasing(i, args)) ||
        (isConvex(arg.curvature) && rule.decreasing(i, args)),
    );
  const curvature = convex && concave ? 'AFFINE' : convex ? 'CONVEX' : concave ? 'CONCAVE' : 'UNKNOWN';
  return { curvature, sign };
}

/** The label of every node, in post-order (see `postOrder`); the root's label is last. */
export function labelAll(expr: Expr): readonly Label[] {
  const labels: Label[] = [];
  for (const { node, children } of postOrder(expr)) {
    labels.push(labelNode(node, children.map((index) => labels[index]!)));
  }
  return labels;
}

/** The DCP label of the whole expression. */
export function labelExpression(expr: Expr): Label {
  const labels = labelAll(expr);
  return labels[labels.length - 1]!;
}
