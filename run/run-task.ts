/**
 * `runTask`: runs a task, a graph of voted calls or a step task (its linear special case), through the engine.
 * A step task's call ids are its step indices, so its sample seeds, journal records and resume are what they were
 * before graphs existed.
 */
import type { BudgetReport } from '../dispatch/budget.ts';
import type { Dispatcher, DispatchStats } from '../dispatch/dispatcher.ts';
import type { LanguageModel } from '../core/model.ts';
import type { GraphTask, StepTask, TaskCall } from '../core/task.ts';
import { runEngine, type DecidedCall } from './engine.ts';
import { resolveRunOptions, type RunSettings } from './options.ts';
import type { RunTotals } from './totals.ts';
import type { VoteStats } from '../voting/sampler.ts';

export { resolveRunOptions, RUN_DEFAULTS, type ResolvedRunOptions, type RunSettings } from './options.ts';
export { addDispatchEvents, addStepStats, emptyTotals, NO_DISPATCH_EVENTS, type RunTotals, type StepDispatch } from './totals.ts';

/** Options of {@link runTask}. */
export interface RunOptions<S, V> extends RunSettings {
  /** A step task (one call per step) or a graph task (every ready call at once). */
  readonly task: StepTask<S, V> | GraphTask<S, V, any>;
  /** The model every call goes to. Give this or `dispatcher`. */
  readonly model?: LanguageModel;
  /**
   * The dispatcher every call goes through (endpoints, retries, rate limits, budgets); when given, `model` and
   * `concurrency`'s limit on model calls are the dispatcher's own. @default a dispatcher over `model` with `concurrency`
   */
  readonly dispatcher?: Dispatcher;
  /** Hard stop after this many decided calls (a run gone wrong may never reach its goal). @default the task's known length, else unlimited */
  readonly maxSteps?: number;
  /** Start from a saved point instead of the task's initial state (used by resume): calls decided so far, and the state. */
  readonly start?: { readonly step: number; readonly state: S };
  /**
   * Totals to continue from, with `start` (used by resume, so a resumed run ends with the totals an
   * uninterrupted one would have). Copied, never mutated. @default zeroed totals
   */
  readonly startTotals?: RunTotals;
  /** Called after each decided call, in the order they are absorbed. Must be cheap; it is on the hot path. */
  readonly onStep?: (event: StepEvent<S, V>) => void;
  /** Called when a call reaches its sample cap undecided and the task abandons it (see `GraphTask.abandon`). */
  readonly onAbandon?: (id: string, stats: VoteStats) => void;
  /** Checked after each decided call; a string stops the run with that reason. */
  readonly shouldStop?: (totals: RunTotals) => string | undefined;
  readonly signal?: AbortSignal;
}

/** One decided call: `step` is its place in the order of decisions (a step task's step index), `id` its call id. */
export type StepEvent<S, V> = DecidedCall<S, V>;

/** The end of a run. */
export interface RunResult<S> {
  readonly task: string;
  readonly model: string;
  readonly k: number;
  readonly seed: number;
  readonly solved: boolean;
  /** Why the run stopped early, if it did. */
  readonly stopReason: string | undefined;
  readonly finalState: S;
  readonly totals: RunTotals;
  readonly wallMs: number;
  /** Spend against each budget (this part of the run, plus any spend carried over into the dispatcher). */
  readonly budget?: BudgetReport;
  /**
   * The dispatcher's own counters: calls, retries, faults, aborted calls, spend. Shared by every run on that
   * dispatcher; this run's own faults and retries are in `totals`.
   */
  readonly dispatch?: DispatchStats;
}

/** True for a graph task (it says which calls are ready), false for a step task. */
export function isGraphTask<S, V>(task: StepTask<S, V> | GraphTask<S, V, any>): task is GraphTask<S, V, any> {
  return typeof (task as Partial<GraphTask<S, V>>).ready === 'function';
}

/** Calls an error-free run of `task` makes, when known in advance. */
export function taskLength(task: StepTask<unknown, unknown> | GraphTask<unknown, unknown, any>): number | undefined {
  return isGraphTask(task) ? task.totalCalls : task.totalSteps;
}

/** A step task's state as the engine holds it: the task's own state and the step it is at. */
interface Stepped<S> {
  readonly state: S;
  readonly step: number;
}

/** A step task as the linear graph it is: one call ready at a time, its id the step index. */
export function stepTaskAsGraph<S, V>(task: StepTask<S, V>): GraphTask<Stepped<S>, V, undefined> {
  return {
    name: task.name,
    totalCalls: task.totalSteps,
    initialState: () => ({ state: task.initialState(), step: 0 }),
    ready: ({ state, step }) => [{ id: String(step), messages: task.prompt(state, step), data: undefined }],
    parse: (text) => task.parse(text),
    absorb: ({ state, step }, _call, value) => ({ state: task.absorb(state, value, step), step: step + 1 }),
    done: ({ state, step }) => task.done(state, step),
    solved: ({ state, step }) => task.solved(state, step),
    ...(task.oracle === undefined ? {} : { oracle: ({ state, step }: Stepped<S>, _call: TaskCall<undefined>) => task.oracle!(state, step) }),
  };
}

/** Any task as a graph: a graph task as it is, a step task as its linear graph (state `{ state, step }`). */
export function asGraphTask<S, V>(task: StepTask<S, V> | GraphTask<S, V, any>): GraphTask<any, V, any> {
  return isGraphTask(task) ? task : stepTaskAsGraph(task);
}

/** Runs a task to the end: every ready call voted, each decided answer absorbed. */
export async function runTask<S, V>(options: RunOptions<S, V>): Promise<RunResult<S>> {
  const { task } = options;
  const graph = isGraphTask(task);
  const settings = resolveRunOptions(options, taskLength(task));
  const common = {
    settings,
    model: options.model,
    dispatcher: options.dispatcher,
    startTotals: options.startTotals,
    onStep: options.onStep,
    onAbandon: options.onAbandon,
    shouldStop: options.shouldStop,
    signal: options.signal,
  };
  let end;
  let finalState: S;
  if (graph) {
    end = await runEngine({ ...common, task, start: options.start, view: (state: S) => state });
    finalState = end.state;
  } else {
    const start = options.start === undefined ? undefined : { step: options.start.step, state: { state: options.start.state, step: options.start.step } };
    const stepped = await runEngine({ ...common, task: stepTaskAsGraph(task), start, view: (state: Stepped<S>) => state.state });
    end = stepped;
    finalState = stepped.state.state;
  }
  return {
    task: task.name,
    model: end.dispatcher.id,
    k: settings.k,
    seed: settings.seed,
    solved: end.solved,
    stopReason: end.stopReason,
    finalState,
    totals: end.totals,
    wallMs: end.wallMs,
    budget: end.dispatcher.budget(),
    dispatch: end.dispatcher.stats,
  };
}
