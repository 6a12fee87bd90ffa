/**
 * A set of problems as one batch run (run/batch.ts): every problem's ready calls are voted side by side under the
 * run-wide concurrency, each problem drawing its samples from its own seed (the set seed mixed with its index),
 * so a problem's votes are the ones it would draw run alone. The set is journaled, resumed and budgeted as one
 * run. Scoring reads each problem's answer out of the final state: exact or not, against the oracle's truth.
 */
import { InputError } from '../../core/errors.ts';
import type { LanguageModel } from '../../core/model.ts';
import { mixSeed } from '../../core/rng.ts';
import type { Dispatcher } from '../../dispatch/dispatcher.ts';
import { batchTask, type BatchState, type BatchTask } from '../../run/batch.ts';
import { countMessageTokens } from '../../models/tokens.ts';
import { RUN_DEFAULTS, runTask, type RunResult, type RunTotals, type StepEvent } from '../../run/run-task.ts';
import type { AnsweringTask } from './answering-task.ts';

/** What defines a set's run: its problems, how each becomes a task, and the set seed. */
export interface ProblemSetOptions<P> {
  /** Task name for the run and the result (`multiplication`). */
  readonly task: string;
  /** Strategy name for the result (`decomposed`, `flat`). */
  readonly strategy: string;
  /** The problems, in order; at least one. */
  readonly problems: readonly P[];
  /** Builds one problem's task. */
  readonly build: (problem: P) => AnsweringTask<any, any, any>;
  /** An id for each problem, for outcomes. */
  readonly idOf: (problem: P) => string;
  /** Set seed; problem i draws its samples from `mixSeed(seed, i)`. @default 0 */
  readonly seed?: number;
}

/** One problem's outcome. */
export interface ProblemOutcome {
  readonly index: number;
  readonly id: string;
  readonly correct: boolean;
  /** The voted answer, canonical; null when the run gave none. */
  readonly answer: string | null;
  /** True when one of its calls reached the sample cap undecided, so it has no answer. */
  readonly abandoned: boolean;
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
  /** `correct / total`. */
  readonly accuracy: number;
  /** Problems without an answer (abandoned, or not reached before a stop). */
  readonly unanswered: number;
  /** Voted calls decided. */
  readonly steps: number;
  /** Voted calls whose decided answer was not the correct one. */
  readonly errors: number;
  /** Model calls made, valid or red-flagged. */
  readonly samples: number;
  readonly redFlags: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Largest prompt of any call absorbed by this task object (a resumed run's replayed calls included), in tokens. */
  readonly maxPromptTokens: number;
  readonly wallMs: number;
  /** Why the run stopped before the end (a budget, an interrupt), if it did. */
  readonly stopReason: string | undefined;
  readonly outcomes: readonly ProblemOutcome[];
}

/** A set as one batch task, and how to score a run of it. */
export interface ProblemSetTask extends BatchTask<unknown> {
  readonly strategy: string;
  readonly members: readonly AnsweringTask<any, any, any>[];
  /** Output tokens the longest answer takes in one call (0 for decomposed strategies). */
  readonly answerTokens: number;
  /** Scores a run's end. */
  score(result: RunResult<BatchState>): SetResult;
}

/** Builds the batch task of a set. */
export function createProblemSetTask<P>(options: ProblemSetOptions<P>): ProblemSetTask {
  const seed = options.seed ?? RUN_DEFAULTS.seed;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`Expected \`seed\` to be an integer >= 0, got \`${seed}\``);
  if (options.problems.length === 0) throw new InputError('Expected at least one problem in the set, got none');
  const members = options.problems.map((problem) => options.build(problem));
  const batch = batchTask<unknown>(options.task, members.map((task, index) => ({ task, seed: mixSeed(seed, index) })));
  const ids = options.problems.map((problem) => options.idOf(problem));
  let maxPromptTokens = 0;
  return {
    ...batch,
    absorb(state, call, value) {
      // The largest prompt is measured as calls are decided: the engine has just counted the same text, so this
      // is a cache hit, and a resume that replays its journal through here measures the replayed calls too.
      maxPromptTokens = Math.max(maxPromptTokens, countMessageTokens(call.messages));
      return batch.absorb(state, call, value);
    },
    strategy: options.strategy,
    members,
    answerTokens: members.reduce((max, task) => Math.max(max, task.answerTokens ?? 0), 0),
    score(result) {
      const state = result.finalState;
      const outcomes: ProblemOutcome[] = members.map((task, index) => {
        const abandoned = state.abandoned.includes(index);
        const answer = abandoned ? undefined : task.answer(batch.memberState(state, index));
        return { index, id: ids[index]!, correct: answer !== undefined && answer === task.truth, answer: answer ?? null, abandoned };
      });
      const correct = outcomes.filter((outcome) => outcome.correct).length;
      const totals: RunTotals = result.totals;
      return {
        task: options.task,
        strategy: options.strategy,
        model: result.model,
        k: result.k,
        seed,
        total: members.length,
        correct,
        accuracy: correct / members.length,
        unanswered: outcomes.filter((outcome) => outcome.answer === null).length,
        steps: totals.steps,
        errors: totals.errors,
        samples: totals.samples,
        redFlags: totals.redFlags,
        promptTokens: totals.promptTokens,
        completionTokens: totals.completionTokens,
        costUsd: totals.costUsd,
        maxPromptTokens,
        wallMs: result.wallMs,
        stopReason: result.stopReason,
        outcomes,
      };
    },
  };
}

/** Options of {@link evaluateSet}: the set, and how its calls are voted. */
export interface EvaluateSetOptions<P> extends ProblemSetOptions<P> {
  /** The model every call goes to. Give this or `dispatcher`. */
  readonly model?: LanguageModel;
  /** The dispatcher every call goes through (endpoints, retries, limits, budgets for the whole set). */
  readonly dispatcher?: Dispatcher;
  /** Voting margin. @default 3 */
  readonly k?: number;
  /** Model calls in flight at once, across the whole set. @default k */
  readonly concurrency?: number;
  /** Largest prompt allowed, in tokens. @default 8192 */
  readonly contextBudget?: number;
  /** Output cap per call, in tokens. @default 750 plus the longest answer's tokens (a flat call writes the whole answer) */
  readonly maxOutputTokens?: number;
  /** Samples after which a call gives up; its problem is then unanswered and the rest go on. @default 200 */
  readonly maxSamplesPerStep?: number;
  /** Called after each decided call. */
  readonly onStep?: (event: StepEvent<unknown, unknown>) => void;
  readonly signal?: AbortSignal;
}

/** The output cap a set's calls get unless one is given: the default plus the longest answer a call must write. */
export function setOutputCap(task: Pick<ProblemSetTask, 'answerTokens'>, given: number | undefined): number {
  return given ?? RUN_DEFAULTS.maxOutputTokens + task.answerTokens;
}

/** Runs the whole set as one batch and scores it. */
export async function evaluateSet<P>(options: EvaluateSetOptions<P>): Promise<SetResult> {
  const task = createProblemSetTask(options);
  const result = await runTask({
    task,
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    ...(options.model === undefined ? {} : { model: options.model }),
    k: options.k ?? RUN_DEFAULTS.k,
    seed: options.seed ?? RUN_DEFAULTS.seed,
    maxOutputTokens: setOutputCap(task, options.maxOutputTokens),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.contextBudget === undefined ? {} : { contextBudget: options.contextBudget }),
    ...(options.maxSamplesPerStep === undefined ? {} : { maxSamplesPerStep: options.maxSamplesPerStep }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  });
  return task.score(result);
}
