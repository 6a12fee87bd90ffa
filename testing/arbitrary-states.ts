/**
 * States drawn from a fast-check arbitrary, and the smallest failing one found by fast-check's own shrinking.
 * The only module of the test kit that loads fast-check (an optional peer dependency): `measureStep` imports it
 * when, and only when, `states` is an arbitrary.
 *
 * Both phases run the same property under the same seed, so fast-check generates the same states: the first phase
 * records them (the property always holds), the second replays from the first failing one (`path`) with a
 * property that fails when a state's sampled answers are wrong, and lets fast-check shrink it.
 */
import fc, { type Arbitrary, type Parameters } from 'fast-check';

/** The drawn states, and a way to shrink from one of them. */
export interface StateSearch<S> {
  readonly states: readonly S[];
  /**
   * Shrinks from `states[start]` with `fails` as the judge; undefined when no state fails on replay. `path` is
   * fast-check's counterexample path for the shrunk state, for `fc.assert(..., { seed, path })`.
   */
  shrink(start: number, fails: (state: S) => Promise<boolean>): Promise<{ readonly state: S; readonly shrinks: number; readonly path: string } | undefined>;
}

/** Draws `numStates` states from `arbitrary` as `fc.check` with `seed` would. */
export async function drawStates<S>(arbitrary: Arbitrary<S>, seed: number, numStates: number): Promise<StateSearch<S>> {
  const states: S[] = [];
  let judge: (state: S) => Promise<boolean> = async (state) => {
    states.push(state);
    return true;
  };
  const property = fc.asyncProperty(arbitrary, (state) => judge(state));
  // Explicit settings so a global fc.configureGlobal cannot make the two phases generate differently.
  const parameters: Parameters<[S]> = { seed, numRuns: numStates, examples: [], endOnFailure: false, verbose: 0 };
  await fc.check(property, parameters);
  return {
    states,
    async shrink(start, fails) {
      judge = async (state) => !(await fails(state));
      const details = await fc.check(property, { ...parameters, path: String(start) });
      if (!details.failed || details.counterexample === null) return undefined;
      return { state: details.counterexample[0], shrinks: details.numShrinks, path: details.counterexamplePath ?? '' };
    },
  };
}
