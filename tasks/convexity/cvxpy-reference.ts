/**
 * A second, independent statement of DCP for the tests: CVXPY's own atom definitions, transcribed from its
 * source rather than from the reference table, evaluated the way CVXPY's `Atom` evaluates them. Test-only (not
 * exported from the task's index); the labeller must agree with it node for node.
 *
 * It differs from the labeller in shape on purpose: every fact is CVXPY's pair of booleans (`is_nonneg`,
 * `is_nonpos`; `is_convex`, `is_concave`, `is_constant`), each atom is its `sign_from_args`, `is_atom_convex`,
 * `is_atom_concave`, `is_incr` and `is_decr`, and the atoms CVXPY defines as Python functions are expanded into
 * the expressions those functions return (`pos(x)` is `maximum(x, 0)`, `neg(x)` is `-minimum(x, 0)`,
 * `square(x)` is `power(x, 2)`, `sqrt(x)` is `power(x, 1/2)`, `inv_pos(x)` is `power(x, -1)`, `a - b` is
 * `a + -b`), so their signs come out of the composition, as in CVXPY.
 *
 * Sources read (cvxpy/cvxpy): atoms/atom.py (composition rule), expressions/expression.py (`curvature`, `sign`,
 * `__sub__`, `__truediv__`), atoms/affine/{add_expr,unary_operators,binary_operators}.py, atoms/quad_over_lin.py,
 * atoms/elementwise/{exp,log,log1p,logistic,entr,power,square,sqrt,inv_pos,abs,huber,pos,neg,maximum,minimum,
 * kl_div,rel_entr,xexp}.py, utilities/sign.py (`mul_sign`).
 *
 * Two places where the project departs from CVXPY on purpose are stated here too, so the test checks them:
 * a quotient by a divisor certified zero has no sign and no monotonicity in its numerator (CVXPY's `mul_sign`
 * would call it ZERO), and `power` uses its exponent as written (CVXPY rounds it to a fraction with denominator
 * at most 1024 before choosing monotonicity; every exponent the generator uses is exact).
 */
import type { BinaryOperator, CallNode, Expr } from './ast.ts';
import type { Curvature, Label, Sign } from './labels.ts';

/** What CVXPY knows about an expression. */
interface Facts {
  readonly constant: boolean;
  readonly convex: boolean;
  readonly concave: boolean;
  readonly nonneg: boolean;
  readonly nonpos: boolean;
}

/** An atom as CVXPY's `Atom` subclasses state it. */
interface AtomDefinition {
  sign(args: readonly Facts[]): readonly [nonneg: boolean, nonpos: boolean];
  atomConvex(args: readonly Facts[]): boolean;
  atomConcave(args: readonly Facts[]): boolean;
  incr(index: number, args: readonly Facts[]): boolean;
  decr(index: number, args: readonly Facts[]): boolean;
}

const affine = (f: Facts): boolean => f.constant || (f.convex && f.concave);
const zero = (f: Facts): boolean => f.nonneg && f.nonpos;
const arg = (args: readonly Facts[], index: number): Facts => args[index]!;

const always = (): boolean => true;
const never = (): boolean => false;
const positive = (): readonly [boolean, boolean] => [true, false];
const unknownSign = (): readonly [boolean, boolean] => [false, false];
const sameSignAsArgument = (args: readonly Facts[]): readonly [boolean, boolean] => [arg(args, 0).nonneg, arg(args, 0).nonpos];

/** cvxpy/utilities/sign.py `mul_sign`. */
function mulSign(left: Facts, right: Facts): readonly [boolean, boolean] {
  const eitherZero = zero(left) || zero(right);
  return [
    eitherZero || (left.nonneg && right.nonneg) || (left.nonpos && right.nonpos),
    eitherZero || (left.nonneg && right.nonpos) || (left.nonpos && right.nonneg),
  ];
}

/** `is_power2` of CVXPY's power_tools, for the exponents CVXPY keeps as integers. */
function isPower2(p: number): boolean {
  if (!Number.isInteger(p) || p <= 0) return false;
  let n = p;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

const DEFINITIONS = {
  exp: { sign: positive, atomConvex: always, atomConcave: never, incr: always, decr: never },
  log: { sign: unknownSign, atomConvex: never, atomConcave: always, incr: always, decr: never },
  // log1p subclasses log and overrides only the sign.
  log1p: { sign: sameSignAsArgument, atomConvex: never, atomConcave: always, incr: always, decr: never },
  logistic: { sign: positive, atomConvex: always, atomConcave: never, incr: always, decr: never },
  entr: { sign: unknownSign, atomConvex: never, atomConcave: always, incr: never, decr: never },
  abs: {
    sign: positive,
    atomConvex: always,
    atomConcave: never,
    incr: (i: number, args: readonly Facts[]) => arg(args, i).nonneg,
    decr: (i: number, args: readonly Facts[]) => arg(args, i).nonpos,
  },
  huber: {
    sign: positive,
    atomConvex: always,
    atomConcave: never,
    incr: (i: number, args: readonly Facts[]) => arg(args, i).nonneg,
    decr: (i: number, args: readonly Facts[]) => arg(args, i).nonpos,
  },
  maximum: {
    sign: (args: readonly Facts[]) => [args.some((a) => a.nonneg), args.every((a) => a.nonpos)] as const,
    atomConvex: always,
    atomConcave: never,
    incr: always,
    decr: never,
  },
  minimum: {
    sign: (args: readonly Facts[]) => [args.every((a) => a.nonneg), args.some((a) => a.nonpos)] as const,
    atomConvex: never,
    atomConcave: always,
    incr: always,
    decr: never,
  },
  quad_over_lin: {
    sign: positive,
    atomConvex: always,
    atomConcave: never,
    incr: (i: number, args: readonly Facts[]) => i === 0 && arg(args, 0).nonneg,
    decr: (i: number, args: readonly Facts[]) => (i === 0 && arg(args, 0).nonpos) || i === 1,
  },
  kl_div: { sign: positive, atomConvex: always, atomConcave: never, incr: never, decr: never },
  rel_entr: { sign: unknownSign, atomConvex: always, atomConcave: never, incr: never, decr: (i: number) => i === 1 },
  xexp: {
    sign: sameSignAsArgument,
    atomConvex: (args: readonly Facts[]) => arg(args, 0).nonneg,
    atomConcave: never,
    incr: always,
    decr: never,
  },
  // Affine operators: AddExpression, NegExpression, multiply (scalar `*`), DivExpression.
  add: {
    sign: (args: readonly Facts[]) => [args.every((a) => a.nonneg), args.every((a) => a.nonpos)] as const,
    atomConvex: always,
    atomConcave: always,
    incr: always,
    decr: never,
  },
  negate: {
    sign: (args: readonly Facts[]) => [arg(args, 0).nonpos, arg(args, 0).nonneg] as const,
    atomConvex: always,
    atomConcave: always,
    incr: never,
    decr: always,
  },
  multiply: {
    sign: (args: readonly Facts[]) => mulSign(arg(args, 0), arg(args, 1)),
    atomConvex: (args: readonly Facts[]) => arg(args, 0).constant || arg(args, 1).constant,
    atomConcave: (args: readonly Facts[]) => arg(args, 0).constant || arg(args, 1).constant,
    incr: (i: number, args: readonly Facts[]) => arg(args, 1 - i).nonneg,
    decr: (i: number, args: readonly Facts[]) => arg(args, 1 - i).nonpos,
  },
  divide: {
    // The project's departure: a divisor certified zero leaves the quotient without a sign or a monotonicity.
    sign: (args: readonly Facts[]) => (zero(arg(args, 1)) ? [false, false] : mulSign(arg(args, 0), arg(args, 1))),
    atomConvex: (args: readonly Facts[]) => arg(args, 1).constant,
    atomConcave: (args: readonly Facts[]) => arg(args, 1).constant,
    incr: (i: number, args: readonly Facts[]) => (i === 0 ? !zero(arg(args, 1)) && arg(args, 1).nonneg : arg(args, 0).nonpos),
    decr: (i: number, args: readonly Facts[]) => (i === 0 ? !zero(arg(args, 1)) && arg(args, 1).nonpos : arg(args, 0).nonneg),
  },
} as const satisfies Record<string, AtomDefinition>;

/** cvxpy/atoms/elementwise/power.py, for a nonzero exponent taken exactly. */
function powerDefinition(p: number): AtomDefinition {
  return {
    sign: (args) => (p === 1 ? [arg(args, 0).nonneg, arg(args, 0).nonpos] : [true, false]),
    atomConvex: () => p <= 0 || p >= 1,
    atomConcave: () => p >= 0 && p <= 1,
    incr: (i, args) => (p >= 0 && p <= 1 ? true : p > 1 ? (isPower2(p) ? arg(args, i).nonneg : true) : false),
    decr: (i, args) => (p <= 0 ? true : p > 1 ? (isPower2(p) ? arg(args, i).nonpos : false) : false),
  };
}

/** `Atom.is_convex` / `is_concave` / `is_constant` and `sign_from_args`, for one atom over its arguments' facts. */
function apply(definition: AtomDefinition, args: readonly Facts[]): Facts {
  const constant = args.every((a) => a.constant);
  const convex =
    constant ||
    (definition.atomConvex(args) &&
      args.every((a, i) => affine(a) || (a.convex && definition.incr(i, args)) || (a.concave && definition.decr(i, args))));
  const concave =
    constant ||
    (definition.atomConcave(args) &&
      args.every((a, i) => affine(a) || (a.concave && definition.incr(i, args)) || (a.convex && definition.decr(i, args))));
  const [nonneg, nonpos] = definition.sign(args);
  return { constant, convex, concave, nonneg, nonpos };
}

const literal = (value: number): Facts => ({ constant: true, convex: true, concave: true, nonneg: value >= 0, nonpos: value <= 0 });

/** CVXPY's facts about an expression, its Python-function atoms expanded into what they return. */
export function cvxpyFacts(expr: Expr): Facts {
  switch (expr.kind) {
    case 'variable':
      return { constant: false, convex: true, concave: true, nonneg: false, nonpos: false };
    case 'constant':
      return literal(expr.value);
    case 'negate':
      return apply(DEFINITIONS.negate, [cvxpyFacts(expr.operand)]);
    case 'binary':
      return operatorFacts(expr.op, cvxpyFacts(expr.left), cvxpyFacts(expr.right));
    case 'power':
      return apply(powerDefinition(expr.p), [cvxpyFacts(expr.base)]);
    case 'call':
      return callFacts(expr.atom, expr.args.map(cvxpyFacts));
  }
}

function operatorFacts(op: BinaryOperator, left: Facts, right: Facts): Facts {
  switch (op) {
    case '+':
      return apply(DEFINITIONS.add, [left, right]);
    case '-':
      return apply(DEFINITIONS.add, [left, apply(DEFINITIONS.negate, [right])]);
    case '*':
      return apply(DEFINITIONS.multiply, [left, right]);
    case '/':
      return apply(DEFINITIONS.divide, [left, right]);
  }
}

function callFacts(atom: CallNode['atom'], args: readonly Facts[]): Facts {
  switch (atom) {
    case 'square':
      return apply(powerDefinition(2), args);
    case 'sqrt':
      return apply(powerDefinition(0.5), args);
    case 'inv_pos':
      return apply(powerDefinition(-1), args);
    case 'pos':
      return apply(DEFINITIONS.maximum, [arg(args, 0), literal(0)]);
    case 'neg':
      return apply(DEFINITIONS.negate, [apply(DEFINITIONS.minimum, [arg(args, 0), literal(0)])]);
    default:
      return apply(DEFINITIONS[atom], args);
  }
}

/** `Expression.curvature` and `Expression.sign`, restricted to the DCP labels. */
export function cvxpyLabel(expr: Expr): Label {
  const facts = cvxpyFacts(expr);
  const curvature: Curvature = facts.constant
    ? 'CONSTANT'
    : affine(facts)
      ? 'AFFINE'
      : facts.convex
        ? 'CONVEX'
        : facts.concave
          ? 'CONCAVE'
          : 'UNKNOWN';
  const sign: Sign = zero(facts) ? 'ZERO' : facts.nonneg ? 'NONNEGATIVE' : facts.nonpos ? 'NONPOSITIVE' : 'UNKNOWN';
  return { curvature, sign };
}
