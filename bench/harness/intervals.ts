/**
 * Confidence intervals for measured rates. Placeholder until voting/calibration.ts (Wilson intervals) lands;
 * then this re-exports it.
 */

/** A two-sided interval. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** Wilson score interval for `successes` of `trials` at the given two-sided confidence. */
export function wilson(successes: number, trials: number, confidence = 0.95): Interval {
  if (trials === 0) return { low: 0, high: 1 };
  const z = confidence === 0.95 ? 1.959963984540054 : 2.5758293035489004;
  const p = successes / trials;
  const denominator = 1 + (z * z) / trials;
  const centre = (p + (z * z) / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
