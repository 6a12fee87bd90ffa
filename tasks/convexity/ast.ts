/**
 * The expression AST. Affine operators (`+ - * /`, unary `-`) and atom applications are separate node kinds
 * because composition depth counts atom applications only. `power` keeps its exponent as a number, not a
 * child, since the exponent selects the atom's rule rather than being an argument.
 */
import type { AtomName } from './atoms.ts';

/** A variable such as `x`; its sign is unknown. */
export interface VariableNode {
  readonly kind: 'variable';
  readonly name: string;
}

/** A numeric literal. Literals in parsed text are nonnegative; a minus sign is a `negate` node. */
export interface ConstantNode {
  readonly kind: 'constant';
  readonly value: number;
}

/** Unary minus. */
export interface NegateNode {
  readonly kind: 'negate';
  readonly operand: Expr;
}

/** A binary affine operator symbol. */
export type BinaryOperator = '+' | '-' | '*' | '/';

/** `left op right`. `*` and `/` are affine only when one side (for `/`, the divisor) is constant. */
export interface BinaryNode {
  readonly kind: 'binary';
  readonly op: BinaryOperator;
  readonly left: Expr;
  readonly right: Expr;
}

/** An atom applied to its arguments, such as `maximum(x, y, 3)`. Never `power`, which is a `PowerNode`. */
export interface CallNode {
  readonly kind: 'call';
  readonly atom: Exclude<AtomName, 'power'>;
  readonly args: readonly Expr[];
}

/** `power(base, p)` with a numeric literal exponent `p` (nonzero, possibly negative or fractional). */
export interface PowerNode {
  readonly kind: 'power';
  readonly base: Expr;
  readonly p: number;
}

/** A scalar expression. */
export type Expr = VariableNode | ConstantNode | NegateNode | BinaryNode | CallNode | PowerNode;

/** A variable node. */
export function variable(name: string): VariableNode {
  return { kind: 'variable', name };
}

/** A literal node. */
export function constant(value: number): ConstantNode {
  return { kind: 'constant', value };
}

/** A unary minus node. */
export function negate(operand: Expr): NegateNode {
  return { kind: 'negate', operand };
}

/** A binary operator node. */
export function binary(op: BinaryOperator, left: Expr, right: Expr): BinaryNode {
  return { kind: 'binary', op, left, right };
}

/** An atom application node (any atom but `power`). */
export function call(atom: Exclude<AtomName, 'power'>, args: readonly Expr[]): CallNode {
  return { kind: 'call', atom, args };
}

/** A `power(base, p)` node. */
export function power(base: Expr, p: number): PowerNode {
  return { kind: 'power', base, p };
}

/** The node's direct children, in argument order. */
export function children(expr: Expr): readonly Expr[] {
  switch (expr.kind) {
    case 'variable':
    case 'constant':
      return [];
    case 'negate':
      return [expr.operand];
    case 'binary':
      return [expr.left, expr.right];
    case 'call':
      return expr.args;
    case 'power':
      return [expr.base];
  }
}

/** True for atom applications (`call` and `power`): the nodes that count toward composition depth. */
export function isAtomNode(expr: Expr): expr is CallNode | PowerNode {
  return expr.kind === 'call' || expr.kind === 'power';
}

/** True for a literal zero, possibly negated (`0`, `-0`, `-(-0)`): an operand that is zero as written. */
export function isLiteralZero(expr: Expr): boolean {
  let node = expr;
  while (node.kind === 'negate') node = node.operand;
  return node.kind === 'constant' && node.value === 0;
}
