/**
 * Red-flag rules: composable predicates over a response. A flagged response is discarded, never repaired,
 * and never counts as a vote. Rules are small named factories, checked in order; the first that fires names
 * the flag.
 */
import { InputError } from '../core/errors.ts';
import type { ModelResponse } from '../core/model.ts';
import type { ParseResult } from '../core/task.ts';

/** What a rule sees: the raw response and the task parser's verdict on its text. */
export interface RedFlagInput {
  readonly response: ModelResponse;
  readonly parsed: ParseResult<unknown>;
}

/** A named red-flag predicate. */
export interface RedFlagRule {
  /** Name used in counts and reports (`too-long`, `truncated`, `unparseable`, or a custom one). */
  readonly name: string;
  /** True when the response must be discarded. */
  readonly test: (input: RedFlagInput) => boolean;
}

/** Flags responses whose reported output tokens exceed `maxTokens`. The paper uses 750. */
export function tooLong(maxTokens = 750): RedFlagRule {
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new InputError(`Expected \`maxTokens\` to be an integer >= 1, got \`${maxTokens}\``);
  }
  return { name: 'too-long', test: ({ response }) => response.usage.completionTokens > maxTokens };
}

/** Flags responses cut off by the output cap (`finish_reason: "length"`). */
export function truncated(): RedFlagRule {
  return { name: 'truncated', test: ({ response }) => response.finishReason === 'length' };
}

/** Flags responses the task's strict parser rejects. */
export function unparseable(): RedFlagRule {
  return { name: 'unparseable', test: ({ parsed }) => !parsed.ok };
}

/** A custom rule. */
export function redFlag(name: string, test: RedFlagRule['test']): RedFlagRule {
  return { name, test };
}

/** The paper's rules: over-long (750 tokens), truncated, unparseable. */
export function defaultRedFlags(maxTokens = 750): readonly RedFlagRule[] {
  return [truncated(), tooLong(maxTokens), unparseable()];
}

/** The name of the first rule that fires, or undefined for a valid response. */
export function firstRedFlag(rules: readonly RedFlagRule[], input: RedFlagInput): string | undefined {
  for (const rule of rules) if (rule.test(input)) return rule.name;
  return undefined;
}

/** What a response counts as: a vote for its parsed answer, or red-flagged by the named rule. */
export type ResponseVerdict<V> =
  | { readonly kind: 'valid'; readonly key: string; readonly value: V }
  | { readonly kind: 'red-flag'; readonly rule: string };

/**
 * Sorts one response: the first of `rules` that fires names its red flag; a response the parser rejects is
 * `unparseable` whatever rules were chosen, since it can never be a vote. The one place the sampler, calibration
 * and step measurements decide what a response counts as.
 */
export function classifyResponse<V>(rules: readonly RedFlagRule[], response: ModelResponse, parsed: ParseResult<V>): ResponseVerdict<V> {
  const rule = firstRedFlag(rules, { response, parsed });
  if (rule !== undefined) return { kind: 'red-flag', rule };
  if (!parsed.ok) return { kind: 'red-flag', rule: 'unparseable' };
  return { kind: 'valid', key: parsed.key, value: parsed.value };
}
