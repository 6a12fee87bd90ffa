import { describe, expect, it } from 'vitest';
import { call, negate, variable, type Expr } from './ast.ts';
import { compositionDepth, nodeCount } from './depth.ts';
import { parseExpression } from './parser.ts';

describe('compositionDepth', () => {
  it.each([
    ['x', 0],
    ['3', 0],
    ['-2 * x + y / 4', 0],
    ['x * y', 0],
    ['exp(x)', 1],
    ['exp(square(x) + 2*y)', 2],
    ['power(x, 3)', 1],
    ['maximum(x, exp(log(y)), 3)', 3],
    ['-exp(x) + square(log(sqrt(y)))', 3],
    ['quad_over_lin(x - y, 2 + exp(z))', 2],
  ] as const)('%s has depth %i', (text, depth) => {
    expect(compositionDepth(parseExpression(text))).toBe(depth);
  });

  it('counts every node', () => {
    expect(nodeCount(parseExpression('exp(x) + 2'))).toBe(4);
  });

  it('measures a 100,000-deep expression without recursion limits', () => {
    let expr: Expr = variable('x');
    for (let level = 0; level < 50_000; level++) expr = negate(call('exp', [expr]));
    expect(compositionDepth(expr)).toBe(50_000);
    expect(nodeCount(expr)).toBe(100_001);
  });
});
