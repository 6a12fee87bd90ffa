/**
 * Vitest matchers for measurements (`maker-ts/testing/vitest`). Importing this module registers them:
 *
 * ```ts
 * import 'maker-ts/testing/vitest';
 * expect(await measureStep({ ... })).toHaveSuccessAtLeast(0.99);
 * ```
 *
 * - `toHaveSuccessAtLeast(threshold)`: the lower end of `pInterval` is at least `threshold`.
 * - `toHaveRedFlagRateAtMost(rate)`: the upper end of the red-flag rate's interval is at most `rate`.
 *
 * A failure prints the seed, the estimate with its interval and the first counterexample. The judging lives in
 * `gate.ts`, which any other runner can use.
 */
import { expect } from 'vitest';
import { isMeasurement, redFlagGate, successGate, type GateVerdict } from './gate.ts';

function notAMeasurement(received: unknown): GateVerdict {
  return { pass: false, message: `Expected a measurement from measureStep or measureMetamorphic, got \`${JSON.stringify(received)?.slice(0, 80) ?? String(received)}\`` };
}

/** The matchers, for `expect.extend` by hand (importing this module already registers them). */
export const makerMatchers = {
  toHaveSuccessAtLeast(received: unknown, threshold: number) {
    const verdict = isMeasurement(received) ? successGate(received, threshold) : notAMeasurement(received);
    return { pass: verdict.pass, message: () => verdict.message };
  },
  toHaveRedFlagRateAtMost(received: unknown, rate: number) {
    const verdict = isMeasurement(received) && received.kind === 'step' ? redFlagGate(received, rate) : notAMeasurement(received);
    return { pass: verdict.pass, message: () => verdict.message };
  },
};

expect.extend(makerMatchers);

declare module 'vitest' {
  // The matcher types; `T` is the assertion's return type, as in vitest's own declarations.
  interface Matchers<T = any> {
    /** The lower end of the measurement's `pInterval` is at least `threshold`. */
    toHaveSuccessAtLeast(threshold: number): T;
    /** The upper end of the measurement's red-flag rate interval is at most `rate`. */
    toHaveRedFlagRateAtMost(rate: number): T;
  }
}
