/** What a task supplies so the simulated model can answer its prompts: kept beside a task, never part of its type. */
import type { Random } from '../core/rng.ts';

/**
 * How the simulated model answers a task's prompts. It sees only the prompt text: a responder that cannot
 * find what it needs there answers wrongly, so a scheduler that leaves state out of the prompt fails.
 */
export interface SimBehaviour {
  /** The correct response text, derived from the prompt text alone; undefined if the prompt lacks what is needed. */
  respond(prompt: string): string | undefined;
  /**
   * Plausible wrong response texts for this prompt, deterministic in the prompt, none equal to the correct one.
   * The simulated model picks the prompt's attractor among them by hash and spreads the other errors over all.
   * `correct` is the responder's answer, if it had one.
   */
  wrongAnswers(prompt: string, correct: string | undefined): readonly string[];
  /** A malformed response (fails the task's parser). Defaults to prose without an answer. */
  malformed?(prompt: string, random: Random): string;
  /**
   * Which label among `wrongAnswers` the attractor should favour, as an index; defaults to a hash of the prompt.
   * Lets a task make errors lean one way (convexity: toward UNKNOWN).
   */
  attractorIndex?(prompt: string, wrong: readonly string[], hash: number): number;
  /**
   * How many steps one answer to this prompt must get right; defaults to 1. A prompt that asks for `m` steps at
   * once (a flat, undecomposed call) is wrong with probability `1 - (1 - e)^m` for the mean per-step error `e`,
   * and its ordinary answers are longer by the correct answer's own tokens.
   */
  stepsInAnswer?(prompt: string): number;
}
