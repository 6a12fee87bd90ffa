/**
 * What a scenario needs to know about the model it measures: its profile (for `sim:` and for `openai:` models
 * the paper measured), the per-step error rate to plan margins and predictions with, and the output cap.
 */
import { InputError } from '../../core/errors.ts';
import { findProfile, type ModelProfile } from '../../models/profiles.ts';
import type { BenchSettings } from './scenario.ts';

/** The paper's over-long red flag, in output tokens. */
export const PAPER_OUTPUT_CAP = 750;

/** The profile a model spec names (`sim:gpt-4.1-mini`, or `openai:gpt-4.1-mini` for a model the paper measured). */
export function profileOf(spec: string): ModelProfile | undefined {
  return findProfile(spec.slice(spec.indexOf(':') + 1));
}

/**
 * The per-step error rate (1 - p) to plan with: `--error-rate` when given, else the profile's. A model without
 * a profile needs `--error-rate`.
 */
export function planningErrorRate(spec: string, settings: BenchSettings): number {
  if (settings.errorRate !== undefined) return settings.errorRate;
  const profile = profileOf(spec);
  if (profile === undefined) {
    throw new InputError(`Expected --error-rate for \`${spec}\`: it has no profile to plan margins and predictions with`);
  }
  return profile.errorRate;
}

/**
 * The output cap, which is also the over-long red flag: `--max-output-tokens` when given; else the paper's 750,
 * raised to 1.4 times the mean answer (rounded up to 50) for profiles whose ordinary answers are longer than
 * 750 / 1.25 tokens — otherwise every ordinary answer of, say, gpt-oss-20b (1,104 tokens) would be red-flagged.
 */
export function outputCap(spec: string, settings: BenchSettings): number {
  if (settings.maxOutputTokens !== undefined) return settings.maxOutputTokens;
  const mean = profileOf(spec)?.tokensPerResponse;
  if (mean === undefined || mean * 1.25 <= PAPER_OUTPUT_CAP) return PAPER_OUTPUT_CAP;
  return Math.ceil((1.4 * mean) / 50) * 50;
}

/** Steps of n-disk Hanoi. */
export function hanoiSteps(disks: number): number {
  return 2 ** disks - 1;
}
