import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exponent } from './arbitraries.ts';
import { ATOM_NAMES, atomSpec } from './atoms.ts';
import { binary, call, negate, power, type BinaryOperator, type CallNode, type Expr } from './ast.ts';
import { cvxpyLabel } from './cvxpy-reference.ts';
import { labelAll, labelExpression } from './dcp-labeller.ts';
import { CURVATURES, SIGNS, type Curvature, type Sign } from './labels.ts';
import { parseExpression } from './parser.ts';
import { postOrder } from './post-order.ts';
import { printExpression } from './printer.ts';

/** One argument of every curvature and every sign, each as CVXPY labels it (checked below). */
const ARGUMENTS: Readonly<Record<Curvature, Readonly<Record<Sign, string>>>> = {
  CONSTANT: { ZERO: '0', NONNEGATIVE: '2', NONPOSITIVE: '-2', UNKNOWN: 'log(3)' },
  AFFINE: { ZERO: '0 * x', NONNEGATIVE: '0 * x + 2', NONPOSITIVE: '0 * x - 2', UNKNOWN: 'x' },
  CONVEX: { ZERO: 'pos(-sqrt(x))', NONNEGATIVE: 'exp(x)', NONPOSITIVE: '-sqrt(x)', UNKNOWN: 'exp(x) - 1' },
  CONCAVE: { ZERO: '-pos(-sqrt(x))', NONNEGATIVE: 'sqrt(x)', NONPOSITIVE: '-exp(x)', UNKNOWN: 'log(x)' },
  UNKNOWN: { ZERO: '0 * x * y', NONNEGATIVE: 'square(log(x))', NONPOSITIVE: '-square(log(x))', UNKNOWN: 'exp(x) - exp(y)' },
};
const POOL: readonly Expr[] = CURVATURES.flatMap((c) => SIGNS.map((s) => parseExpression(ARGUMENTS[c][s])));

type CallAtom = CallNode['atom'];
const CALL_ATOMS = ATOM_NAMES.filter((name): name is CallAtom => name !== 'power');
const EXPONENTS = [1, 2, 4, 8, 3, 1.5, 2.5, 6, 0.5, 0.25, 0.3, 0.75, -1, -0.5, -2, -1.5];

function tuples(length: number): Expr[][] {
  return length === 0 ? [[]] : tuples(length - 1).flatMap((rest) => POOL.map((first) => [first, ...rest]));
}

/** Every one-level composition: each operator over every combination of pooled arguments. */
function oneLevelCompositions(): Expr[] {
  const out: Expr[] = [];
  for (const atom of CALL_ATOMS) {
    // Fixed-arity atoms take exactly their arity; the variadic maximum and minimum take every pair here.
    const arity = Math.min(atomSpec(atom).maxArgs, 2);
    for (const args of tuples(arity)) out.push(call(atom, args));
  }
  for (const p of EXPONENTS) for (const [base] of tuples(1)) out.push(power(base!, p));
  for (const [operand] of tuples(1)) out.push(negate(operand!));
  for (const op of ['+', '-', '*', '/'] as const satisfies readonly BinaryOperator[]) for (const [l, r] of tuples(2)) out.push(binary(op, l!, r!));
  return out;
}

describe('the pooled arguments', () => {
  it.each(CURVATURES.flatMap((c) => SIGNS.map((s) => [ARGUMENTS[c][s], c, s] as const)))('CVXPY labels %s %s with sign %s', (text, curvature, sign) => {
    expect(cvxpyLabel(parseExpression(text))).toEqual({ curvature, sign });
  });
});

describe('the labeller agrees with CVXPY\'s atom definitions', () => {
  it('on every atom and operator applied to arguments of every curvature and sign', () => {
    const disagreements = oneLevelCompositions()
      .map((e) => ({ expr: printExpression(e), labeller: labelExpression(e), cvxpy: cvxpyLabel(e) }))
      .filter(({ labeller, cvxpy }) => labeller.curvature !== cvxpy.curvature || labeller.sign !== cvxpy.sign);
    expect(disagreements).toEqual([]);
  });

  it('on every node of nested compositions (property)', () => {
    const leaf = fc.constantFrom(...POOL);
    const composed = fc.letrec<{ expr: Expr }>((tie) => ({
      expr: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc
          .tuple(fc.constantFrom(...CALL_ATOMS), fc.array(tie('expr'), { minLength: 3, maxLength: 3 }), fc.integer({ min: 2, max: 3 }))
          .map(([atom, args, variadic]) => {
            const { minArgs, maxArgs } = atomSpec(atom);
            return call(atom, args.slice(0, maxArgs === Infinity ? variadic : minArgs));
          }),
        fc.tuple(tie('expr'), fc.oneof(fc.constantFrom(...EXPONENTS), exponent)).map(([base, p]) => power(base, p)),
        tie('expr').map(negate),
        fc.tuple(fc.constantFrom<BinaryOperator>('+', '-', '*', '/'), tie('expr'), tie('expr')).map(([op, l, r]) => binary(op, l, r)),
      ),
    })).expr;
    fc.assert(
      fc.property(composed, (e) => {
        const labels = labelAll(e);
        for (const { index, node } of postOrder(e)) {
          expect({ node: printExpression(node), label: labels[index] }).toEqual({ node: printExpression(node), label: cvxpyLabel(node) });
        }
      }),
      { numRuns: 2000 },
    );
  });
});
