/**
 * The run summary, as JSON (one object, stable field names shared by run, resume and report) and as text.
 */
import type { RunResult } from '../core/scheduler.ts';

/** The JSON fields of a finished run. */
export function summaryJson(result: RunResult<unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { totals } = result;
  return {
    task: result.task,
    ...extra,
    model: result.model,
    k: result.k,
    seed: result.seed,
    solved: result.solved,
    stopReason: result.stopReason ?? null,
    steps: totals.steps,
    errors: totals.errors,
    samples: totals.samples,
    votes: totals.votes,
    samplesPerStep: totals.steps === 0 ? 0 : totals.samples / totals.steps,
    maxSamplesInStep: totals.maxSamplesInStep,
    maxRoundsInStep: totals.maxRoundsInStep,
    firstTwoWrong: totals.firstTwoWrong,
    redFlags: totals.redFlags,
    redFlagsByRule: totals.redFlagsByRule,
    abortedSamples: totals.aborted,
    promptTokens: totals.promptTokens,
    completionTokens: totals.completionTokens,
    costUsd: Number(totals.costUsd.toFixed(6)),
    wallMs: Math.round(result.wallMs),
    samplesHistogram: totals.samplesPerStep,
  };
}

const number = (value: number) => value.toLocaleString('en-US');

/** A few aligned lines for a person. */
export function summaryText(result: RunResult<unknown>): string {
  const { totals } = result;
  const verdict = result.solved
    ? `solved in ${number(totals.steps)} steps with ${number(totals.errors)} errors`
    : `NOT solved after ${number(totals.steps)} steps (${number(totals.errors)} errors${result.stopReason === undefined ? '' : `; stopped: ${result.stopReason}`})`;
  const flags = Object.entries(totals.redFlagsByRule)
    .map(([rule, count]) => `${rule} ${number(count)}`)
    .join(', ');
  const lines = [
    `${result.task}: ${verdict}`,
    `  model        ${result.model}, k = ${result.k}, seed ${result.seed}`,
    `  samples      ${number(totals.samples)} (${(totals.samples / Math.max(totals.steps, 1)).toFixed(3)} per step; most in one step ${totals.maxSamplesInStep}, ${totals.maxRoundsInStep} rounds)`,
    `  red flags    ${number(totals.redFlags)}${flags === '' ? '' : ` (${flags})`}`,
    `  tokens       ${number(totals.promptTokens)} prompt, ${number(totals.completionTokens)} completion`,
    `  cost         $${totals.costUsd.toFixed(2)}`,
    `  wall time    ${(result.wallMs / 1000).toFixed(1)} s`,
  ];
  return `${lines.join('\n')}\n`;
}
