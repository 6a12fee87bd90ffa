/**
 * Shrinking the first failing state to the smallest one fast-check can find, with a judge that samples the model.
 * Verdicts are kept by what the model is shown (`keyOf`), so a state met again on another shrink path, or one
 * already measured, is not sampled again; a budget bounds how many new states are judged, after which every new
 * candidate passes and fast-check stops. An error from the judge (a model fault) ends shrinking and is rethrown.
 */
import type { StateSearch } from './arbitrary-states.ts';

/** Options of {@link shrinkFirstFailing}. `C` is what a failing verdict carries. */
export interface ShrinkOptions<C> {
  readonly search: StateSearch<unknown>;
  /** Index of the measured state to shrink from. */
  readonly start: number;
  /** A key for a state by what the model is shown for it. */
  readonly keyOf: (state: unknown) => string;
  /** Verdicts already known (failing: the verdict, passing: null), by key; extended as states are judged. */
  readonly known: Map<string, C | null>;
  /** Samples a new state: its failing verdict, or null when it passes. */
  readonly judge: (state: unknown, key: string) => Promise<C | null>;
  /** New states judged at most. */
  readonly budget: number;
}

/** The smallest failing state fast-check reached from `start`, with its verdict; undefined when none failed on replay. */
export async function shrinkFirstFailing<C>(options: ShrinkOptions<C>): Promise<{ readonly verdict: C; readonly state: unknown; readonly shrinks: number; readonly path: string } | undefined> {
  const { known } = options;
  let budget = options.budget;
  let fatal: { readonly error: unknown } | undefined;
  const fails = async (state: unknown): Promise<boolean> => {
    if (fatal !== undefined) return false;
    try {
      const key = options.keyOf(state);
      const verdict = known.get(key);
      if (verdict !== undefined) return verdict !== null;
      if (budget <= 0) return false;
      budget -= 1;
      const judged = await options.judge(state, key);
      known.set(key, judged);
      return judged !== null;
    } catch (error) {
      fatal = { error };
      return false;
    }
  };
  const result = await options.search.shrink(options.start, fails);
  if (fatal !== undefined) throw fatal.error;
  if (result === undefined) return undefined;
  const verdict = known.get(options.keyOf(result.state));
  if (verdict === undefined || verdict === null) return undefined;
  return { verdict, state: result.state, shrinks: result.shrinks, path: result.path };
}
