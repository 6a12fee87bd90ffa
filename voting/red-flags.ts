/**
 * Red-flag rules: composable predicates over a response. A flagged response is discarded, never repaired,
 * and never counts as a vote. Rules are small named factories, checked in order; the first that fires names
 * the flag.
 */
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
    throw new RangeError(`Expected \`maxTokens\` to be an integer >= 1, got \`${maxTokens}\``);
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
