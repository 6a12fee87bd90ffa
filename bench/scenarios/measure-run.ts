/**
 * One measured executor run, as the scenarios record it: `runTask` with progress and interruption wired to the
 * case context, a step that exhausts its sample cap recorded rather than thrown, and the totals flattened into
 * plain JSON.
 */
import { StepExhaustedError } from '../../core/errors.ts';
import { emptyTotals, runTask, taskLength, type RunOptions, type RunTotals } from '../../run/run-task.ts';
import type { CaseContext } from '../harness/scenario.ts';

/** A run's measurements. */
export interface MeasuredRun {
  readonly seed: number;
  readonly k: number;
  readonly solved: boolean;
  /** Why the run stopped early: a stop condition, `interrupted`, or `step N exhausted its samples`. */
  readonly stopReason: string | null;
  readonly steps: number;
  readonly errors: number;
  readonly samples: number;
  readonly votes: number;
  readonly redFlags: number;
  readonly redFlagsByRule: Readonly<Record<string, number>>;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  readonly maxSamplesInStep: number;
  readonly maxRoundsInStep: number;
  readonly firstTwoWrong: number;
  /** Samples per step → number of steps. */
  readonly samplesHistogram: Readonly<Record<string, number>>;
  readonly wallMs: number;
}

function flatten(totals: RunTotals): Omit<MeasuredRun, 'seed' | 'k' | 'solved' | 'stopReason' | 'wallMs'> {
  return {
    steps: totals.steps,
    errors: totals.errors,
    samples: totals.samples,
    votes: totals.votes,
    redFlags: totals.redFlags,
    redFlagsByRule: { ...totals.redFlagsByRule },
    promptTokens: totals.promptTokens,
    completionTokens: totals.completionTokens,
    costUsd: totals.costUsd,
    maxSamplesInStep: totals.maxSamplesInStep,
    maxRoundsInStep: totals.maxRoundsInStep,
    firstTwoWrong: totals.firstTwoWrong,
    samplesHistogram: { ...totals.samplesPerStep },
  };
}

/** Runs a task through the executor and records what it measured. `progressEvery` steps between progress reports. */
export async function measureRun<S, V>(options: RunOptions<S, V>, context: CaseContext, progressEvery = 1024): Promise<MeasuredRun> {
  const total = options.maxSteps ?? taskLength(options.task);
  let totals: RunTotals = emptyTotals();
  const started = performance.now();
  const onStep: RunOptions<S, V>['onStep'] = (event) => {
    totals = event.totals;
    if (event.step % progressEvery === 0 && total !== undefined) context.progress(event.step / total, `${event.step.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} steps`);
    options.onStep?.(event);
  };
  try {
    const result = await runTask({ ...options, signal: options.signal ?? context.signal, onStep });
    return { seed: result.seed, k: result.k, solved: result.solved, stopReason: result.stopReason ?? null, wallMs: result.wallMs, ...flatten(result.totals) };
  } catch (error) {
    if (!(error instanceof StepExhaustedError)) throw error;
    // The totals up to the step that gave up, plus that step's own samples.
    const partial = flatten(totals);
    return {
      seed: options.seed ?? 0,
      k: options.k ?? 3,
      solved: false,
      stopReason: `step ${error.step} exhausted its samples`,
      wallMs: performance.now() - started,
      ...partial,
      samples: partial.samples + error.samples,
    };
  }
}
