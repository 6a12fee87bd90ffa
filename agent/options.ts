/** The options of {@link agent}, their defaults, and their validation: resolved in one place, eagerly. */
import { InputError } from '../core/errors.ts';
import type { ChatMessage, LanguageModel, ToolChoice, ToolSpec } from '../core/model.ts';
import { createDispatcher, type SampleDispatcher } from '../dispatch/dispatcher.ts';
import { tooLong, truncated, type RedFlagRule } from '../voting/red-flags.ts';
import { firstThenRest, type TemperatureSchedule } from '../voting/temperature.ts';
import type { ToolMiddleware } from './middleware.ts';
import type { AgentStep } from './step.ts';
import { modelFinished, type StopCondition } from './stop-conditions.ts';
import { toolSpecsOf, type ToolContext, type ToolSet } from './tool.ts';

/** Voting on every turn: the turn that leads by `k` is taken and its tools run once. */
export interface VoteOptions {
  /** Voting margin. */
  readonly k: number;
  /** Samples (valid or not) after which an undecided turn stops the run (`stopReason` cap `vote-undecided`). @default 30 */
  readonly maxSamples?: number;
  /** Red-flag rules applied before the turn's own (unknown tool, invalid arguments, invalid output). @default truncated, too-long (750 tokens) */
  readonly redFlags?: readonly RedFlagRule[];
  /** Temperature per sample. @default 0 for the first, 0.1 for the rest */
  readonly temperature?: TemperatureSchedule;
}

/** Options of {@link agent}. */
export interface AgentOptions {
  /** The model every turn asks. Give this, `dispatcher`, or `parent`. */
  readonly model?: LanguageModel;
  /**
   * The dispatcher every model call goes through (retries, rate limits, budgets, endpoints).
   * @default `parent`'s dispatcher, else one over `model` with concurrency `vote.k` (1 unvoted)
   */
  readonly dispatcher?: SampleDispatcher;
  /** The task: a user message's text, or a whole conversation to continue. */
  readonly prompt: string | readonly ChatMessage[];
  /** A system message put first. @default none */
  readonly system?: string;
  /** Tools by name. @default none (the model can only answer) */
  readonly tools?: ToolSet;
  /** When to stop: a condition or several, any of which stops. @default `modelFinished()` */
  readonly stop?: StopCondition | readonly StopCondition[];
  /** Onion around every tool execution, the first outermost. @default none */
  readonly middleware?: readonly ToolMiddleware[];
  /** Vote on every turn. @default no voting: one sample per turn */
  readonly vote?: VoteOptions;
  /**
   * Makes this a sub-agent of the tool call running it: its usage is reported to the caller, it aborts with the
   * caller, and `model`, `dispatcher` and `seed` default to the caller's. @default none
   */
  readonly parent?: ToolContext;
  /** Aborts the run; a run aborted rejects with an `AbortError`. @default none (the parent's, for a sub-agent) */
  readonly signal?: AbortSignal;
  /** Hard cap on turns, whatever the stop conditions say (`stopReason` cap `max-steps`). @default 50 */
  readonly maxSteps?: number;
  /** Largest prompt, in tokens (tool schemas and calls included); a turn over it stops the run (cap `context-budget`). @default unlimited */
  readonly contextBudget?: number;
  /** Output-token cap per model call. @default 4096 */
  readonly maxOutputTokens?: number;
  /** Temperature of unvoted turns. @default 0 */
  readonly temperature?: number;
  /** Seed; each call's is derived from (seed, turn, sample). @default the parent's `seed`, else 0 */
  readonly seed?: number;
  /** Sent with every call that offers tools. @default the backend's (`auto`) */
  readonly toolChoice?: ToolChoice;
  /** Called after each turn, its tools run, before the stop conditions are checked. */
  readonly onStepFinish?: (step: AgentStep) => void;
}

/** Options with every default applied. */
export interface ResolvedAgentOptions {
  readonly model: LanguageModel | undefined;
  readonly dispatcher: SampleDispatcher;
  readonly messages: readonly ChatMessage[];
  readonly tools: ToolSet;
  readonly toolSpecs: readonly ToolSpec[] | undefined;
  readonly stop: readonly StopCondition[];
  readonly outputConditions: readonly StopCondition[];
  readonly middleware: readonly ToolMiddleware[];
  readonly vote: Required<VoteOptions> | undefined;
  readonly parent: ToolContext | undefined;
  readonly signal: AbortSignal | undefined;
  readonly maxSteps: number;
  readonly contextBudget: number;
  readonly maxOutputTokens: number;
  readonly temperature: number;
  readonly seed: number;
  readonly toolChoice: ToolChoice | undefined;
  readonly depth: number;
  readonly onStepFinish: ((step: AgentStep) => void) | undefined;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InputError(`Expected \`${name}\` to be an integer >= 1, got \`${value}\``);
  return value;
}

/** Applies defaults and validates, quoting any bad value. */
export function resolveAgentOptions(options: AgentOptions): ResolvedAgentOptions {
  const parent = options.parent;
  if (options.model === undefined && options.dispatcher === undefined && parent === undefined) {
    throw new InputError('Expected one of `model`, `dispatcher` and `parent` in the agent options, got none');
  }
  const vote = options.vote === undefined ? undefined : resolveVote(options.vote);
  const model = options.model ?? parent?.model;
  const dispatcher =
    options.dispatcher ??
    (options.model !== undefined ? createDispatcher({ model: options.model, concurrency: vote?.k ?? 1 }) : parent!.dispatcher);

  const prompt = options.prompt;
  let messages: ChatMessage[];
  if (typeof prompt === 'string') {
    if (prompt.trim() === '') throw new InputError('Expected `prompt` to be a non-empty text or a list of messages, got an empty text');
    messages = [{ role: 'user', content: prompt }];
  } else if (Array.isArray(prompt) && prompt.length > 0) {
    messages = [...prompt];
  } else {
    throw new InputError(`Expected \`prompt\` to be a non-empty text or a list of messages, got \`${JSON.stringify(prompt)}\``);
  }
  if (options.system !== undefined) messages.unshift({ role: 'system', content: options.system });

  const tools = options.tools ?? {};
  const specs = toolSpecsOf(tools);
  const stop = options.stop === undefined ? [modelFinished()] : Array.isArray(options.stop) ? (options.stop as readonly StopCondition[]) : [options.stop as StopCondition];
  if (stop.length === 0) throw new InputError('Expected `stop` to hold at least one condition, got an empty list');
  for (const condition of stop) {
    if (typeof condition?.check !== 'function') throw new InputError(`Expected every stop condition to come from a factory such as stepCountIs(n), got \`${JSON.stringify(condition)}\``);
  }
  const middleware = options.middleware ?? [];
  for (const layer of middleware) {
    if (typeof layer !== 'function') throw new InputError(`Expected every middleware to be a function (execution, next), got \`${typeof layer}\``);
  }
  const maxSteps = positiveInteger('maxSteps', options.maxSteps ?? 50);
  const contextBudget = options.contextBudget === undefined ? Number.POSITIVE_INFINITY : positiveInteger('contextBudget', options.contextBudget);
  const maxOutputTokens = positiveInteger('maxOutputTokens', options.maxOutputTokens ?? 4096);
  const temperature = options.temperature ?? 0;
  if (!(temperature >= 0 && temperature <= 2)) throw new InputError(`Expected \`temperature\` to be a number in [0, 2], got \`${temperature}\``);
  const seed = options.seed ?? parent?.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`Expected \`seed\` to be an integer >= 0, got \`${seed}\``);
  return {
    model,
    dispatcher,
    messages,
    tools,
    toolSpecs: specs.length === 0 ? undefined : specs,
    stop,
    outputConditions: stop.filter((condition) => condition.parseOutput !== undefined),
    middleware,
    vote,
    parent,
    signal: options.signal !== undefined && parent !== undefined ? AbortSignal.any([options.signal, parent.signal]) : (options.signal ?? parent?.signal),
    maxSteps,
    contextBudget,
    maxOutputTokens,
    temperature,
    seed,
    toolChoice: options.toolChoice,
    depth: parent === undefined ? 0 : parent.depth + 1,
    onStepFinish: options.onStepFinish,
  };
}

function resolveVote(vote: VoteOptions): Required<VoteOptions> {
  return {
    k: positiveInteger('vote.k', vote.k),
    maxSamples: positiveInteger('vote.maxSamples', vote.maxSamples ?? 30),
    redFlags: vote.redFlags ?? [truncated(), tooLong(750)],
    temperature: vote.temperature ?? firstThenRest(),
  };
}
