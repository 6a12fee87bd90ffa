/**
 * Runs one strategy over a generated batch at one depth through the shared scheduler and voting executor, and
 * scores it: macro-F1 over curvature labels, sign accuracy, calls, tokens and cost.
 */
import type { LanguageModel } from '../../core/model.ts';
import type { Dispatcher } from '../../dispatch/dispatcher.ts';
import { batchTask, type BatchState, type BatchTask } from '../../run/batch.ts';
import { runTask, type RunTotals } from '../../run/run-task.ts';
import type { Expr } from './ast.ts';
import { generateExpressions, type GeneratorOptions } from './generator.ts';
import type { Label } from './labels.ts';
import { score, type Scored, type Scores } from './metrics.ts';
import { createConvexityTask, type ConvexityState, type ConvexityTask, type Strategy } from './strategies.ts';

/** Options of {@link evaluateConvexity}. */
export interface EvaluateOptions {
  readonly strategy: Strategy;
  /** The model every call goes to; build it with the task's `convexitySim` behaviour for `sim:` specs. Give this or `dispatcher`. */
  readonly model?: LanguageModel;
  /** The dispatcher every call goes through (endpoints, retries, limits, budgets). */
  readonly dispatcher?: Dispatcher;
  /** The expressions to label, instead of a generated batch (`depth` and `count` then only describe it). */
  readonly expressions?: readonly BatchItem[];
  /** Composition depth of the generated expressions. */
  readonly depth: number;
  /** Number of expressions. */
  readonly count: number;
  /** Seed of the generated batch and of the runs. @default 0 */
  readonly seed?: number;
  /** Voting margin. @default 3 */
  readonly k?: number;
  /** Generator options beyond depth, count and seed. */
  readonly generator?: Omit<GeneratorOptions, 'depth' | 'count' | 'seed'>;
  /** Focused and accumulating: ask affine operator nodes, or label them symbolically. @default 'ask' */
  readonly affineNodes?: 'ask' | 'symbolic';
  /** Model calls in flight at once, across every expression. @default k */
  readonly concurrency?: number;
  /** Largest prompt allowed, in tokens. @default 8192 (1,000,000 for accumulating, whose prompts grow with the node count) */
  readonly contextBudget?: number;
  /** Output cap per call. @default 750 */
  readonly maxOutputTokens?: number;
  /** Samples after which a step gives up (the expression then counts as unanswered). @default 200 */
  readonly maxSamplesPerStep?: number;
  /** Called after each expression. */
  readonly onExpression?: (done: number, total: number) => void;
}

/** One expression's outcome. */
export interface ExpressionOutcome {
  readonly expr: string;
  readonly truth: Label;
  readonly predicted: Label | undefined;
  /** Why there is no prediction, if there is none. */
  readonly failure: string | undefined;
  readonly steps: number;
  /** Steps whose voted answer differed from the locally correct one. */
  readonly stepErrors: number;
  readonly samples: number;
}

/** What a strategy scored on one batch. */
export interface EvaluationResult extends Scores {
  readonly strategy: Strategy;
  readonly model: string;
  readonly depth: number;
  readonly k: number;
  readonly seed: number;
  /** Model calls that returned (valid or red-flagged): the voting executor's samples. */
  readonly samples: number;
  readonly steps: number;
  readonly stepErrors: number;
  readonly redFlags: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** The run's totals: faults and retries too. */
  readonly totals: RunTotals;
  readonly wallMs: number;
  readonly outcomes: readonly ExpressionOutcome[];
}

/** One expression of a batch: its AST and its text. */
export interface BatchItem {
  readonly expr: Expr;
  readonly text: string;
}

/** A convexity batch: one graph task over every expression, and how to score where it ended. */
export interface ConvexityBatch extends BatchTask<Label> {
  readonly strategy: Strategy;
  readonly items: readonly BatchItem[];
  readonly tasks: readonly ConvexityTask[];
  /** Each expression's truth and voted answer as the batch state holds them. */
  outcomes(state: BatchState): Array<{ readonly truth: Label; readonly predicted: Label | undefined; readonly abandoned: boolean }>;
}

/**
 * Every expression of `items` as one batch run: the expressions' calls are ready side by side, each expression
 * drawing its samples from its own seed (the batch seed and its index), as it would run alone.
 */
export function createConvexityBatch(options: { readonly items: readonly BatchItem[]; readonly strategy: Strategy; readonly affineNodes?: 'ask' | 'symbolic'; readonly seed: number }): ConvexityBatch {
  const tasks = options.items.map((item) =>
    createConvexityTask({ expr: item.expr, strategy: options.strategy, ...(options.affineNodes === undefined ? {} : { affineNodes: options.affineNodes }) }),
  );
  const batch = batchTask<Label>(
    'convexity',
    tasks.map((task, index) => ({ task, seed: options.seed * 1_000_003 + index })),
  );
  return {
    ...batch,
    strategy: options.strategy,
    items: options.items,
    tasks,
    outcomes: (state) =>
      tasks.map((task, index) => ({
        truth: task.truth,
        predicted: state.abandoned.includes(index) ? undefined : task.answer(batch.memberState(state, index) as ConvexityState),
        abandoned: state.abandoned.includes(index),
      })),
  };
}

/** Generates the batch and runs the strategy on every expression, all in one run of the engine. */
export async function evaluateConvexity(options: EvaluateOptions): Promise<EvaluationResult> {
  const seed = options.seed ?? 0;
  const k = options.k ?? 3;
  const started = performance.now();
  const items =
    options.expressions ?? generateExpressions({ ...options.generator, depth: options.depth, count: options.count, seed }).map((item) => ({ expr: item.expr, text: item.text }));
  const batch = createConvexityBatch({ items, strategy: options.strategy, seed, ...(options.affineNodes === undefined ? {} : { affineNodes: options.affineNodes }) });
  const perMember = items.map(() => ({ steps: 0, stepErrors: 0, samples: 0, failure: undefined as string | undefined }));
  let done = 0;
  const settled = new Set<number>();
  const progress = (member: number, state: BatchState | undefined) => {
    if (options.onExpression === undefined || settled.has(member)) return;
    if (state !== undefined && !batch.tasks[member]!.done(batch.memberState(state, member) as never, perMember[member]!.steps)) return;
    settled.add(member);
    options.onExpression(++done, items.length);
  };
  const result = await runTask({
    task: batch,
    ...(options.dispatcher === undefined ? { model: options.model! } : { dispatcher: options.dispatcher }),
    k,
    seed,
    contextBudget: options.contextBudget ?? (options.strategy === 'accumulating' ? 1_000_000 : 8192),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.maxOutputTokens === undefined ? {} : { maxOutputTokens: options.maxOutputTokens }),
    ...(options.maxSamplesPerStep === undefined ? {} : { maxSamplesPerStep: options.maxSamplesPerStep }),
    onStep: (event) => {
      const member = batch.memberOf(event.id);
      const counts = perMember[member]!;
      counts.steps++;
      counts.samples += event.stats.samples;
      if (event.correct === false) counts.stepErrors++;
      progress(member, event.state);
    },
    onAbandon: (id, stats) => {
      const member = batch.memberOf(id);
      perMember[member]!.samples += stats.samples;
      perMember[member]!.failure = `gave up after ${stats.samples} samples without a decision`;
      progress(member, undefined);
    },
  });
  const outcomes: ExpressionOutcome[] = batch.outcomes(result.finalState).map((outcome, index) => ({
    expr: items[index]!.text,
    truth: outcome.truth,
    predicted: outcome.predicted,
    failure: perMember[index]!.failure,
    steps: perMember[index]!.steps,
    stepErrors: perMember[index]!.stepErrors,
    samples: perMember[index]!.samples,
  }));
  const { totals } = result;
  const scored: Scored[] = outcomes.map((outcome) => ({ truth: outcome.truth, predicted: outcome.predicted }));
  return {
    strategy: options.strategy,
    model: result.model,
    depth: options.depth,
    k,
    seed,
    ...score(scored),
    samples: totals.samples,
    steps: totals.steps,
    stepErrors: totals.errors,
    redFlags: totals.redFlags,
    promptTokens: totals.promptTokens,
    completionTokens: totals.completionTokens,
    costUsd: totals.costUsd,
    totals,
    wallMs: performance.now() - started,
    outcomes,
  };
}
