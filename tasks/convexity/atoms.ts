/**
 * The scalar atom catalogue: for each atom, its arity, its own curvature, its monotonicity in each argument
 * and the sign of its result, as the reference table gives them and as CVXPY's source computes them (where the
 * two part, CVXPY wins; `cvxpy-reference.test.ts` holds the labeller to an independent transcription of CVXPY's
 * definitions). Monotonicity marked "±" in the reference depends on the argument's sign, which is why rules see
 * the arguments' labels.
 */
import { isNonneg, isNonpos, negateSign, signOf, type Label, type Sign } from './labels.ts';

/** Every atom name the expression syntax accepts, in the reference table's order. */
export const ATOM_NAMES = [
  'exp',
  'log',
  'log1p',
  'logistic',
  'entr',
  'square',
  'power',
  'sqrt',
  'inv_pos',
  'abs',
  'huber',
  'pos',
  'neg',
  'maximum',
  'minimum',
  'quad_over_lin',
  'kl_div',
  'rel_entr',
  'xexp',
] as const;
/** An atom name. */
export type AtomName = (typeof ATOM_NAMES)[number];

/** A function's own curvature, before composition; `none` means neither convex nor concave. */
export type FunctionCurvature = 'affine' | 'convex' | 'concave' | 'none';

/** How a function composes: its curvature, monotonicity per argument and result sign, given its arguments' labels. */
export interface CompositionRule {
  /** The function's own curvature (for `xexp` it depends on the argument's sign). */
  curvature(args: readonly Label[]): FunctionCurvature;
  /** True if the function is nondecreasing in argument `index` at these arguments. */
  increasing(index: number, args: readonly Label[]): boolean;
  /** True if the function is nonincreasing in argument `index` at these arguments. */
  decreasing(index: number, args: readonly Label[]): boolean;
  /** The sign of the result. */
  sign(args: readonly Label[]): Sign;
}

/** An atom's rule together with its arity and the reference table's row, in words (used in prompts). */
export interface AtomSpec extends CompositionRule {
  readonly name: AtomName;
  /** Fewest arguments the atom takes. */
  readonly minArgs: number;
  /** Most arguments the atom takes; `Infinity` for the variadic `maximum` and `minimum`. */
  readonly maxArgs: number;
  /** The reference table's row for this atom: curvature; monotonicity; sign. */
  readonly summary: string;
}

type Monotonicity = 'increasing' | 'decreasing' | 'none' | 'signed';

interface RowSpec {
  readonly arity: readonly [number, number];
  readonly curvature: FunctionCurvature | ((args: readonly Label[]) => FunctionCurvature);
  /** Monotonicity per argument (the last entry repeats for variadic atoms). `signed` is the reference's "±". */
  readonly monotonicity: readonly Monotonicity[];
  readonly sign: (args: readonly Label[]) => Sign;
  readonly summary: string;
}

const nonnegative = (): Sign => 'NONNEGATIVE';
const unknown = (): Sign => 'UNKNOWN';
const signOfFirst = (args: readonly Label[]): Sign => args[0]?.sign ?? 'UNKNOWN';

/** CVXPY's `maximum` sign: nonnegative if any argument is, nonpositive if all are. */
const maximumSign = (signs: readonly Sign[]): Sign => signOf(signs.some(isNonneg), signs.every(isNonpos));
/** CVXPY's `minimum` sign: nonnegative if all arguments are, nonpositive if any is. */
const minimumSign = (signs: readonly Sign[]): Sign => signOf(signs.every(isNonneg), signs.some(isNonpos));

function monotonicityAt(row: RowSpec, index: number): Monotonicity {
  return row.monotonicity[Math.min(index, row.monotonicity.length - 1)] ?? 'none';
}

function ruleFrom(row: RowSpec): CompositionRule {
  return {
    curvature: (args) => (typeof row.curvature === 'function' ? row.curvature(args) : row.curvature),
    increasing: (index, args) => {
      const m = monotonicityAt(row, index);
      return m === 'increasing' || (m === 'signed' && isNonneg(args[index]?.sign ?? 'UNKNOWN'));
    },
    decreasing: (index, args) => {
      const m = monotonicityAt(row, index);
      return m === 'decreasing' || (m === 'signed' && isNonpos(args[index]?.sign ?? 'UNKNOWN'));
    },
    sign: row.sign,
  };
}

const ROWS: Readonly<Record<Exclude<AtomName, 'power'>, RowSpec>> = {
  exp: { arity: [1, 1], curvature: 'convex', monotonicity: ['increasing'], sign: nonnegative, summary: 'convex; nondecreasing; nonnegative' },
  log: { arity: [1, 1], curvature: 'concave', monotonicity: ['increasing'], sign: unknown, summary: 'concave; nondecreasing; sign unknown' },
  log1p: { arity: [1, 1], curvature: 'concave', monotonicity: ['increasing'], sign: signOfFirst, summary: 'concave; nondecreasing; sign of its argument' },
  logistic: { arity: [1, 1], curvature: 'convex', monotonicity: ['increasing'], sign: nonnegative, summary: 'convex; nondecreasing; nonnegative' },
  entr: { arity: [1, 1], curvature: 'concave', monotonicity: ['none'], sign: unknown, summary: 'concave; not monotone; sign unknown' },
  square: { arity: [1, 1], curvature: 'convex', monotonicity: ['signed'], sign: nonnegative, summary: 'convex; nondecreasing for a nonnegative argument, nonincreasing for a nonpositive one; nonnegative' },
  sqrt: { arity: [1, 1], curvature: 'concave', monotonicity: ['increasing'], sign: nonnegative, summary: 'concave; nondecreasing; nonnegative' },
  inv_pos: { arity: [1, 1], curvature: 'convex', monotonicity: ['decreasing'], sign: nonnegative, summary: 'convex; nonincreasing; nonnegative' },
  abs: { arity: [1, 1], curvature: 'convex', monotonicity: ['signed'], sign: nonnegative, summary: 'convex; nondecreasing for a nonnegative argument, nonincreasing for a nonpositive one; nonnegative' },
  huber: { arity: [1, 1], curvature: 'convex', monotonicity: ['signed'], sign: nonnegative, summary: 'convex; nondecreasing for a nonnegative argument, nonincreasing for a nonpositive one; nonnegative' },
  // CVXPY defines pos(a) as maximum(a, 0) and neg(a) as -minimum(a, 0); their signs are those compositions'.
  pos: {
    arity: [1, 1],
    curvature: 'convex',
    monotonicity: ['increasing'],
    sign: (args) => maximumSign([signOfFirst(args), 'ZERO']),
    summary: 'convex; nondecreasing; nonnegative, and ZERO if its argument is nonpositive (it is maximum(a, 0))',
  },
  neg: {
    arity: [1, 1],
    curvature: 'convex',
    monotonicity: ['decreasing'],
    sign: (args) => negateSign(minimumSign([signOfFirst(args), 'ZERO'])),
    summary: 'convex; nonincreasing; nonnegative, and ZERO if its argument is nonnegative (it is -minimum(a, 0))',
  },
  maximum: {
    arity: [2, Infinity],
    curvature: 'convex',
    monotonicity: ['increasing'],
    sign: (args) => maximumSign(args.map((a) => a.sign)),
    summary: 'convex; nondecreasing in each argument; nonnegative if any argument is, nonpositive if all are',
  },
  minimum: {
    arity: [2, Infinity],
    curvature: 'concave',
    monotonicity: ['increasing'],
    sign: (args) => minimumSign(args.map((a) => a.sign)),
    summary: 'concave; nondecreasing in each argument; nonpositive if any argument is, nonnegative if all are',
  },
  quad_over_lin: {
    arity: [2, 2],
    curvature: 'convex',
    monotonicity: ['signed', 'decreasing'],
    sign: nonnegative,
    summary: 'convex; in the first argument nondecreasing if it is nonnegative, nonincreasing if nonpositive; nonincreasing in the second; nonnegative',
  },
  kl_div: { arity: [2, 2], curvature: 'convex', monotonicity: ['none', 'none'], sign: nonnegative, summary: 'convex; not monotone; nonnegative' },
  rel_entr: { arity: [2, 2], curvature: 'convex', monotonicity: ['none', 'decreasing'], sign: unknown, summary: 'convex; not monotone in the first argument, nonincreasing in the second; sign unknown' },
  xexp: {
    arity: [1, 1],
    curvature: (args) => (isNonneg(args[0]?.sign ?? 'UNKNOWN') ? 'convex' : 'none'),
    monotonicity: ['increasing'],
    sign: signOfFirst,
    summary: 'convex only if its argument is nonnegative (otherwise neither); nondecreasing; sign of its argument',
  },
};

/** The spec of an atom other than `power` (whose rule depends on its exponent: see `powerRule`). */
export function atomSpec(name: Exclude<AtomName, 'power'>): AtomSpec {
  const row = ROWS[name];
  return { name, minArgs: row.arity[0], maxArgs: row.arity[1], summary: row.summary, ...ruleFrom(row) };
}

/** True if `p` is 2, 4, 8, ...: the exponents for which `power` is convex with sign-dependent monotonicity. */
export function isPowerOfTwo(p: number): boolean {
  return p >= 2 && Number.isInteger(p) && Number.isInteger(Math.log2(p));
}

/** The reference row for `power(a, p)`, by exponent. `p` must be nonzero. */
function powerRow(p: number): RowSpec {
  if (p === 1) return { arity: [1, 1], curvature: 'affine', monotonicity: ['increasing'], sign: signOfFirst, summary: 'affine; nondecreasing; sign of its argument' };
  if (isPowerOfTwo(p)) return { ...ROWS.square, summary: `${ROWS.square.summary} (p is a power of two)` };
  if (p > 1) return { arity: [1, 1], curvature: 'convex', monotonicity: ['increasing'], sign: nonnegative, summary: 'convex; nondecreasing (defined for a nonnegative argument); nonnegative (p > 1, not a power of two)' };
  if (p > 0) return { arity: [1, 1], curvature: 'concave', monotonicity: ['increasing'], sign: nonnegative, summary: 'concave; nondecreasing; nonnegative (0 < p < 1)' };
  return { arity: [1, 1], curvature: 'convex', monotonicity: ['decreasing'], sign: nonnegative, summary: 'convex; nonincreasing; nonnegative (p < 0)' };
}

/** The composition rule of `power(a, p)` for a nonzero exponent `p`, with its summary. */
export function powerRule(p: number): CompositionRule & { readonly summary: string } {
  const row = powerRow(p);
  return { summary: row.summary, ...ruleFrom(row) };
}

/** True if `name` is an atom of the syntax. */
export function isAtomName(name: string): name is AtomName {
  return (ATOM_NAMES as readonly string[]).includes(name);
}
