import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { affineExpr, anyExpr, constantExpr, exponent, generatedExpr } from './arbitraries.ts';
import { binary, call, negate, power, variable, type Expr } from './ast.ts';
import { labelAll, labelExpression } from './dcp-labeller.ts';
import { isAffine, negateCurvature, negateSign, type Curvature } from './labels.ts';
import { parseExpression } from './parser.ts';
import { printExpression } from './printer.ts';
import { postOrder } from './post-order.ts';

const label = (text: string) => labelExpression(parseExpression(text));

describe('labelExpression on the reference worked examples', () => {
  it.each([
    ['square(exp(x))', 'CONVEX'],
    ['square(log(x))', 'UNKNOWN'],
    ['square(-exp(x))', 'CONVEX'],
    ['-2 * log(x) + exp(y)', 'CONVEX'],
    ['log(x) + log(y)', 'CONCAVE'],
    ['exp(x) - exp(y)', 'UNKNOWN'],
    ['maximum(x, 3)', 'CONVEX'],
    ['sqrt(1 + square(x))', 'UNKNOWN'],
  ] as const)('%s is %s', (text, curvature) => {
    expect(label(text).curvature).toBe(curvature);
  });

  it('gives maximum(x, 3) a NONNEGATIVE sign', () => {
    expect(label('maximum(x, 3)')).toEqual({ curvature: 'CONVEX', sign: 'NONNEGATIVE' });
  });

  it('labels constants without evaluating them: log(3) has UNKNOWN sign', () => {
    expect(label('log(3)')).toEqual({ curvature: 'CONSTANT', sign: 'UNKNOWN' });
    expect(label('exp(2) + log(3)')).toEqual({ curvature: 'CONSTANT', sign: 'UNKNOWN' });
  });

  it('labels the syntax examples', () => {
    expect(label('exp(square(x) + 2*y)')).toEqual({ curvature: 'CONVEX', sign: 'NONNEGATIVE' });
    expect(label('power(x, 3)')).toEqual({ curvature: 'CONVEX', sign: 'NONNEGATIVE' });
    expect(label('quad_over_lin(x - y, 2 + exp(z))')).toEqual({ curvature: 'UNKNOWN', sign: 'NONNEGATIVE' });
    expect(label('quad_over_lin(x - y, 2 + log(z))')).toEqual({ curvature: 'CONVEX', sign: 'NONNEGATIVE' });
  });
});

describe('labelExpression on leaves and affine operators', () => {
  it.each([
    ['x', 'AFFINE', 'UNKNOWN'],
    ['2', 'CONSTANT', 'NONNEGATIVE'],
    ['0', 'CONSTANT', 'ZERO'],
    ['-2', 'CONSTANT', 'NONPOSITIVE'],
    ['2 - 3', 'CONSTANT', 'UNKNOWN'],
    ['x / 2', 'AFFINE', 'UNKNOWN'],
    ['exp(x) / 2', 'CONVEX', 'NONNEGATIVE'],
    ['exp(x) / -2', 'CONCAVE', 'NONPOSITIVE'],
    ['-exp(x) * 2', 'CONCAVE', 'NONPOSITIVE'],
    ['exp(x) * 0.5 + 1', 'CONVEX', 'NONNEGATIVE'],
    ['log(3) * exp(x)', 'UNKNOWN', 'UNKNOWN'],
    ['log(3) * x', 'AFFINE', 'UNKNOWN'],
    ['0 * exp(x)', 'AFFINE', 'ZERO'],
    ['sqrt(x) - exp(y)', 'CONCAVE', 'UNKNOWN'],
  ] as const)('%s is %s with sign %s', (text, curvature, sign) => {
    expect(label(text)).toEqual({ curvature, sign });
  });

  it.each([
    ['x * y', 'UNKNOWN'],
    ['exp(x) * exp(y)', 'NONNEGATIVE'],
    ['exp(x) * -exp(y)', 'NONPOSITIVE'],
    ['exp(x) / -exp(y)', 'NONPOSITIVE'],
    ['x / y', 'UNKNOWN'],
    ['2 / x', 'UNKNOWN'],
    ['2 / exp(x)', 'NONNEGATIVE'],
    ['0 * x * y', 'ZERO'],
  ] as const)('labels the non-DCP product %s as UNKNOWN with sign %s (product rule)', (text, sign) => {
    expect(label(text)).toEqual({ curvature: 'UNKNOWN', sign });
  });

  it.each([
    ['1 / (0 * 2)', 'CONSTANT'],
    ['0 / (0 * 2)', 'CONSTANT'],
    ['x / (0 * 2)', 'AFFINE'],
    ['exp(x) / (0 * 2)', 'UNKNOWN'],
    ['-log(x) / (2 * 0)', 'UNKNOWN'],
    ['x / (0 * y)', 'UNKNOWN'],
  ] as const)('certifies no sign for a quotient by a zero divisor: %s is %s with UNKNOWN sign', (text, curvature) => {
    expect(label(text)).toEqual({ curvature, sign: 'UNKNOWN' });
  });
});

describe('labelExpression on the atom table', () => {
  it.each([
    ['exp(x)', 'CONVEX', 'NONNEGATIVE'],
    ['log(x)', 'CONCAVE', 'UNKNOWN'],
    ['log1p(x)', 'CONCAVE', 'UNKNOWN'],
    ['log1p(sqrt(x))', 'CONCAVE', 'NONNEGATIVE'],
    ['log1p(-exp(x))', 'CONCAVE', 'NONPOSITIVE'],
    ['logistic(exp(x))', 'CONVEX', 'NONNEGATIVE'],
    ['entr(x)', 'CONCAVE', 'UNKNOWN'],
    ['entr(exp(x))', 'UNKNOWN', 'UNKNOWN'],
    ['sqrt(log(x))', 'CONCAVE', 'NONNEGATIVE'],
    ['sqrt(exp(x))', 'UNKNOWN', 'NONNEGATIVE'],
    ['inv_pos(sqrt(x))', 'CONVEX', 'NONNEGATIVE'],
    ['inv_pos(exp(x))', 'UNKNOWN', 'NONNEGATIVE'],
    ['abs(-exp(x))', 'CONVEX', 'NONNEGATIVE'],
    ['abs(exp(x) - 1)', 'UNKNOWN', 'NONNEGATIVE'],
    ['huber(exp(x))', 'CONVEX', 'NONNEGATIVE'],
    ['huber(sqrt(x))', 'UNKNOWN', 'NONNEGATIVE'],
    ['pos(exp(x) - 1)', 'CONVEX', 'NONNEGATIVE'],
    ['neg(log(x))', 'CONVEX', 'NONNEGATIVE'],
    ['neg(exp(x))', 'UNKNOWN', 'ZERO'],
    ['pos(x)', 'CONVEX', 'NONNEGATIVE'],
    ['pos(-sqrt(x))', 'CONVEX', 'ZERO'],
    ['pos(-exp(x))', 'UNKNOWN', 'ZERO'],
    ['pos(-2)', 'CONSTANT', 'ZERO'],
    ['neg(x)', 'CONVEX', 'NONNEGATIVE'],
    ['neg(sqrt(x))', 'CONVEX', 'ZERO'],
    ['neg(0)', 'CONSTANT', 'ZERO'],
    ['1 / pos(-1)', 'CONSTANT', 'UNKNOWN'],
    ['maximum(-1, -sqrt(x))', 'CONVEX', 'NONPOSITIVE'],
    ['maximum(-1, -exp(x))', 'UNKNOWN', 'NONPOSITIVE'],
    ['maximum(x, y, exp(z))', 'CONVEX', 'NONNEGATIVE'],
    ['maximum(x, log(y))', 'UNKNOWN', 'UNKNOWN'],
    ['minimum(x, -1)', 'CONCAVE', 'NONPOSITIVE'],
    ['minimum(1, sqrt(x), 2)', 'CONCAVE', 'NONNEGATIVE'],
    ['minimum(x, exp(y))', 'UNKNOWN', 'UNKNOWN'],
    ['quad_over_lin(exp(x), log(y))', 'CONVEX', 'NONNEGATIVE'],
    ['quad_over_lin(-exp(x), 1)', 'CONVEX', 'NONNEGATIVE'],
    ['quad_over_lin(log(x), 1)', 'UNKNOWN', 'NONNEGATIVE'],
    ['kl_div(x, y)', 'CONVEX', 'NONNEGATIVE'],
    ['kl_div(exp(x), y)', 'UNKNOWN', 'NONNEGATIVE'],
    ['rel_entr(x, log(y))', 'CONVEX', 'UNKNOWN'],
    ['rel_entr(x, exp(y))', 'UNKNOWN', 'UNKNOWN'],
    ['rel_entr(exp(x), y)', 'UNKNOWN', 'UNKNOWN'],
  ] as const)('%s is %s with sign %s', (text, curvature, sign) => {
    expect(label(text)).toEqual({ curvature, sign });
  });

  it.each([
    ['power(x, 2)', 'CONVEX', 'NONNEGATIVE'],
    ['power(-exp(x), 4)', 'CONVEX', 'NONNEGATIVE'],
    ['power(-exp(x), 3)', 'UNKNOWN', 'NONNEGATIVE'],
    ['power(-exp(x), 6)', 'UNKNOWN', 'NONNEGATIVE'],
    ['power(exp(x), 6)', 'CONVEX', 'NONNEGATIVE'],
    ['power(exp(x), 1.5)', 'CONVEX', 'NONNEGATIVE'],
    ['power(log(x), 3)', 'UNKNOWN', 'NONNEGATIVE'],
    ['power(log(x), 0.5)', 'CONCAVE', 'NONNEGATIVE'],
    ['power(exp(x), 0.5)', 'UNKNOWN', 'NONNEGATIVE'],
    ['power(sqrt(x), -1)', 'CONVEX', 'NONNEGATIVE'],
    ['power(exp(x), -0.5)', 'UNKNOWN', 'NONNEGATIVE'],
    ['power(exp(x), 1)', 'CONVEX', 'NONNEGATIVE'],
    ['power(log(x), 1)', 'CONCAVE', 'UNKNOWN'],
    ['power(-exp(x), 1)', 'CONCAVE', 'NONPOSITIVE'],
    ['power(x, 1)', 'AFFINE', 'UNKNOWN'],
  ] as const)('power by exponent: %s is %s with sign %s', (text, curvature, sign) => {
    expect(label(text)).toEqual({ curvature, sign });
  });

  it.each([
    ['xexp(exp(x))', 'CONVEX', 'NONNEGATIVE'],
    ['xexp(x)', 'UNKNOWN', 'UNKNOWN'],
    ['xexp(sqrt(x))', 'UNKNOWN', 'NONNEGATIVE'],
    ['xexp(-exp(x))', 'UNKNOWN', 'NONPOSITIVE'],
    ['xexp(2)', 'CONSTANT', 'NONNEGATIVE'],
  ] as const)('xexp is convex only on a nonnegative argument: %s is %s', (text, curvature, sign) => {
    expect(label(text)).toEqual({ curvature, sign });
  });
});

describe('labelAll', () => {
  it('labels a 100,000-deep expression without recursion limits', () => {
    // square(-exp(...)) alternates CONVEX/NONNEGATIVE through CONCAVE/NONPOSITIVE all the way up.
    let expr: Expr = variable('x');
    for (let level = 0; level < 50_000; level++) expr = call('square', [negate(call('exp', [expr]))]);
    const labels = labelAll(expr);
    expect(labels).toHaveLength(150_001);
    expect(labels.at(-1)).toEqual({ curvature: 'CONVEX', sign: 'NONNEGATIVE' });
  });

  it('labels every node in post-order, the root last', () => {
    const expr = parseExpression('square(-exp(x))');
    expect(postOrder(expr).map((n) => printExpression(n.node))).toEqual(['x', 'exp(x)', '-exp(x)', 'square(-exp(x))']);
    expect(labelAll(expr)).toEqual([
      { curvature: 'AFFINE', sign: 'UNKNOWN' },
      { curvature: 'CONVEX', sign: 'NONNEGATIVE' },
      { curvature: 'CONCAVE', sign: 'NONPOSITIVE' },
      { curvature: 'CONVEX', sign: 'NONNEGATIVE' },
    ]);
  });
});

// Expected curvature of each atom with a fixed curvature, written out independently of the atom table.
const ATOM_CURVATURE: Readonly<Record<string, Curvature>> = {
  exp: 'CONVEX', log: 'CONCAVE', log1p: 'CONCAVE', logistic: 'CONVEX', entr: 'CONCAVE', square: 'CONVEX', sqrt: 'CONCAVE',
  inv_pos: 'CONVEX', abs: 'CONVEX', huber: 'CONVEX', pos: 'CONVEX', neg: 'CONVEX', maximum: 'CONVEX', minimum: 'CONCAVE',
  quad_over_lin: 'CONVEX', kl_div: 'CONVEX', rel_entr: 'CONVEX',
};
const powerCurvature = (p: number): Curvature => (p === 1 ? 'AFFINE' : p > 0 && p < 1 ? 'CONCAVE' : 'CONVEX');

describe('DCP laws (properties)', () => {
  const curved = generatedExpr(['CONVEX', 'CONCAVE']);
  const anything = fc.oneof(anyExpr, generatedExpr(['CONSTANT', 'AFFINE', 'CONVEX', 'CONCAVE', 'UNKNOWN']));

  it('negation swaps CONVEX and CONCAVE (and the sign), leaving other labels alone', () => {
    fc.assert(
      fc.property(anything, (e) => {
        const before = labelExpression(e);
        expect(labelExpression(negate(e))).toEqual({ curvature: negateCurvature(before.curvature), sign: negateSign(before.sign) });
      }),
    );
  });

  it('adding or subtracting an affine term keeps CONVEX or CONCAVE', () => {
    fc.assert(
      fc.property(curved, fc.oneof(affineExpr, constantExpr), fc.constantFrom('+', '-'), fc.boolean(), (e, a, op, first) => {
        expect(isAffine(labelExpression(a).curvature)).toBe(true);
        const { curvature } = labelExpression(e);
        const combined = op === '-' && first ? binary('-', a, e) : first ? binary(op, a, e) : binary(op, e, a);
        const expected = op === '-' && first ? negateCurvature(curvature) : curvature;
        expect(labelExpression(combined).curvature).toBe(expected);
      }),
    );
  });

  it('an atom of fixed curvature applied to non-constant affine arguments has the atom\'s curvature', () => {
    const atom = fc.constantFrom(...Object.keys(ATOM_CURVATURE)) as fc.Arbitrary<keyof typeof ATOM_CURVATURE>;
    fc.assert(
      fc.property(atom, fc.array(fc.oneof(affineExpr, constantExpr), { minLength: 2, maxLength: 4 }), affineExpr, (name, others, arg) => {
        const arity = name === 'maximum' || name === 'minimum' ? others.length : ['quad_over_lin', 'kl_div', 'rel_entr'].includes(name) ? 2 : 1;
        const args = [arg, ...others].slice(0, arity);
        const e = call(name as Parameters<typeof call>[0], args);
        expect(labelExpression(e).curvature).toBe(ATOM_CURVATURE[name]);
      }),
    );
    fc.assert(
      fc.property(affineExpr, exponent, (arg, p) => {
        expect(labelExpression(power(arg, p)).curvature).toBe(powerCurvature(p));
      }),
    );
  });

  it('an expression whose leaves are all constants is CONSTANT', () => {
    const withoutVariables = (e: Expr): boolean => !printExpression(e).match(/\b[A-Za-z_]\w*\b(?!\()/);
    fc.assert(
      fc.property(anyExpr.filter(withoutVariables), (e) => {
        expect(labelExpression(e).curvature).toBe('CONSTANT');
      }),
    );
  });
});
