/**
 * Scores for a batch of predictions: macro-F1 over curvature labels, curvature accuracy and sign accuracy.
 * Macro-F1 averages the per-label F1 over every label that occurs in the truth or in the predictions; a missing
 * prediction (a run that failed) counts against its true label's recall and no label's precision.
 */
import { CURVATURES, type Curvature, type Label } from './labels.ts';

/** One scored item. */
export interface Scored {
  readonly truth: Label;
  /** Undefined when the strategy produced no answer. */
  readonly predicted: Label | undefined;
}

/** Per-label counts and F1. */
export interface LabelScore {
  readonly support: number;
  readonly predicted: number;
  readonly truePositives: number;
  readonly f1: number;
}

/** The scores of a batch. */
export interface Scores {
  readonly count: number;
  /** Macro-F1 over curvature labels present in truth or predictions; 0 for an empty batch. */
  readonly f1: number;
  readonly curvatureAccuracy: number;
  readonly signAccuracy: number;
  /** Items with no prediction. */
  readonly unanswered: number;
  readonly perLabel: Readonly<Partial<Record<Curvature, LabelScore>>>;
  /** Confusion counts: truth → predicted (`NONE` when unanswered) → count. */
  readonly confusion: Readonly<Partial<Record<Curvature, Readonly<Record<string, number>>>>>;
}

/** Scores a batch. */
export function score(items: readonly Scored[]): Scores {
  const perLabel: Partial<Record<Curvature, LabelScore>> = {};
  const confusion: Partial<Record<Curvature, Record<string, number>>> = {};
  for (const item of items) {
    const row = (confusion[item.truth.curvature] ??= {});
    const key = item.predicted?.curvature ?? 'NONE';
    row[key] = (row[key] ?? 0) + 1;
  }
  const f1s: number[] = [];
  for (const label of CURVATURES) {
    const support = items.filter((item) => item.truth.curvature === label).length;
    const predicted = items.filter((item) => item.predicted?.curvature === label).length;
    if (support === 0 && predicted === 0) continue;
    const truePositives = items.filter((item) => item.truth.curvature === label && item.predicted?.curvature === label).length;
    const f1 = (2 * truePositives) / (support + predicted);
    perLabel[label] = { support, predicted, truePositives, f1 };
    f1s.push(f1);
  }
  const count = items.length;
  const ratio = (n: number) => (count === 0 ? 0 : n / count);
  return {
    count,
    f1: f1s.length === 0 ? 0 : f1s.reduce((a, b) => a + b, 0) / f1s.length,
    curvatureAccuracy: ratio(items.filter((item) => item.predicted?.curvature === item.truth.curvature).length),
    signAccuracy: ratio(items.filter((item) => item.predicted?.sign === item.truth.sign).length),
    unanswered: items.filter((item) => item.predicted === undefined).length,
    perLabel,
    confusion,
  };
}
