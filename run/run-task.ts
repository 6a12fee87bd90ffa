/**
 * The symbolic scheduler: select → call → absorb, until done. It holds the exact state, asks the task for
 * each step's prompt, checks the prompt fits the context budget, votes on it through the sampler, and folds the
 * voted answer back into the state. Nothing per step is kept: memory stays flat however long the run.
 */
import type { BudgetReport } from '../dispatch/budget.ts';
import { createDispatcher, type Dispatcher, type DispatchStats } from '../dispatch/dispatcher.ts';
import { BudgetExhaustedError, ContextBudgetError, InputError, isAbortError, StepExhaustedError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import type { StepTask } from '../core/task.ts';
import { countMessageTokens } from '../models/tokens.ts';
import { defaultRedFlags, type RedFlagRule } from '../voting/red-flags.ts';
import { voteStep, type VoteOutcome, type VoteStats } from '../voting/sampler.ts';
import { firstThenRest, type TemperatureSchedule } from '../voting/temperature.ts';

/** Options of {@link runTask}. */
export interface RunOptions<S, V> {
  readonly task: StepTask<S, V>;
  /** The model every call goes to. Give this or `dispatcher`. */
  readonly model?: LanguageModel;
  /**
   * The dispatcher every call goes through (endpoints, retries, rate limits, budgets); when given, `model` and
   * `concurrency` are ignored and the dispatcher's own apply. @default a dispatcher over `model` with `concurrency`
   */
  readonly dispatcher?: Dispatcher;
  /** Voting margin: a candidate wins when it leads every other by k votes. @default 3 */
  readonly k?: number;
  /** Run seed; every sample's randomness derives from it. @default 0 */
  readonly seed?: number;
  /** Calls in flight at once. @default max(k, 1) */
  readonly concurrency?: number;
  /** The context budget M: a prompt over this many tokens is an error. @default 8192 */
  readonly contextBudget?: number;
  /** Output-token cap per call; a response cut here is red-flagged as truncated. @default 750 */
  readonly maxOutputTokens?: number;
  /** Red-flag rules. @default truncated, too-long (750 tokens), unparseable */
  readonly redFlags?: readonly RedFlagRule[];
  /** Temperature per sample index. @default first 0, then 0.1 */
  readonly temperature?: TemperatureSchedule;
  /** Samples after which a step gives up with `StepExhaustedError`. @default 200 */
  readonly maxSamplesPerStep?: number;
  /** Hard stop after this many steps (a run gone wrong may never reach its goal). @default task.totalSteps, else unlimited */
  readonly maxSteps?: number;
  /** Start from a saved point instead of the task's initial state (used by resume). */
  readonly start?: { readonly step: number; readonly state: S };
  /**
   * Totals to continue from, with `start` (used by resume, so a resumed run ends with the totals an
   * uninterrupted one would have). Copied, never mutated. @default zeroed totals
   */
  readonly startTotals?: RunTotals;
  /** Called after each decided step, in order. Must be cheap; it is on the hot path. */
  readonly onStep?: (event: StepEvent<S, V>) => void;
  /** Checked after each step; a string stops the run with that reason. */
  readonly shouldStop?: (totals: RunTotals) => string | undefined;
  readonly signal?: AbortSignal;
}

/** One decided step. */
export interface StepEvent<S, V> {
  readonly step: number;
  readonly key: string;
  readonly value: V;
  /** The state after absorbing the answer. */
  readonly state: S;
  /** Whether the voted key matched the oracle; undefined when the task has none. */
  readonly correct: boolean | undefined;
  /** Whether the first two valid votes both disagreed with the oracle (false when the task has none). */
  readonly firstTwoWrong: boolean;
  /** Faults and retries while this step was voted on (for a journal: add them back with `addDispatchEvents`). */
  readonly dispatch: StepDispatch;
  readonly stats: VoteStats;
  readonly totals: RunTotals;
}

/** Running totals, updated in place each step. */
export interface RunTotals {
  steps: number;
  errors: number;
  samples: number;
  votes: number;
  redFlags: number;
  redFlagsByRule: Record<string, number>;
  aborted: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  /** Most samples any step needed. */
  maxSamplesInStep: number;
  /** Most sampling rounds any step needed. */
  maxRoundsInStep: number;
  /** Steps whose first two valid votes both disagreed with the oracle. */
  firstTwoWrong: number;
  /** Histogram: samples per step → number of steps. */
  samplesPerStep: Record<number, number>;
  /** Retries after transient faults. */
  retries: number;
  /** Faults the dispatcher saw, by kind (`rate-limit`, `server-error`, `timeout`, ...). */
  faults: Record<string, number>;
}

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
  /** The dispatcher's counters for this part of the run: calls, retries, faults, aborted calls, spend. */
  readonly dispatch?: DispatchStats;
}

/** Options with every default applied, validated once. */
export interface ResolvedRunOptions {
  readonly k: number;
  readonly seed: number;
  readonly concurrency: number;
  readonly contextBudget: number;
  readonly maxOutputTokens: number;
  readonly redFlags: readonly RedFlagRule[];
  readonly temperature: TemperatureSchedule;
  readonly maxSamplesPerStep: number;
  readonly maxSteps: number;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InputError(`Expected \`${name}\` to be an integer >= 1, got \`${value}\``);
  return value;
}

/** Applies defaults and validates, quoting any bad value. */
export function resolveRunOptions<S, V>(options: RunOptions<S, V>): ResolvedRunOptions {
  const k = positiveInteger('k', options.k ?? 3);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`Expected \`seed\` to be an integer >= 0, got \`${seed}\``);
  const maxOutputTokens = positiveInteger('maxOutputTokens', options.maxOutputTokens ?? 750);
  const maxSteps = options.maxSteps ?? options.task.totalSteps ?? Number.POSITIVE_INFINITY;
  if (maxSteps !== Number.POSITIVE_INFINITY) positiveInteger('maxSteps', maxSteps);
  return {
    k,
    seed,
    concurrency: positiveInteger('concurrency', options.concurrency ?? k),
    contextBudget: positiveInteger('contextBudget', options.contextBudget ?? 8192),
    maxOutputTokens,
    redFlags: options.redFlags ?? defaultRedFlags(maxOutputTokens),
    temperature: options.temperature ?? firstThenRest(),
    maxSamplesPerStep: positiveInteger('maxSamplesPerStep', options.maxSamplesPerStep ?? 200),
    maxSteps,
  };
}

/** Fresh, zeroed totals. */
export function emptyTotals(): RunTotals {
  return {
    steps: 0,
    errors: 0,
    samples: 0,
    votes: 0,
    redFlags: 0,
    redFlagsByRule: {},
    aborted: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    maxSamplesInStep: 0,
    maxRoundsInStep: 0,
    firstTwoWrong: 0,
    samplesPerStep: {},
    retries: 0,
    faults: {},
  };
}

/** Adds one step's voting stats to the totals. */
export function addStepStats(totals: RunTotals, stats: VoteStats, correct: boolean | undefined, firstTwoWrong: boolean): void {
  totals.steps++;
  if (correct === false) totals.errors++;
  if (firstTwoWrong) totals.firstTwoWrong++;
  totals.samples += stats.samples;
  totals.votes += stats.votes;
  totals.aborted += stats.aborted;
  totals.promptTokens += stats.promptTokens;
  totals.completionTokens += stats.completionTokens;
  totals.costUsd += stats.costUsd;
  for (const rule in stats.redFlags) {
    const count = stats.redFlags[rule]!;
    totals.redFlags += count;
    totals.redFlagsByRule[rule] = (totals.redFlagsByRule[rule] ?? 0) + count;
  }
  if (stats.samples > totals.maxSamplesInStep) totals.maxSamplesInStep = stats.samples;
  if (stats.rounds > totals.maxRoundsInStep) totals.maxRoundsInStep = stats.rounds;
  totals.samplesPerStep[stats.samples] = (totals.samplesPerStep[stats.samples] ?? 0) + 1;
}

/** Faults and retries the dispatcher saw while one step was voted on. */
export interface StepDispatch {
  readonly retries: number;
  readonly faults: Readonly<Record<string, number>>;
}

/** A step without faults or retries (nearly every step). */
export const NO_DISPATCH_EVENTS: StepDispatch = Object.freeze({ retries: 0, faults: Object.freeze({}) });

/** The dispatcher's counters as of the last step. */
interface DispatchSeen {
  retries: number;
  faultCount: number;
  faults: Record<string, number>;
}

/** What the dispatcher counted since `seen`, moving `seen` up; allocation-free when nothing happened. */
function takeDispatchEvents(stats: DispatchStats, seen: DispatchSeen): StepDispatch {
  if (stats.retries === seen.retries && stats.faultCount === seen.faultCount) return NO_DISPATCH_EVENTS;
  const faults: Record<string, number> = {};
  for (const [kind, count] of Object.entries(stats.faults)) {
    const before = seen.faults[kind] ?? 0;
    if (count !== before) faults[kind] = count - before;
    seen.faults[kind] = count;
  }
  const retries = stats.retries - seen.retries;
  seen.retries = stats.retries;
  seen.faultCount = stats.faultCount;
  return { retries, faults };
}

/** Adds a step's (or a stopped step's) faults and retries to the totals. */
export function addDispatchEvents(totals: RunTotals, events: StepDispatch): void {
  if (events === NO_DISPATCH_EVENTS) return;
  // Totals saved before these fields existed lack them.
  totals.retries = (totals.retries ?? 0) + events.retries;
  totals.faults ??= {};
  for (const [kind, count] of Object.entries(events.faults)) totals.faults[kind] = (totals.faults[kind] ?? 0) + count;
}

/** The loop yields to the event loop at least this often, in milliseconds. */
const YIELD_EVERY_MS = 20;

/** Runs a step task to the end: one voted call per step. */
export async function runTask<S, V>(options: RunOptions<S, V>): Promise<RunResult<S>> {
  const resolved = resolveRunOptions(options);
  const { task } = options;
  if (options.model === undefined && options.dispatcher === undefined) throw new InputError('Expected `model` or `dispatcher` in the run options, got neither');
  const dispatcher = options.dispatcher ?? createDispatcher({ model: options.model!, concurrency: resolved.concurrency });
  const seen: DispatchSeen = { retries: 0, faultCount: 0, faults: {} };
  const totals = options.startTotals === undefined ? emptyTotals() : structuredClone(options.startTotals);
  const started = performance.now();
  let step = options.start?.step ?? 0;
  let state = options.start?.state ?? task.initialState();
  let stopReason: string | undefined;

  let lastYield = started;
  while (!task.done(state, step)) {
    // A backend that answers at once (the simulated model) would otherwise never give the event loop a turn:
    // signal handlers, timers and progress would wait for the end of the run.
    if (performance.now() - lastYield >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    if (step >= resolved.maxSteps) {
      stopReason = `reached the step limit of ${resolved.maxSteps}`;
      break;
    }
    if (options.signal?.aborted) {
      stopReason = 'interrupted';
      break;
    }
    const messages = task.prompt(state, step);
    const tokens = countMessageTokens(messages);
    if (tokens > resolved.contextBudget) throw new ContextBudgetError(step, tokens, resolved.contextBudget);
    let outcome: VoteOutcome<V>;
    try {
      outcome = await voteStep({
        dispatcher,
        messages,
        promptTokens: tokens,
        parse: (text) => task.parse(text),
        k: resolved.k,
        seed: resolved.seed,
        step,
        redFlags: resolved.redFlags,
        temperature: resolved.temperature,
        maxOutputTokens: resolved.maxOutputTokens,
        maxSamples: resolved.maxSamplesPerStep,
        signal: options.signal,
      });
    } catch (error) {
      // A spent budget ends the run cleanly; the step it interrupted is left undecided, to be resumed.
      if (error instanceof BudgetExhaustedError) {
        stopReason = `budget: ${error.budget}`;
        break;
      }
      // Aborted mid-step: the step is left undecided, exactly as if the signal had come just before it.
      if (options.signal?.aborted === true && isAbortError(error)) {
        stopReason = 'interrupted';
        break;
      }
      throw error;
    }
    if (outcome.kind === 'exhausted') throw new StepExhaustedError(step, outcome.samples, outcome.tally, outcome.redFlags);
    const expected = task.oracle?.(state, step);
    const correct = expected === undefined ? undefined : outcome.key === expected;
    const firstTwoWrong =
      expected !== undefined && outcome.voteKeys.length >= 2 && outcome.voteKeys[0] !== expected && outcome.voteKeys[1] !== expected;
    addStepStats(totals, outcome, correct, firstTwoWrong);
    const dispatch = takeDispatchEvents(dispatcher.stats, seen);
    addDispatchEvents(totals, dispatch);
    state = task.absorb(state, outcome.value, step);
    step++;
    options.onStep?.({ step: step - 1, key: outcome.key, value: outcome.value, state, correct, firstTwoWrong, dispatch, stats: outcome, totals });
    const reason = options.shouldStop?.(totals);
    if (reason !== undefined) {
      stopReason = reason;
      break;
    }
  }

  // Faults of a step the run stopped in belong to no decided step.
  addDispatchEvents(totals, takeDispatchEvents(dispatcher.stats, seen));
  return {
    task: task.name,
    model: dispatcher.id,
    k: resolved.k,
    seed: resolved.seed,
    solved: stopReason === undefined && task.solved(state, step),
    stopReason,
    finalState: state,
    totals,
    wallMs: performance.now() - started,
    budget: dispatcher.budget(),
    dispatch: dispatcher.stats,
  };
}
