/**
 * The task API: a task is data plus a few pure functions. The engine holds the exact state, asks the task which
 * calls are ready and what each one's prompt is, votes on parsed answers, and folds each winner back in with
 * `absorb`. The task never sees the model and the engine never computes a transition.
 *
 * Two shapes: a {@link GraphTask} exposes every call that is ready in a state, each with a stable id (fan-out,
 * and sub-goals added by a planning call's answer); a {@link StepTask} is its linear special case, one call per
 * step, whose call ids are the step indices.
 */
import type { ChatMessage } from './model.ts';

/** A response parsed to its canonical key (what votes are compared by) and its value. */
export type ParseResult<V> =
  | { readonly ok: true; readonly key: string; readonly value: V }
  | { readonly ok: false; readonly reason: string };

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
  /** Strict parse of a response; a failure is a red flag, never repaired. A pure function of the text (a step parses a repeated text once). */
  parse(text: string): ParseResult<V>;
  /** Folds the voted answer into the state. */
  absorb(state: S, value: V, step: number): S;
  /** True when no step is left to run. */
  done(state: S, step: number): boolean;
  /** True when the final state is the task's goal. */
  solved(state: S, step: number): boolean;
  /** The canonical key of the correct answer at this state: used only to measure errors, never to decide. */
  oracle?(state: S, step: number): string;
}

/** One voted call a graph task wants made: a stable id, its own bounded prompt, and what the task needs to read it. */
export interface TaskCall<D = unknown> {
  /**
   * Stable and unique within the run, whatever order calls are decided in: sample seeds, journal records, resume
   * and ensemble rotation key on it. A decimal integer id (`"17"`) seeds exactly as step 17 of a step task.
   */
  readonly id: string;
  /** The call's prompt, built from exact state only. */
  readonly messages: readonly ChatMessage[];
  /** Whatever the task needs to parse, absorb and check this call's answer (which operator, which digits...). */
  readonly data: D;
  /** Ids of the calls whose answers this one was built from (informational; readiness is the task's to say). */
  readonly after?: readonly string[];
  /**
   * What this call's samples derive from instead of (run seed, call key of `id`), for a composite task whose
   * members keep seeds of their own: a batch draws each member's samples as that member run alone would.
   * @default the run seed and the key of `id`
   */
  readonly seed?: { readonly run: number; readonly call: number };
}

/**
 * A task as a graph of voted calls. `S` is the exact state, `V` a parsed answer's value, `D` a call's data.
 * The engine asks `ready(state)` after every absorb and votes each returned call it has not yet started, all
 * concurrently under one run-wide limit; each decided answer is absorbed as it lands, in whatever order, so
 * `absorb` of independent calls must commute (the final state must not depend on completion order).
 */
export interface GraphTask<S, V, D = unknown> {
  /** Short name used in output (`convexity`). */
  readonly name: string;
  /** Number of calls an error-free run makes, when known in advance. */
  readonly totalCalls: number | undefined;
  /** The exact state before the first call. */
  initialState(): S;
  /** Every call that can be made now (already started ones may be listed again; the engine skips them by id). */
  ready(state: S): Iterable<TaskCall<D>>;
  /** Strict parse of a response to `call`; a failure is a red flag, never repaired. A pure function of text and call. */
  parse(text: string, call: TaskCall<D>): ParseResult<V>;
  /** Folds `call`'s voted answer into the state; may make new calls ready (sub-goals). */
  absorb(state: S, call: TaskCall<D>, value: V): S;
  /** True when nothing is left to do. */
  done(state: S): boolean;
  /** True when the final state is the task's goal. */
  solved(state: S): boolean;
  /** The canonical key of `call`'s correct answer: used only to measure errors, never to decide. */
  oracle?(state: S, call: TaskCall<D>): string | undefined;
  /**
   * Folds in that `call` reached its sample cap undecided. Without it such a call ends the run with
   * `StepExhaustedError`; with it the run goes on (a batch marks that member unanswered).
   */
  abandon?(state: S, call: TaskCall<D>): S;
}

/** The text the simulated model (and any model) sees: all message contents, joined. */
export function promptText(messages: readonly ChatMessage[]): string {
  if (messages.length === 1) return messages[0]!.content;
  return messages.map((message) => message.content).join('\n\n');
}
