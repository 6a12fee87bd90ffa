import { describe, expect, it } from 'vitest';
import type { Label } from './labels.ts';
import { score } from './metrics.ts';

const l = (curvature: Label['curvature'], sign: Label['sign'] = 'UNKNOWN'): Label => ({ curvature, sign });

describe('score', () => {
  it('is 1 for perfect predictions', () => {
    const items = [l('CONVEX'), l('CONCAVE'), l('UNKNOWN')].map((truth) => ({ truth, predicted: truth }));
    expect(score(items)).toMatchObject({ f1: 1, curvatureAccuracy: 1, signAccuracy: 1, unanswered: 0 });
  });

  it('averages per-label F1 over labels in truth or predictions', () => {
    // CONVEX: tp 1, support 2, predicted 1 -> 2/3. UNKNOWN: tp 1, support 1, predicted 2 -> 2/3. Macro 2/3.
    const result = score([
      { truth: l('CONVEX'), predicted: l('CONVEX') },
      { truth: l('CONVEX'), predicted: l('UNKNOWN') },
      { truth: l('UNKNOWN'), predicted: l('UNKNOWN') },
    ]);
    expect(result.f1).toBeCloseTo(2 / 3, 12);
    expect(result.perLabel.CONVEX).toEqual({ support: 2, predicted: 1, truePositives: 1, f1: 2 / 3 });
    expect(result.confusion).toEqual({ CONVEX: { CONVEX: 1, UNKNOWN: 1 }, UNKNOWN: { UNKNOWN: 1 } });
  });

  it('counts a missing prediction against recall only', () => {
    const result = score([
      { truth: l('CONVEX'), predicted: undefined },
      { truth: l('CONVEX'), predicted: l('CONVEX') },
    ]);
    expect(result.f1).toBeCloseTo(2 / 3, 12);
    expect(result.unanswered).toBe(1);
    expect(result.confusion).toEqual({ CONVEX: { NONE: 1, CONVEX: 1 } });
  });

  it('scores sign accuracy separately from curvature', () => {
    const result = score([{ truth: l('CONVEX', 'NONNEGATIVE'), predicted: l('CONVEX', 'UNKNOWN') }]);
    expect(result).toMatchObject({ f1: 1, signAccuracy: 0 });
  });

  it('is 0 for an empty batch', () => {
    expect(score([])).toMatchObject({ count: 0, f1: 0, signAccuracy: 0 });
  });
});
