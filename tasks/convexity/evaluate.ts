/**
 * Runs one strategy over a generated batch at one depth through the shared scheduler and voting executor, and
 * scores it: macro-F1 over curvature labels, sign accuracy, calls, tokens and cost.
 */
import { InputError, MakerError, StepExhaustedError } from '../../core/errors.ts';
import type { LanguageModel } from '../../core/model.ts';
import { runTask, type RunTotals } from '../../run/run-task.ts';
import { generateExpressions, type GeneratorOptions } from './generator.ts';
import type { Label } from './labels.ts';
import { score, type Scored, type Scores } from './metrics.ts';
import { createConvexityTask, type Strategy } from './strategies.ts';

/** Options of {@link evaluateConvexity}. */
export interface EvaluateOptions {
  readonly strategy: Strategy;
  /** The model every call goes to; build it with the task's `convexitySim` behaviour for `sim:` specs. */
  readonly model: LanguageModel;
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
  /** Calls in flight at once within a step. @default k */
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
  readonly wallMs: number;
  readonly outcomes: readonly ExpressionOutcome[];
}

/** Generates the batch and runs the strategy on every expression, one scheduler run each. */
export async function evaluateConvexity(options: EvaluateOptions): Promise<EvaluationResult> {
  const seed = options.seed ?? 0;
  const k = options.k ?? 3;
  const started = performance.now();
  const batch = generateExpressions({ ...options.generator, depth: options.depth, count: options.count, seed });
  const sums = { samples: 0, steps: 0, stepErrors: 0, redFlags: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
  const outcomes: ExpressionOutcome[] = [];
  for (const [index, item] of batch.entries()) {
    const task = createConvexityTask({ expr: item.expr, strategy: options.strategy, ...(options.affineNodes === undefined ? {} : { affineNodes: options.affineNodes }) });
    let totals: RunTotals | undefined;
    let predicted: Label | undefined;
    let failure: string | undefined;
    try {
      const result = await runTask({
        task,
        model: options.model,
        k,
        // Each expression's votes draw from their own seed, derived from the batch seed and the index.
        seed: seed * 1_000_003 + index,
        contextBudget: options.contextBudget ?? (options.strategy === 'accumulating' ? 1_000_000 : 8192),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.maxOutputTokens === undefined ? {} : { maxOutputTokens: options.maxOutputTokens }),
        ...(options.maxSamplesPerStep === undefined ? {} : { maxSamplesPerStep: options.maxSamplesPerStep }),
        onStep: (event) => {
          totals = event.totals;
        },
      });
      totals = result.totals;
      predicted = task.answer(result.finalState);
    } catch (error) {
      // A step that exhausts its samples leaves the expression unanswered; input and model errors end the batch.
      if (error instanceof InputError || !(error instanceof MakerError) || error.code === 'E_MODEL_CALL') throw error;
      failure = error.message;
      if (error instanceof StepExhaustedError) sums.samples += error.samples;
    }
    if (totals !== undefined) {
      sums.samples += totals.samples;
      sums.steps += totals.steps;
      sums.stepErrors += totals.errors;
      sums.redFlags += totals.redFlags;
      sums.promptTokens += totals.promptTokens;
      sums.completionTokens += totals.completionTokens;
      sums.costUsd += totals.costUsd;
    }
    outcomes.push({
      expr: item.text,
      truth: task.truth,
      predicted,
      failure,
      steps: totals?.steps ?? 0,
      stepErrors: totals?.errors ?? 0,
      samples: totals?.samples ?? 0,
    });
    options.onExpression?.(index + 1, batch.length);
  }
  const scored: Scored[] = outcomes.map((outcome) => ({ truth: outcome.truth, predicted: outcome.predicted }));
  return {
    strategy: options.strategy,
    model: options.model.id,
    depth: options.depth,
    k,
    seed,
    ...score(scored),
    ...sums,
    wallMs: performance.now() - started,
    outcomes,
  };
}
