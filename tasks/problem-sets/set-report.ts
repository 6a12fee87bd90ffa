/**
 * What a set's run reports: the JSON fields (`task, strategy, total, correct, accuracy, steps, samples, errors,
 * costUsd, wallMs`, ...) and a few lines for a person. Shared by every problem-set task's command.
 */
import type { SetResult } from './evaluate-set.ts';

/** The JSON summary of a set's run (outcomes per problem are left out). */
export function setSummaryJson(result: SetResult, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    task: result.task,
    strategy: result.strategy,
    ...extra,
    model: result.model,
    k: result.k,
    seed: result.seed,
    total: result.total,
    correct: result.correct,
    accuracy: Number(result.accuracy.toFixed(6)),
    unanswered: result.unanswered,
    steps: result.steps,
    samples: result.samples,
    errors: result.errors,
    redFlags: result.redFlags,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    costUsd: Number(result.costUsd.toFixed(6)),
    maxPromptTokens: Math.round(result.maxPromptTokens),
    wallMs: Math.round(result.wallMs),
    stopReason: result.stopReason ?? null,
  };
}

/** Lines for the text summary. */
export function setSummaryLines(result: SetResult, source: string): string[] {
  const n = (value: number) => value.toLocaleString('en-US');
  return [
    `${result.task}: ${result.strategy} on ${source}`,
    `  model        ${result.model}, k = ${result.k}, seed ${result.seed}`,
    `  exact        ${n(result.correct)} of ${n(result.total)} (${(100 * result.accuracy).toFixed(1)}%; ${n(result.unanswered)} unanswered)${result.stopReason === undefined ? '' : `; stopped: ${result.stopReason}`}`,
    `  calls        ${n(result.samples)} samples over ${n(result.steps)} voted calls (${(result.samples / Math.max(result.steps, 1)).toFixed(2)} per call; ${n(result.errors)} wrong calls; ${n(result.redFlags)} red flags)`,
    `  prompts      largest ${n(Math.round(result.maxPromptTokens))} tokens; ${n(result.promptTokens)} prompt and ${n(result.completionTokens)} completion tokens in all`,
    `  cost         $${result.costUsd.toFixed(2)} in ${(result.wallMs / 1000).toFixed(1)} s`,
  ];
}
