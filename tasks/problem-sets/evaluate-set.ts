/**
 * Runs a set of problems through the engine, one run per problem, and scores it: how many answers are exact,
 * what the calls cost, how many voted calls were wrong, the largest prompt any call had. Each problem's votes
 * draw from their own seed (the set seed mixed with the problem's index), so one problem's run is reproducible
 * alone, and a set resumed from recorded outcomes ends with the totals an uninterrupted one would have.
 */
import { InputError, MakerError, StepExhaustedError } from '../../core/errors.ts';
import type { LanguageModel } from '../../core/model.ts';
import { mixSeed } from '../../core/rng.ts';
import type { Dispatcher } from '../../dispatch/dispatcher.ts';
import { RUN_DEFAULTS, runTask, type RunResult, type RunTotals } from '../../run/run-task.ts';
import type { AnsweringTask } from './answering-task.ts';

/** Options of {@link evaluateSet}. */
export interface EvaluateSetOptions<P> {
  /** Task name for the result (`multiplication`). */
  readonly task: string;
  /** Strategy name for the result (`decomposed`, `flat`). */
  readonly strategy: string;
  /** The problems, in order. */
  readonly problems: readonly P[];
  /** Builds one problem's task. */
  readonly build: (problem: P) => AnsweringTask<any, any, any>;
  /** An id for each problem, for outcomes and resume. */
  readonly idOf: (problem: P) => string;
  /** The model every call goes to. Give this or `dispatcher`. */
  readonly model?: LanguageModel;
  /** The dispatcher every call goes through (shared by the whole set, so budgets cap the set). */
  readonly dispatcher?: Dispatcher;
  /** Set seed; problem i runs with `mixSeed(seed, i)`. @default 0 */
  readonly seed?: number;
  /** Voting margin. @default 3 */
  readonly k?: number;
  /** Model calls in flight at once within a problem. @default k */
  readonly concurrency?: number;
  /** Largest prompt allowed, in tokens. @default 8192 */
  readonly contextBudget?: number;
  /**
   * Output cap per call, in tokens. @default 750 plus the task's `answerTokens` (a flat call must write the whole
   * answer, so its cap grows with it)
   */
  readonly maxOutputTokens?: number;
  /** Samples after which a call gives up (the problem then counts as unanswered). @default 200 */
  readonly maxSamplesPerStep?: number;
  /** Outcomes already recorded (by index), from an earlier session: those problems are not run again. */
  readonly recorded?: ReadonlyMap<number, ProblemOutcome>;
  /** Called after each problem is run (not for recorded ones), before the next starts. */
  readonly onOutcome?: (outcome: ProblemOutcome, done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** One problem's outcome: JSON, so a run directory can record it. */
export interface ProblemOutcome {
  readonly index: number;
  readonly id: string;
  readonly correct: boolean;
  /** The voted answer, canonical; null when the run gave none. */
  readonly answer: string | null;
  /** Why there is no answer, if there is none (a call that exhausted its samples, a prompt over the budget). */
  readonly failure: string | null;
  /** Voted calls decided. */
  readonly steps: number;
  /** Voted calls whose decided answer was not the correct one. */
  readonly errors: number;
  /** Model calls made (valid or red-flagged). */
  readonly samples: number;
  readonly redFlags: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Largest prompt of any call, in tokens. */
  readonly maxPromptTokens: number;
  readonly wallMs: number;
}

/** What a set scored. */
export interface SetResult {
  readonly task: string;
  readonly strategy: string;
  readonly model: string;
  readonly k: number;
  readonly seed: number;
  /** Problems in the set. */
  readonly total: number;
  /** Problems answered exactly. */
  readonly correct: number;
  readonly accuracy: number;
  /** Problems without an answer. */
  readonly unanswered: number;
  readonly steps: number;
  readonly errors: number;
  readonly samples: number;
  readonly redFlags: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Largest prompt of any call of any problem, in tokens. */
  readonly maxPromptTokens: number;
  /** Sum of the problems' wall times (recorded ones included). */
  readonly wallMs: number;
  /** Why the set stopped before its end (a budget, an interrupt), if it did; unrun problems are left out. */
  readonly stopReason: string | undefined;
  readonly outcomes: readonly ProblemOutcome[];
}

/** Largest prompt of a decided call: every sample of a call reads the same prompt. */
function trackPrompt(totals: { max: number }, stats: { promptTokens: number; samples: number }): void {
  if (stats.samples > 0) totals.max = Math.max(totals.max, stats.promptTokens / stats.samples);
}

function outcomeOf(index: number, id: string, task: AnsweringTask<any, any, any>, totals: RunTotals | undefined, result: RunResult<unknown> | undefined, failure: string | null, extra: { maxPromptTokens: number; samples: number; wallMs: number }): ProblemOutcome {
  const answer = result === undefined ? undefined : task.answer(result.finalState);
  return {
    index,
    id,
    correct: answer !== undefined && answer === task.truth,
    answer: answer ?? null,
    failure,
    steps: totals?.steps ?? 0,
    errors: totals?.errors ?? 0,
    samples: (totals?.samples ?? 0) + extra.samples,
    redFlags: totals?.redFlags ?? 0,
    promptTokens: totals?.promptTokens ?? 0,
    completionTokens: totals?.completionTokens ?? 0,
    costUsd: totals?.costUsd ?? 0,
    maxPromptTokens: extra.maxPromptTokens,
    wallMs: Math.round(extra.wallMs),
  };
}

/** Runs every problem not yet recorded and scores the set. */
export async function evaluateSet<P>(options: EvaluateSetOptions<P>): Promise<SetResult> {
  const seed = options.seed ?? RUN_DEFAULTS.seed;
  const k = options.k ?? RUN_DEFAULTS.k;
  if (options.model === undefined && options.dispatcher === undefined) throw new InputError('Expected `model` or `dispatcher` in the set options, got neither');
  const total = options.problems.length;
  const outcomes: ProblemOutcome[] = [];
  let stopReason: string | undefined;
  for (const [index, problem] of options.problems.entries()) {
    const recorded = options.recorded?.get(index);
    if (recorded !== undefined) {
      outcomes.push(recorded);
      continue;
    }
    if (options.signal?.aborted === true) {
      stopReason = 'interrupted';
      break;
    }
    const task = options.build(problem);
    const prompt = { max: 0 };
    let totals: RunTotals | undefined;
    let result: RunResult<unknown> | undefined;
    let failure: string | null = null;
    let lostSamples = 0;
    const started = performance.now();
    try {
      result = await runTask({
        task,
        ...(options.dispatcher === undefined ? { model: options.model! } : { dispatcher: options.dispatcher }),
        k,
        seed: mixSeed(seed, index),
        maxOutputTokens: options.maxOutputTokens ?? RUN_DEFAULTS.maxOutputTokens + (task.answerTokens ?? 0),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.contextBudget === undefined ? {} : { contextBudget: options.contextBudget }),
        ...(options.maxSamplesPerStep === undefined ? {} : { maxSamplesPerStep: options.maxSamplesPerStep }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onStep: (event) => {
          totals = event.totals;
          trackPrompt(prompt, event.stats);
        },
      });
      totals = result.totals;
    } catch (error) {
      // A call that exhausts its samples, or a prompt over the budget, leaves the problem unanswered; input and
      // model errors end the set.
      if (error instanceof InputError || !(error instanceof MakerError) || error.code === 'E_MODEL_CALL') throw error;
      failure = error.message;
      if (error instanceof StepExhaustedError) lostSamples = error.samples;
    }
    if (result?.stopReason !== undefined) {
      // A budget or an interrupt stopped the problem part-way: it is left unrecorded, to be run again on resume.
      stopReason = result.stopReason;
      break;
    }
    const outcome = outcomeOf(index, options.idOf(problem), task, totals, result, failure, { maxPromptTokens: prompt.max, samples: lostSamples, wallMs: performance.now() - started });
    outcomes.push(outcome);
    options.onOutcome?.(outcome, outcomes.length, total);
  }
  return summarize(options, outcomes, { k, seed, total, stopReason });
}

function summarize<P>(options: EvaluateSetOptions<P>, outcomes: readonly ProblemOutcome[], run: { k: number; seed: number; total: number; stopReason: string | undefined }): SetResult {
  const sum = (field: 'steps' | 'errors' | 'samples' | 'redFlags' | 'promptTokens' | 'completionTokens' | 'costUsd' | 'wallMs') =>
    outcomes.reduce((total, outcome) => total + outcome[field], 0);
  const correct = outcomes.filter((outcome) => outcome.correct).length;
  return {
    task: options.task,
    strategy: options.strategy,
    model: options.dispatcher?.id ?? options.model!.id,
    k: run.k,
    seed: run.seed,
    total: run.total,
    correct,
    accuracy: run.total === 0 ? 0 : correct / run.total,
    unanswered: outcomes.filter((outcome) => outcome.answer === null).length,
    steps: sum('steps'),
    errors: sum('errors'),
    samples: sum('samples'),
    redFlags: sum('redFlags'),
    promptTokens: sum('promptTokens'),
    completionTokens: sum('completionTokens'),
    costUsd: sum('costUsd'),
    maxPromptTokens: outcomes.reduce((max, outcome) => Math.max(max, outcome.maxPromptTokens), 0),
    wallMs: sum('wallMs'),
    stopReason: run.stopReason,
    outcomes,
  };
}
