/**
 * Batcher's odd-even merge sort as a comparator network for any length n: the network for the next power of
 * two with every comparator that touches a position past n left out (those positions would hold +infinity, so
 * such a comparator never moves anything). The network is oblivious: which positions are compared never
 * depends on the values, so the call graph is fixed before the first call and a wrong answer can corrupt a
 * value but never the plan.
 *
 * For n = 2^p it has (p² - p + 4)·2^(p-2) - 1 comparators in p(p + 1)/2 layers (1,000 elements: 23,000-odd
 * comparators, 55 layers), against about n·log2(n) comparisons for a merge sort whose last merge alone is a
 * chain of n - 1 dependent comparisons.
 */

/** One comparator: after it, position `low` holds the smaller value and `high` the larger. */
export interface Comparator {
  readonly low: number;
  readonly high: number;
}

/** The comparators of the network for n elements, in an order that respects every dependency. */
export function oddEvenMergeSortNetwork(n: number): Comparator[] {
  const comparators: Comparator[] = [];
  for (let p = 1; p < n; p *= 2) {
    for (let k = p; k >= 1; k = Math.floor(k / 2)) {
      for (let j = k % p; j <= n - 1 - k; j += 2 * k) {
        for (let i = 0; i <= Math.min(k - 1, n - j - k - 1); i++) {
          if (Math.floor((i + j) / (2 * p)) === Math.floor((i + j + k) / (2 * p))) comparators.push({ low: i + j, high: i + j + k });
        }
      }
    }
  }
  return comparators;
}

/** Each comparator's layer (0-based) when every comparator runs as soon as both its positions are free; the depth is the largest plus one. */
export function networkLayers(n: number, comparators: readonly Comparator[]): number[] {
  const free = new Array<number>(n).fill(0);
  return comparators.map(({ low, high }) => {
    const layer = Math.max(free[low]!, free[high]!);
    free[low] = layer + 1;
    free[high] = layer + 1;
    return layer;
  });
}

/** Applies a network to a list with exact comparisons (what an error-free run computes). */
export function applyNetwork(values: readonly number[], comparators: readonly Comparator[]): number[] {
  const out = [...values];
  for (const { low, high } of comparators) {
    if (out[low]! > out[high]!) [out[low], out[high]] = [out[high]!, out[low]!];
  }
  return out;
}
