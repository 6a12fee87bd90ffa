/** One turn of an agent: the model's answer, the tool calls it made and what each returned. */
import type { FinishReason, ToolCall } from '../core/model.ts';
import type { AgentUsage } from './usage.ts';

/**
 * What a tool call came to, as the model receives it. `ok: false` covers a tool that threw, a call the
 * middleware denied, and a call that could not run (unknown tool, invalid arguments).
 */
export type ToolOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: string; readonly cause?: unknown };

/** One tool call of a turn and its result. */
export interface StepToolCall {
  readonly call: ToolCall;
  /** The parsed arguments; undefined when the call could not run. */
  readonly args: unknown;
  /**
   * `executed`: it went through the middleware (which may have denied or transformed it); `unknown-tool` and
   * `invalid-arguments`: it never ran, and the model got the error.
   */
  readonly status: 'executed' | 'unknown-tool' | 'invalid-arguments';
  readonly outcome: ToolOutcome;
  /** The `tool` message content the model received. */
  readonly content: string;
}

/** How a voted turn was decided. */
export interface StepVote {
  /** Responses received. */
  readonly samples: number;
  /** Valid votes among them. */
  readonly votes: number;
  /** Votes per turn key. */
  readonly tally: Readonly<Record<string, number>>;
  /** Red-flagged samples by rule (`unknown-tool`, `invalid-arguments`, `truncated`, ...). */
  readonly redFlags: Readonly<Record<string, number>>;
  /** The winning turn's key. */
  readonly key: string;
}

/** One completed turn. */
export interface AgentStep {
  /** 0-based turn index. */
  readonly index: number;
  /** The model's text (a final answer, or what it said alongside its calls). */
  readonly text: string;
  readonly finishReason: FinishReason;
  /** The calls in the order the model made them, each executed in that order. */
  readonly toolCalls: readonly StepToolCall[];
  /** A final answer's value, as an `outputMatches` condition parsed it; undefined otherwise. */
  readonly output: unknown;
  /** What this turn cost: its model calls, its tool calls, and the sub-agents its tools ran. */
  readonly usage: Readonly<AgentUsage>;
  /** Present for voted turns. */
  readonly vote?: StepVote;
}

/** The content a tool message carries for an outcome: a string as it is, other values as JSON, errors prefixed. */
export function outcomeContent(outcome: ToolOutcome): string {
  if (!outcome.ok) return `Error: ${outcome.error}`;
  if (typeof outcome.value === 'string') return outcome.value;
  if (outcome.value === undefined) return '';
  return JSON.stringify(outcome.value);
}
