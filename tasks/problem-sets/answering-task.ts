/**
 * A graph task over one problem of a set, with what is needed to score it: the exact answer's canonical text
 * (from the oracle, used only to measure) and the answer a final state holds, in the same canonical form.
 */
import type { GraphTask } from '../../core/task.ts';

/** A graph task that yields one answer, comparable as text with `truth`. */
export interface AnsweringTask<S, V, D> extends GraphTask<S, V, D> {
  /** The strategy that built this task (`decomposed`, `flat`). */
  readonly strategy: string;
  /** The correct answer, canonical: used only to measure. */
  readonly truth: string;
  /**
   * Output tokens the answer itself takes in one call, beyond a call's usual working: a flat strategy writes the
   * whole answer at once, so its output cap must grow with it. Known from the input's size, never from the truth.
   */
  readonly answerTokens?: number;
  /** The answer a state holds, canonical; undefined before there is one. */
  answer(state: S): string | undefined;
}
