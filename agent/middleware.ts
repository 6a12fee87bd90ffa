/**
 * Tool-execution middleware: an onion around each tool call, `(execution, next) => Promise<outcome>`, the first
 * in the array outermost. A middleware may observe the call, transform the outcome the model receives, deny the
 * call (return an error outcome without calling `next`), retry it (call `next` again), replace its arguments
 * (`next({ args })`, not re-validated) or charge a budget. Only calls that passed validation reach it.
 */
import type { ToolCall } from '../core/model.ts';
import type { AgentStep, ToolOutcome } from './step.ts';
import type { ToolContext } from './tool.ts';
import type { AgentUsage } from './usage.ts';

/** What a middleware sees of one tool call. */
export interface ToolExecution {
  /** The call: id, name and raw JSON arguments. */
  readonly call: ToolCall;
  /** The parsed, validated arguments (or what an outer middleware replaced them with). */
  readonly args: unknown;
  /** Index of the turn that made the call. */
  readonly step: number;
  /** The turns completed before this one. */
  readonly steps: readonly AgentStep[];
  /** The agent's usage so far (sub-agents included). */
  readonly usage: Readonly<AgentUsage>;
  /** What `execute` will be given. */
  readonly context: ToolContext;
}

/** Runs the rest of the onion (and the tool); `override.args` replaces the arguments inner layers and the tool see. */
export type NextTool = (override?: { readonly args?: unknown }) => Promise<ToolOutcome>;

/** One layer of the onion. */
export type ToolMiddleware = (execution: ToolExecution, next: NextTool) => Promise<ToolOutcome>;

/** Wraps `innermost` in the middleware, the first outermost. */
export function composeMiddleware(
  middleware: readonly ToolMiddleware[],
  innermost: (execution: ToolExecution) => Promise<ToolOutcome>,
): (execution: ToolExecution) => Promise<ToolOutcome> {
  const layer = (index: number, execution: ToolExecution): Promise<ToolOutcome> => {
    if (index === middleware.length) return innermost(execution);
    const next: NextTool = (override) => layer(index + 1, override?.args === undefined ? execution : { ...execution, args: override.args });
    return middleware[index]!(execution, next);
  };
  return (execution) => layer(0, execution);
}

/**
 * Asks `decide` before each call; a call it refuses is not run and the model receives `Denied: <reason>`.
 * `decide` returns true to allow, or false or a reason to deny.
 */
export function approveToolCalls(decide: (execution: ToolExecution) => boolean | string | Promise<boolean | string>): ToolMiddleware {
  return async (execution, next) => {
    const verdict = await decide(execution);
    if (verdict === true) return next();
    return { ok: false, error: `Denied: ${verdict === false ? `the call to \`${execution.call.name}\` was not approved` : verdict}` };
  };
}

/** Allows at most `max` executions (of the named tools, or of all) through this middleware instance; later calls are denied. */
export function limitToolCalls(max: number, ...names: readonly string[]): ToolMiddleware {
  if (!Number.isInteger(max) || max < 0) throw new RangeError(`Expected \`max\` to be an integer >= 0, got \`${max}\``);
  let used = 0;
  return (execution, next) => {
    if (names.length > 0 && !names.includes(execution.call.name)) return next();
    if (used >= max) return Promise.resolve({ ok: false, error: `Denied: the budget of ${max} call${max === 1 ? '' : 's'} to ${names.length > 0 ? names.join(', ') : 'tools'} is spent` });
    used++;
    return next();
  };
}

/** Runs a call again, up to `retries` more times, while it fails (a tool that threw or an inner layer's error). */
export function retryToolErrors(retries: number): ToolMiddleware {
  if (!Number.isInteger(retries) || retries < 0) throw new RangeError(`Expected \`retries\` to be an integer >= 0, got \`${retries}\``);
  return async (execution, next) => {
    let outcome = await next();
    for (let attempt = 0; attempt < retries && !outcome.ok && !execution.context.signal.aborted; attempt++) outcome = await next();
    return outcome;
  };
}

/** Transforms what the model receives from successful calls (projection, truncation, redaction). */
export function mapToolResult(transform: (value: unknown, execution: ToolExecution) => unknown): ToolMiddleware {
  return async (execution, next) => {
    const outcome = await next();
    return outcome.ok ? { ok: true, value: await transform(outcome.value, execution) } : outcome;
  };
}

/** Reports every call and its outcome, after it ran, to `sink`. */
export function logToolCalls(sink: (execution: ToolExecution, outcome: ToolOutcome) => void): ToolMiddleware {
  return async (execution, next) => {
    const outcome = await next();
    sink(execution, outcome);
    return outcome;
  };
}
