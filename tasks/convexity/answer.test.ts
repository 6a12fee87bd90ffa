import { describe, expect, it } from 'vitest';
import { formatAnswer, parseAnswer } from './answer.ts';

describe('parseAnswer', () => {
  it('reads the two final lines after any reasoning', () => {
    expect(parseAnswer('exp is convex and nondecreasing.\n\ncurvature = CONVEX\nsign = NONNEGATIVE\n')).toEqual({
      ok: true,
      key: 'CONVEX/NONNEGATIVE',
      value: { curvature: 'CONVEX', sign: 'NONNEGATIVE' },
    });
  });

  it('round-trips formatAnswer', () => {
    const label = { curvature: 'UNKNOWN', sign: 'ZERO' } as const;
    expect(parseAnswer(formatAnswer(label))).toMatchObject({ ok: true, value: label });
  });

  it.each([
    ['curvature = CONVEX'],
    ['sign = ZERO\ncurvature = CONVEX'],
    ['curvature: CONVEX\nsign: NONNEGATIVE'],
    ['curvature = CURVY\nsign = ZERO'],
    ['curvature = CONVEX\nsign = POSITIVE'],
    ['curvature = CONVEX\nsign = NONNEGATIVE\nI hope this helps'],
    ['curvature = convex\nsign = nonnegative'],
  ])('rejects %j (a red flag, never repaired)', (text) => {
    expect(parseAnswer(text).ok).toBe(false);
  });
});
