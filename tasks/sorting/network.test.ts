import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyNetwork, networkLayers, oddEvenMergeSortNetwork } from './network.ts';

describe('oddEvenMergeSortNetwork', () => {
  it('sorts every 0-1 input for n up to 14, so by the 0-1 principle every input', () => {
    for (let n = 1; n <= 14; n++) {
      const network = oddEvenMergeSortNetwork(n);
      for (let bits = 0; bits < 2 ** n; bits++) {
        const values = Array.from({ length: n }, (_, i) => (bits >> i) & 1);
        const out = applyNetwork(values, network);
        for (let i = 1; i < n; i++) if (out[i - 1]! > out[i]!) throw new Error(`n = ${n} fails on ${values.join('')}`);
      }
    }
  });

  it('sorts arbitrary lists of any length up to 1,100', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -10_000, max: 10_000 }), { minLength: 1, maxLength: 1100 }), (values) => {
        expect(applyNetwork(values, oddEvenMergeSortNetwork(values.length))).toEqual([...values].sort((x, y) => x - y));
      }),
      { numRuns: 40 },
    );
  });

  it('has Batcher’s size and depth for powers of two: (p² - p + 4)·2^(p-2) - 1 comparators in p(p + 1)/2 layers', () => {
    for (let p = 2; p <= 10; p++) {
      const n = 2 ** p;
      const network = oddEvenMergeSortNetwork(n);
      expect(network).toHaveLength((p * p - p + 4) * 2 ** (p - 2) - 1);
      expect(Math.max(...networkLayers(n, network)) + 1).toBe((p * (p + 1)) / 2);
    }
  });

  it('only ever compares a lower position with a higher one, inside the list', () => {
    for (const n of [1, 2, 3, 7, 100, 513]) {
      for (const { low, high } of oddEvenMergeSortNetwork(n)) {
        expect(low).toBeGreaterThanOrEqual(0);
        expect(high).toBeGreaterThan(low);
        expect(high).toBeLessThan(n);
      }
    }
  });
});
