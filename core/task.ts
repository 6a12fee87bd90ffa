/**
 * The task API: a step task is data plus a few pure functions. The scheduler holds the exact state, asks the
 * task for each step's prompt, votes on parsed answers, and folds the winner back in with `absorb`. The task
 * never sees the model and the scheduler never computes a transition.
 */
import type { ChatMessage } from './model.ts';
import type { Random } from './rng.ts';

/** A response parsed to its canonical key (what votes are compared by) and its value. */
export type ParseResult<V> =
  | { readonly ok: true; readonly key: string; readonly value: V }
  | { readonly ok: false; readonly reason: string };

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

/** A task solved one step per voted call. `S` is the exact state, `V` a parsed answer's value. */
export interface StepTask<S, V> {
  /** Short name used in output (`hanoi`). */
  readonly name: string;
  /** Number of steps an error-free run takes, when known in advance. */
  readonly totalSteps: number | undefined;
  /** The exact state before the first step. */
  initialState(): S;
  /** The step's prompt, built from exact state only. */
  prompt(state: S, step: number): readonly ChatMessage[];
  /** Strict parse of a response; a failure is a red flag, never repaired. */
  parse(text: string): ParseResult<V>;
  /** Folds the voted answer into the state. */
  absorb(state: S, value: V, step: number): S;
  /** True when no step is left to run. */
  done(state: S, step: number): boolean;
  /** True when the final state is the task's goal. */
  solved(state: S, step: number): boolean;
  /** The canonical key of the correct answer at this state: used only to measure errors, never to decide. */
  oracle?(state: S, step: number): string;
  /** How the simulated model answers this task's prompts. */
  readonly sim: SimBehaviour;
}

/** The text the simulated model (and any model) sees: all message contents, joined. */
export function promptText(messages: readonly ChatMessage[]): string {
  if (messages.length === 1) return messages[0]!.content;
  return messages.map((message) => message.content).join('\n\n');
}
