import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomStream } from '../../core/rng.ts';
import { labelExpression } from './dcp-labeller.ts';
import { compositionDepth } from './depth.ts';
import { apportion, DEFAULT_LABEL_MIX, generateExpression, generateExpressions } from './generator.ts';
import { CURVATURES } from './labels.ts';
import { parseExpression } from './parser.ts';

describe('generateExpression', () => {
  it('hits the exact depth and the target curvature, for depths 1 to 120', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CURVATURES), fc.integer({ min: 1, max: 120 }), fc.nat(), (target, depth, seed) => {
        const generated = generateExpression(target, depth, randomStream(seed));
        const reparsed = parseExpression(generated.text);
        expect(compositionDepth(reparsed)).toBe(depth);
        expect(generated.depth).toBe(depth);
        expect(labelExpression(reparsed)).toEqual({ curvature: target, sign: generated.sign });
      }),
      { numRuns: 150 },
    );
  });

  it('reaches depth 1000', () => {
    const generated = generateExpression('CONVEX', 1000, randomStream(3));
    expect(compositionDepth(generated.expr)).toBe(1000);
    expect(generated.curvature).toBe('CONVEX');
  });
});

describe('generateExpressions', () => {
  it('is reproducible from its seed and differs across seeds', () => {
    const a = generateExpressions({ depth: 8, count: 20, seed: 5 }).map((g) => g.text);
    const b = generateExpressions({ depth: 8, count: 20, seed: 5 }).map((g) => g.text);
    const c = generateExpressions({ depth: 8, count: 20, seed: 6 }).map((g) => g.text);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('apportions the label mix exactly', () => {
    const items = generateExpressions({ depth: 6, count: 40, seed: 1, mix: { CONVEX: 1, CONCAVE: 1, UNKNOWN: 2 } });
    const counts = Object.fromEntries(CURVATURES.map((c) => [c, items.filter((g) => g.curvature === c).length]));
    expect(counts).toEqual({ CONSTANT: 0, AFFINE: 0, CONVEX: 10, CONCAVE: 10, UNKNOWN: 20 });
  });

  it('apportions any mix to exactly count items', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), (count) => {
        const counts = apportion(DEFAULT_LABEL_MIX, count);
        expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(count);
      }),
    );
  });

  it('includes the tricky cases: sign-dependent monotonicity and DCP-breaking slips', () => {
    const texts = generateExpressions({ depth: 6, count: 300, seed: 2, trickyRate: 0.6 }).map((g) => g.text);
    const all = texts.join('\n');
    expect(all).toMatch(/xexp\(/);
    expect(all).toMatch(/(square|abs|huber)\(-/);
    expect(all).toMatch(/log\(\d+(\.\d+)?\) \*|\* log\(\d+(\.\d+)?\)|\(\d+(\.\d+)? - \d+(\.\d+)?\) \*/);
  });

  it('rejects bad options, quoting the value', () => {
    expect(() => generateExpressions({ depth: 0, count: 1 })).toThrow('Expected `depth` to be an integer from 1 to 1000, got `0`');
    expect(() => generateExpressions({ depth: 2, count: 0 })).toThrow('got `0`');
    expect(() => generateExpressions({ depth: 2, count: 1, mix: { CONVEX: 0 } })).toThrow('positive weight');
    expect(() => generateExpressions({ depth: 2, count: 1, trickyRate: 2 })).toThrow('`trickyRate` to be in [0, 1], got `2`');
  });
});
