/**
 * The engine: select → call → absorb, until done. It holds the exact state, asks the task which calls are ready,
 * votes every one it has not started yet, all at once under one run-wide limit, and folds each decided answer back
 * in as it lands; an absorb may make new calls ready (fan-out, sub-goals). Nothing per call is kept once it is
 * absorbed: memory stays flat however long the run.
 *
 * Every sample's randomness derives from (run seed, call key, sample index), and faults and retries are charged
 * to the call that met them, so a run's totals do not depend on the order its calls complete in.
 */
import { setMaxListeners } from 'node:events';
import { createDispatcher, emptyCallTally, type CallTally, type Dispatcher } from '../dispatch/dispatcher.ts';
import { BudgetExhaustedError, ContextBudgetError, InputError, isAbortError, MakerError, StepExhaustedError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import type { GraphTask, TaskCall } from '../core/task.ts';
import { countMessageTokens } from '../models/tokens.ts';
import { voteStepNow, type VoteOutcome } from '../voting/sampler.ts';
import { callKey } from './call-key.ts';
import type { ResolvedRunOptions } from './options.ts';
import { addDispatchEvents, addSpend, addStepStats, emptyTotals, tallyEvents, type RunTotals, type StepDispatch } from './totals.ts';
import type { VoteStats } from '../voting/sampler.ts';

/** One decided call. */
export interface DecidedCall<S, V> {
  /** The call's place in the order calls were decided (a step task's step index). */
  readonly step: number;
  /** The call's id. */
  readonly id: string;
  readonly key: string;
  readonly value: V;
  /** The state after absorbing the answer. */
  readonly state: S;
  /** Whether the voted key matched the oracle; undefined when the task has none. */
  readonly correct: boolean | undefined;
  /** Whether the first two valid votes both disagreed with the oracle (false when the task has none). */
  readonly firstTwoWrong: boolean;
  /** Faults and retries charged to this call. */
  readonly dispatch: StepDispatch;
  readonly stats: VoteStats;
  readonly totals: RunTotals;
}

/** What the engine needs beyond the resolved settings. */
export interface EngineOptions<S, V, D, O> {
  readonly task: GraphTask<S, V, D>;
  readonly settings: ResolvedRunOptions;
  readonly model?: LanguageModel | undefined;
  readonly dispatcher?: Dispatcher | undefined;
  readonly start?: { readonly step: number; readonly state: S } | undefined;
  readonly startTotals?: RunTotals | undefined;
  /** What events and the result show of the state (a step task's adapter unwraps its own). */
  readonly view: (state: S) => O;
  readonly onStep?: ((event: DecidedCall<O, V>) => void) | undefined;
  /** Called when a call reaches its sample cap undecided and the task abandons it. */
  readonly onAbandon?: ((id: string, stats: VoteStats) => void) | undefined;
  readonly shouldStop?: ((totals: RunTotals) => string | undefined) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Where the engine stopped. */
export interface EngineEnd<S> {
  readonly state: S;
  readonly solved: boolean;
  readonly stopReason: string | undefined;
  readonly totals: RunTotals;
  readonly wallMs: number;
  readonly dispatcher: Dispatcher;
}

/** The loop yields to the event loop at least this often, in milliseconds. */
const YIELD_EVERY_MS = 20;

interface Landed<V, D> {
  readonly call: TaskCall<D>;
  readonly tally: CallTally;
  readonly outcome?: VoteOutcome<V>;
  readonly error?: unknown;
}

/** Runs a graph task to the end (or to a stop): the engine behind `runTask`. */
export async function runEngine<S, V, D, O>(options: EngineOptions<S, V, D, O>): Promise<EngineEnd<S>> {
  const { task, settings } = options;
  if (options.model === undefined && options.dispatcher === undefined) throw new InputError('Expected `model` or `dispatcher` in the run options, got neither');
  const dispatcher = options.dispatcher ?? createDispatcher({ model: options.model!, concurrency: settings.concurrency });
  const totals = options.startTotals === undefined ? emptyTotals() : structuredClone(options.startTotals);
  const started = performance.now();
  let state = options.start?.state ?? task.initialState();
  let decided = options.start?.step ?? 0;
  let stopReason: string | undefined;
  let failure: { error: unknown } | undefined;
  // Set once the task is done: calls still in flight then are aborted and never absorbed.
  let finished = false;

  // Calls voted on at once: each keeps at least one sample in flight, so more than the concurrency gains nothing.
  const callLimit = settings.concurrency;
  const inFlight = new Set<string>();
  const landed: Array<Landed<V, D>> = [];
  let wake: (() => void) | undefined;
  // One controller for the run's in-flight calls: a stop or a failure aborts the rest. The caller's signal is
  // linked by one listener, removed at the end.
  const controller = new AbortController();
  // Every call in flight links its own abort to this one signal: hundreds of listeners are expected.
  setMaxListeners(0, controller.signal);
  const outer = options.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });

  const land = (item: Landed<V, D>) => {
    landed.push(item);
    const resume = wake;
    wake = undefined;
    resume?.();
  };

  const launch = (call: TaskCall<D>) => {
    const tokens = countMessageTokens(call.messages);
    if (tokens > settings.contextBudget) throw new ContextBudgetError(decided, tokens, settings.contextBudget);
    inFlight.add(call.id);
    const tally = emptyCallTally();
    const outcome = voteStepNow({
      dispatcher,
      messages: call.messages,
      promptTokens: tokens,
      // A method, not an arrow: a call makes no named function (tsx names every arrow it can, at a cost per call).
      parse(text) {
        return task.parse(text, call);
      },
      k: settings.k,
      seed: call.seed?.run ?? settings.seed,
      step: call.seed?.call ?? callKey(call.id),
      callId: call.id,
      tally,
      redFlags: settings.redFlags,
      temperature: settings.temperature,
      maxOutputTokens: settings.maxOutputTokens,
      maxSamples: settings.maxSamplesPerStep,
      signal: controller.signal,
    });
    // A call the dispatcher answered at once (the simulated model) lands now, without a promise.
    if (!(outcome instanceof Promise)) land({ call, tally, outcome });
    else
      outcome.then(
        (decided) => land({ call, tally, outcome: decided }),
        (error: unknown) => land({ call, tally, error }),
      );
  };

  const stop = (reason: string | undefined, error?: unknown) => {
    if (stopReason !== undefined || failure !== undefined) return;
    if (error !== undefined) failure = { error };
    else stopReason = reason;
    if (inFlight.size > 0) controller.abort();
  };

  const absorb = (item: Landed<V, D>) => {
    inFlight.delete(item.call.id);
    const events = tallyEvents(item.tally);
    if (item.outcome === undefined) {
      // An undecided call's faults still happened: they count, though no decided call carries them.
      addDispatchEvents(totals, events);
      const { error } = item;
      if (finished || stopReason !== undefined || failure !== undefined) return;
      // A spent budget ends the run cleanly; the call it interrupted is left undecided, to be resumed.
      if (error instanceof BudgetExhaustedError) stop(`budget: ${error.budget}`);
      // Aborted from outside: every call in flight is left undecided, as if the signal had come just before it.
      else if (outer?.aborted === true && isAbortError(error)) stop('interrupted');
      else stop(undefined, error);
      return;
    }
    const { outcome, call } = item;
    if (finished) return;
    if (outcome.kind === 'exhausted') {
      addDispatchEvents(totals, events);
      if (task.abandon === undefined) {
        stop(undefined, new StepExhaustedError(decided, outcome.samples, outcome.tally, outcome.redFlags));
        return;
      }
      // Its samples were spent all the same; the call itself is not decided.
      addSpend(totals, outcome);
      state = task.abandon(state, call);
      options.onAbandon?.(call.id, outcome);
      return;
    }
    const expected = task.oracle?.(state, call);
    const correct = expected === undefined ? undefined : outcome.key === expected;
    const firstTwoWrong =
      expected !== undefined && outcome.voteKeys.length >= 2 && outcome.voteKeys[0] !== expected && outcome.voteKeys[1] !== expected;
    addStepStats(totals, outcome, correct, firstTwoWrong);
    addDispatchEvents(totals, events);
    state = task.absorb(state, call, outcome.value);
    const step = decided++;
    options.onStep?.({ step, id: call.id, key: outcome.key, value: outcome.value, state: options.view(state), correct, firstTwoWrong, dispatch: events, stats: outcome, totals });
    const reason = options.shouldStop?.(totals);
    if (reason !== undefined) stop(reason);
  };

  let lastYield = started;
  try {
    for (;;) {
      // A backend that answers at once (the simulated model) would otherwise never give the event loop a turn:
      // signal handlers, timers and progress would wait for the end of the run.
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      for (let item = landed.shift(); item !== undefined; item = landed.shift()) absorb(item);
      if (stopReason === undefined && failure === undefined) {
        if (finished || task.done(state)) {
          if (!finished && inFlight.size > 0) controller.abort();
          finished = true;
          if (inFlight.size === 0) break;
        } else if (decided + inFlight.size >= settings.maxSteps) {
          if (inFlight.size === 0) stop(`reached the step limit of ${settings.maxSteps}`);
        } else if (outer?.aborted === true) {
          stop('interrupted');
        } else if (inFlight.size < callLimit) {
          try {
            for (const call of task.ready(state)) {
              if (inFlight.has(call.id)) continue;
              launch(call);
              if (inFlight.size >= callLimit || decided + inFlight.size >= settings.maxSteps) break;
            }
            if (inFlight.size === 0) throw new MakerError('E_TASK_STALLED', `Task \`${task.name}\` is not done, yet no call is ready after ${decided} decided`);
          } catch (error) {
            stop(undefined, error);
          }
        }
      }
      if (inFlight.size === 0 && landed.length === 0) {
        if (finished || stopReason !== undefined || failure !== undefined) break;
        continue;
      }
      if (landed.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    outer?.removeEventListener('abort', onOuterAbort);
  }
  if (failure !== undefined) throw failure.error;
  return {
    state,
    solved: stopReason === undefined && task.solved(state),
    stopReason,
    totals,
    wallMs: performance.now() - started,
    dispatcher,
  };
}
