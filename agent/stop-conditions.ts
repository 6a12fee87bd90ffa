/**
 * Stop conditions: small named factories checked after every turn, once its tools have run. Any condition that
 * holds stops the loop; a goal (`hasToolCall`, `modelFinished`, `outputMatches`) is preferred over a cap
 * (`stepCountIs`, `budgetReached`) when both hold at once. A turn without tool calls always ends the loop,
 * since nothing would change if the model were asked again: with no condition holding, the run ends `unmet`.
 */
import type { ParseResult } from '../core/task.ts';
import { canonicalJson, checkJson, compileSchema, type JsonSchema } from './json-schema.ts';
import type { AgentStep } from './step.ts';
import { totalTokens, type AgentUsage } from './usage.ts';

/** What a condition sees. */
export interface StopContext {
  /** Every turn so far, the latest last. */
  readonly steps: readonly AgentStep[];
  /** Usage so far, sub-agents included. */
  readonly usage: Readonly<AgentUsage>;
}

/** A named condition. */
export interface StopCondition {
  /** Name used in `stopReason` (`step-count`, `tool-call`, ...). */
  readonly name: string;
  /** True for a limit reached (the work may be unfinished), false for a goal met. */
  readonly cap: boolean;
  /** A one-line reason to stop after these turns, or undefined to go on. */
  check(context: StopContext): string | undefined;
  /**
   * For output conditions: parses a final answer's text to its canonical key and value. The agent records the
   * value as the step's `output`, and red-flags a voted final answer it rejects.
   */
  readonly parseOutput?: (text: string) => ParseResult<unknown>;
}

/** Why a run stopped. */
export type StopReason =
  /** A goal condition held. */
  | { readonly kind: 'done'; readonly condition: string; readonly message: string }
  /** A limit was reached: a cap condition, `maxSteps`, the context budget, a dispatcher budget, an undecided vote. */
  | { readonly kind: 'cap'; readonly condition: string; readonly message: string }
  /** The model answered without calling a tool, and no condition held. */
  | { readonly kind: 'unmet'; readonly message: string };

/** Stops once `count` turns have run (a cap). */
export function stepCountIs(count: number): StopCondition {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`Expected \`count\` to be an integer >= 1, got \`${count}\``);
  return {
    name: 'step-count',
    cap: true,
    check: ({ steps }) => (steps.length >= count ? `${steps.length} of ${count} turns run` : undefined),
  };
}

/**
 * Stops after a turn in which one of these tools ran successfully, without asking the model again. A call that
 * failed, was denied or could not run does not count: the model gets its error and another turn.
 */
export function hasToolCall(...names: readonly string[]): StopCondition {
  if (names.length === 0) throw new RangeError('Expected at least one tool name for `hasToolCall`, got none');
  return {
    name: 'tool-call',
    cap: false,
    check: ({ steps }) => {
      const ran = steps.at(-1)?.toolCalls.find((entry) => names.includes(entry.call.name) && entry.status === 'executed' && entry.outcome.ok);
      return ran === undefined ? undefined : `\`${ran.call.name}\` ran`;
    },
  };
}

/** Stops when the model answers without calling a tool: the classic loop's only condition, and the default. */
export function modelFinished(): StopCondition {
  return {
    name: 'model-finished',
    cap: false,
    check: ({ steps }) => (steps.at(-1)?.toolCalls.length === 0 ? 'the model answered without calling a tool' : undefined),
  };
}

/** Caps on usage; any one reached stops the run. */
export interface BudgetCaps {
  /** Prompt plus completion tokens. */
  readonly tokens?: number;
  /** US dollars. */
  readonly dollars?: number;
  /** Model calls (every sample of a voted turn counts). */
  readonly calls?: number;
}

/**
 * Stops once usage (sub-agents included) reaches a cap (a cap). Checked after each turn, so a run may overshoot by
 * one turn; the dispatcher's `budget` refuses calls beforehand instead, when a cap must never be crossed.
 */
export function budgetReached(caps: BudgetCaps): StopCondition {
  const entries = Object.entries(caps).filter(([, value]) => value !== undefined) as Array<[keyof BudgetCaps, number]>;
  if (entries.length === 0) throw new RangeError('Expected at least one of `tokens`, `dollars` and `calls` for `budgetReached`, got none');
  for (const [name, value] of entries) {
    if (!(value >= 0 && Number.isFinite(value))) throw new RangeError(`Expected the \`${name}\` cap to be a number >= 0, got \`${value}\``);
  }
  const spent = (usage: Readonly<AgentUsage>, name: keyof BudgetCaps) => (name === 'tokens' ? totalTokens(usage) : name === 'dollars' ? usage.costUsd : usage.calls);
  return {
    name: 'budget',
    cap: true,
    check: ({ usage }) => {
      const reached = entries.find(([name, value]) => spent(usage, name) >= value);
      if (reached === undefined) return undefined;
      const [name, value] = reached;
      return `${name}: ${Number(spent(usage, name).toFixed(6))} of ${value}`;
    },
  };
}

/**
 * Stops when the model's final answer is valid output: JSON matching `schema` (parsed strictly: no Markdown
 * fence), or text the predicate accepts.
 * The parsed value becomes the result's `output`. A final answer that fails ends the run `unmet` (it is never
 * repaired); in a voted turn it is red-flagged as `invalid-output` instead, and another sample is drawn.
 */
export function outputMatches(check: JsonSchema | ((text: string) => boolean)): StopCondition {
  let parseOutput: (text: string) => ParseResult<unknown>;
  if (typeof check === 'function') {
    parseOutput = (text) => (check(text) ? { ok: true, key: `text:${text.trim()}`, value: text } : { ok: false, reason: 'the output predicate rejected the answer' });
  } else {
    compileSchema(check, 'the output schema');
    parseOutput = (text) => {
      const checked = checkJson(check, text.trim(), 'the output schema');
      return checked.ok ? { ok: true, key: `json:${canonicalJson(checked.value)}`, value: checked.value } : { ok: false, reason: `the output is ${checked.message}` };
    };
  }
  return {
    name: 'output',
    cap: false,
    parseOutput,
    check: ({ steps }) => {
      const last = steps.at(-1);
      if (last === undefined || last.toolCalls.length > 0) return undefined;
      return parseOutput(last.text).ok ? 'the output is valid' : undefined;
    },
  };
}

/** A custom condition: stops when `predicate` holds. */
export function stopWhen(name: string, predicate: (context: StopContext) => boolean, options: { readonly cap?: boolean } = {}): StopCondition {
  return { name, cap: options.cap ?? false, check: (context) => (predicate(context) ? `${name} holds` : undefined) };
}

/** The first goal that holds, else the first cap that holds, else undefined. */
export function firstStop(conditions: readonly StopCondition[], context: StopContext): StopReason | undefined {
  let cap: StopReason | undefined;
  for (const condition of conditions) {
    const message = condition.check(context);
    if (message === undefined) continue;
    if (!condition.cap) return { kind: 'done', condition: condition.name, message };
    cap ??= { kind: 'cap', condition: condition.name, message };
  }
  return cap;
}
