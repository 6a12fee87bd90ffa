import { describe, expect, it } from 'vitest';
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
});
