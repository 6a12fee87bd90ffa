/**
 * fast-check arbitraries for convexity tests: any parseable AST, non-constant affine expressions, and
 * generator-built expressions of a chosen curvature. Test-only (not exported from the task's index).
 */
import fc from 'fast-check';
import { randomStream } from '../../core/rng.ts';
import { ATOM_NAMES, atomSpec } from './atoms.ts';
import { binary, call, constant, isLiteralZero, negate, power, variable, type BinaryOperator, type Expr } from './ast.ts';
import { generateExpression } from './generator.ts';
import type { Curvature } from './labels.ts';

const CALL_ATOMS = ATOM_NAMES.filter((name): name is Exclude<typeof name, 'power'> => name !== 'power');

/** A variable name. */
export const variableName = fc.constantFrom('x', 'y', 'z', 'x1', 'rate_2', 'X');

/** A literal as the parser produces it: finite, nonnegative, never -0. */
export const literalValue = fc
  .oneof(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 1e300, noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.5, 1e-7, 1e21, 2.5e-300))
  .map((value) => Math.abs(value));

/** A nonzero exponent for `power`, possibly negative or fractional. */
export const exponent = fc
  .oneof(fc.integer({ min: -10, max: 10 }), fc.double({ min: -20, max: 20, noNaN: true }), fc.constantFrom(1, 2, 0.5, -1, 1.5, 8))
  .filter((p) => p !== 0)
  .map((p) => p + 0);

/** Any AST the parser can produce (it refuses a division by a literal zero). */
export const anyExpr: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    variableName.map(variable),
    literalValue.map(constant),
    tie('expr').map(negate),
    fc
      .tuple(fc.constantFrom<BinaryOperator>('+', '-', '*', '/'), tie('expr'), tie('expr'))
      // The parser refuses a division by a literal zero; divide by one instead.
      .map(([op, l, r]) => binary(op, l, op === '/' && isLiteralZero(r) ? constant(1) : r)),
    fc.tuple(tie('expr'), exponent).map(([base, p]) => power(base, p)),
    fc
      .tuple(fc.constantFrom(...CALL_ATOMS), fc.array(tie('expr'), { minLength: 1, maxLength: 3 }))
      .map(([atom, args]) => {
        const spec = atomSpec(atom);
        const fitted = [...args];
        while (fitted.length < spec.minArgs) fitted.push(args[0]!);
        return call(atom, fitted.slice(0, Math.min(spec.maxArgs, fitted.length)));
      }),
  ),
})).expr;

/** A non-constant affine expression without atoms: variables combined by `+ - negate`, constant scaling and division. */
export const affineExpr: fc.Arbitrary<Expr> = fc.letrec<{ affine: Expr }>((tie) => ({
  affine: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    variableName.map(variable),
    tie('affine').map(negate),
    fc.tuple(fc.constantFrom<BinaryOperator>('+', '-'), tie('affine'), tie('affine')).map(([op, l, r]) => binary(op, l, r)),
    fc.tuple(tie('affine'), fc.constantFrom<BinaryOperator>('+', '-'), literalValue).map(([a, op, c]) => binary(op, a, constant(c))),
    fc.tuple(literalValue, tie('affine'), fc.boolean()).map(([c, a, left]) => (left ? binary('*', constant(c), a) : binary('*', a, constant(c)))),
    fc.tuple(tie('affine'), fc.double({ min: 0.1, max: 100, noNaN: true })).map(([a, c]) => binary('/', a, constant(c))),
  ),
})).affine;

/** A constant expression (atoms allowed) or a literal. */
export const constantExpr: fc.Arbitrary<Expr> = fc.oneof(
  literalValue.map(constant),
  literalValue.map((c) => negate(constant(c))),
  fc.tuple(fc.constantFrom('exp', 'log', 'square', 'sqrt') as fc.Arbitrary<'exp' | 'log' | 'square' | 'sqrt'>, literalValue).map(([atom, c]) => call(atom, [constant(c)])),
);

/** A generator-built expression of the given curvatures, depth 1..maxDepth, from a seed fast-check shrinks. */
export function generatedExpr(curvatures: readonly Curvature[], maxDepth = 12): fc.Arbitrary<Expr> {
  return fc
    .tuple(fc.constantFrom(...curvatures), fc.integer({ min: 1, max: maxDepth }), fc.nat())
    .map(([target, depth, seed]) => generateExpression(target, depth, randomStream(seed)).expr);
}
