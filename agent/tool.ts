/**
 * Tools: a name (the key in the `tools` record), a description, a JSON Schema for the arguments and an
 * `execute` function. Arguments are parsed and validated before anything runs; a call the schema rejects never
 * reaches `execute` or the middleware.
 */
import { InputError } from '../core/errors.ts';
import type { LanguageModel, ToolCall, ToolSpec } from '../core/model.ts';
import type { SampleDispatcher } from '../dispatch/dispatcher.ts';
import { checkJson, compileSchema, type JsonSchema } from './json-schema.ts';
import type { AgentUsage } from './usage.ts';

/** What a tool's `execute` is given besides its arguments. */
export interface ToolContext {
  /** The call being executed: id, name and raw JSON arguments. */
  readonly call: ToolCall;
  /** Index of the turn that made the call. */
  readonly step: number;
  /** Aborts when the agent is aborted; pass it on (to a sub-agent, a fetch). */
  readonly signal: AbortSignal;
  /** Nesting depth: 0 for a top-level agent, 1 for its sub-agents, ... */
  readonly depth: number;
  /** A seed for whatever this call starts, derived from (agent seed, step, call index). */
  readonly seed: number;
  /** The model the calling agent uses (a sub-agent's default). */
  readonly model: LanguageModel | undefined;
  /** The dispatcher the calling agent uses (a sub-agent's default: shared limits, retries and budget). */
  readonly dispatcher: SampleDispatcher;
  /**
   * Adds usage spent inside this call to the calling agent's totals (and so to its budget conditions). A
   * sub-agent started with `parent: context` reports its own; a tool that calls a model itself may report here.
   */
  reportUsage(usage: Readonly<AgentUsage>): void;
}

/** A tool an agent may call. `A` is the type its schema describes. */
export interface Tool<A = unknown, R = unknown> {
  /** What the tool does, for the model. */
  readonly description?: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: JsonSchema;
  /**
   * Runs the call. What it returns is what the model receives (a string as it is, anything else as JSON),
   * unless middleware transforms it; what it throws becomes an error result the model receives.
   */
  execute(args: A, context: ToolContext): R | Promise<R>;
}

/** Tools by name. */
export type ToolSet = Readonly<Record<string, Tool<never, unknown>>>;

/** Declares a tool; the identity function, there so `A` is inferred once for `execute`. */
export function tool<A = unknown, R = unknown>(definition: Tool<A, R>): Tool<A, R> {
  return definition;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Validates a tool set eagerly (names, schemas, execute), quoting what is wrong, and returns the specs sent to the model. */
export function toolSpecsOf(tools: ToolSet): ToolSpec[] {
  return Object.entries(tools).map(([name, definition]) => {
    if (!TOOL_NAME.test(name)) throw new InputError(`Expected tool names of 1 to 64 letters, digits, _ or -, got \`${name}\``);
    if (typeof definition !== 'object' || definition === null || typeof definition.execute !== 'function') {
      throw new InputError(`Expected tool \`${name}\` to have an \`execute\` function`);
    }
    compileSchema(definition.parameters, `the parameters of tool \`${name}\``);
    return { name, ...(definition.description === undefined ? {} : { description: definition.description }), parameters: definition.parameters };
  });
}

/** Why a call cannot run: an unknown tool, arguments that are not JSON, or arguments the schema rejects. */
export type CallProblem = 'unknown-tool' | 'invalid-arguments';

/** A call checked against the tool set. */
export type CheckedCall =
  | { readonly ok: true; readonly call: ToolCall; readonly args: unknown }
  | { readonly ok: false; readonly call: ToolCall; readonly problem: CallProblem; readonly message: string };

/** Checks one call: the tool exists and its arguments parse and match its schema. */
export function checkToolCall(tools: ToolSet, call: ToolCall): CheckedCall {
  const definition = Object.hasOwn(tools, call.name) ? tools[call.name] : undefined;
  if (definition === undefined) {
    const known = Object.keys(tools).join(', ') || 'none';
    return { ok: false, call, problem: 'unknown-tool', message: `Unknown tool \`${call.name}\`; the tools are: ${known}` };
  }
  // An empty arguments string is how some servers send a call with no arguments.
  const checked = checkJson(definition.parameters, call.arguments.trim() === '' ? '{}' : call.arguments, `the parameters of tool \`${call.name}\``);
  if (!checked.ok) return { ok: false, call, problem: 'invalid-arguments', message: `Invalid arguments for \`${call.name}\`: ${checked.message}` };
  return { ok: true, call, args: checked.value };
}
