/**
 * A model turn as a vote: its key is its tool calls (each as its name and the canonical JSON of its parsed
 * arguments; parallel calls compared as a multiset, their order ignored) or, for a final answer, its text (or
 * the canonical JSON of its output, under an output condition). A call to an unknown tool, arguments that do
 * not parse or fail the schema, and a final answer an output condition rejects make the turn a red flag.
 */
import type { ModelResponse, ToolCall } from '../core/model.ts';
import type { ParseResult } from '../core/task.ts';
import { redFlag, type RedFlagRule } from '../voting/red-flags.ts';
import { canonicalJson } from './json-schema.ts';
import type { StopCondition } from './stop-conditions.ts';
import { checkToolCall, type ToolSet } from './tool.ts';

/** A turn that can be voted on and acted upon. */
export interface ParsedTurn {
  readonly text: string;
  readonly finishReason: ModelResponse['finishReason'];
  /** Validated calls, in the order the model made them. */
  readonly calls: ReadonlyArray<{ readonly call: ToolCall; readonly args: unknown }>;
  /** A final answer's output, when an output condition accepted it. */
  readonly output: unknown;
}

/** Red-flag reasons a turn parser gives, each the name of its rule. */
export const TURN_RED_FLAGS = ['unknown-tool', 'invalid-arguments', 'invalid-output'] as const;

/** Parses a response into a turn keyed for voting. */
export function parseTurn(response: ModelResponse, tools: ToolSet, outputConditions: readonly StopCondition[]): ParseResult<ParsedTurn> {
  const calls = response.toolCalls ?? [];
  const base = { text: response.text, finishReason: response.finishReason };
  if (calls.length > 0) {
    const checked = [];
    for (const call of calls) {
      const result = checkToolCall(tools, call);
      if (!result.ok) return { ok: false, reason: `${result.problem}: ${result.message}` };
      checked.push({ call, args: result.args });
    }
    const key = `calls:${checked.map(({ call, args }) => `${call.name} ${canonicalJson(args)}`).sort().join('\n')}`;
    return { ok: true, key, value: { ...base, calls: checked, output: undefined } };
  }
  let rejection: string | undefined;
  for (const condition of outputConditions) {
    const parsed = condition.parseOutput!(response.text);
    if (parsed.ok) return { ok: true, key: parsed.key, value: { ...base, calls: [], output: parsed.value } };
    rejection ??= parsed.reason;
  }
  if (rejection !== undefined) return { ok: false, reason: `invalid-output: ${rejection}` };
  return { ok: true, key: `text:${response.text.trim()}`, value: { ...base, calls: [], output: undefined } };
}

/** The red-flag rules that name a rejected turn by its problem (checked after the caller's own rules). */
export function turnRedFlags(): RedFlagRule[] {
  return TURN_RED_FLAGS.map((name) => redFlag(name, ({ parsed }) => !parsed.ok && parsed.reason.startsWith(`${name}:`)));
}
