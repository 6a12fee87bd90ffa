/**
 * `agent(options)`: the tool loop as an ordinary returning function. Each turn asks the model (once, or voted
 * ahead-by-k through the same sampler and dispatcher as every MAKER step), runs the turn's tool calls in order
 * through the middleware onion, appends what they returned, and checks the stop conditions. Nothing is
 * scheduled here: sub-agents are recursive calls from a tool's `execute`, a different capability surface is a
 * different `tools` argument, branch-and-merge is two calls reconciled in the host's code.
 *
 * What an invalid call becomes: a call to an unknown tool, or with arguments that are not JSON or fail the tool's
 * schema, is never executed and never reaches the middleware. Unvoted, the model receives an error result
 * (`Error: Unknown tool ...` / `Error: Invalid arguments for ...: <what is wrong>`) with the call's id, and gets
 * another turn. Voted, the whole sample is red-flagged (`unknown-tool`, `invalid-arguments`) and another drawn.
 */
import { abortError, BudgetExhaustedError, isAbortError } from '../core/errors.ts';
import type { ChatMessage, ModelRequest, ModelResponse, ToolCall } from '../core/model.ts';
import { mixSeed } from '../core/rng.ts';
import { countMessageTokens } from '../models/tokens.ts';
import { voteStep } from '../voting/sampler.ts';
import { composeMiddleware, type ToolExecution } from './middleware.ts';
import { resolveAgentOptions, type AgentOptions, type ResolvedAgentOptions } from './options.ts';
import { outcomeContent, type AgentStep, type StepToolCall, type StepVote, type ToolOutcome } from './step.ts';
import { firstStop, type StopReason } from './stop-conditions.ts';
import { checkToolCall, type ToolContext } from './tool.ts';
import { parseTurn, turnRedFlags, type ParsedTurn } from './turn-key.ts';
import { addUsage, emptyUsage, type AgentUsage } from './usage.ts';

/** The end of a run. */
export interface AgentResult {
  /** The last turn's text: the final answer when the model finished. */
  readonly text: string;
  /** The final answer's value, when an `outputMatches` condition accepted it. */
  readonly output: unknown;
  readonly steps: readonly AgentStep[];
  readonly stopReason: StopReason;
  /** Everything spent: this agent's model and tool calls, and every sub-agent's. */
  readonly usage: Readonly<AgentUsage>;
  /** The whole conversation, to continue it with another call. */
  readonly messages: readonly ChatMessage[];
}

/** A model turn, decided. */
type Turn =
  | {
      readonly kind: 'turn';
      readonly turn: ParsedTurn;
      /** Every call the model made, valid or not, in its order. */
      readonly order: readonly ToolCall[];
      /** The calls that cannot run, answered with their error. */
      readonly invalid: readonly StepToolCall[];
      readonly calls: readonly ModelCallUsage[];
      readonly vote?: StepVote;
    }
  | { readonly kind: 'stop'; readonly reason: StopReason; readonly usage: AgentUsage };

type ModelCallUsage = Pick<AgentUsage, 'calls' | 'promptTokens' | 'completionTokens' | 'costUsd'>;

/** Runs the tool loop until a stop condition holds, the model finishes, or a cap is reached. */
export async function agent(options: AgentOptions): Promise<AgentResult> {
  const resolved = resolveAgentOptions(options);
  const usage = emptyUsage();
  // The run's own signal, linked to the caller's by one listener removed at the end: every call, tool and
  // sub-agent below listens to this one, so nested sub-agents never pile listeners onto one signal.
  const outer = resolved.signal;
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted === true) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });
  try {
    return await run({ ...resolved, signal: controller.signal }, usage);
  } finally {
    outer?.removeEventListener('abort', onAbort);
    // A sub-agent's spend reaches its caller even when it is aborted or fails.
    resolved.parent?.reportUsage(usage);
  }
}

async function run(options: ResolvedAgentOptions, usage: AgentUsage): Promise<AgentResult> {
  const messages: ChatMessage[] = [...options.messages];
  const steps: AgentStep[] = [];
  const { signal } = options;
  const execute = composeMiddleware(options.middleware, (execution) => runTool(options, execution));
  const finish = (stopReason: StopReason): AgentResult => {
    const last = steps.at(-1);
    return { text: last?.text ?? '', output: last?.output, steps, stopReason, usage: { ...usage }, messages };
  };

  for (let index = 0; ; index++) {
    if (signal?.aborted) throw abortError();
    if (index >= options.maxSteps) return finish({ kind: 'cap', condition: 'max-steps', message: `${options.maxSteps} turns run without a stop condition holding` });
    const promptTokens = countMessageTokens(messages, options.toolSpecs);
    if (promptTokens > options.contextBudget) {
      return finish({ kind: 'cap', condition: 'context-budget', message: `turn ${index} has a ${promptTokens}-token prompt, over the budget of ${options.contextBudget}` });
    }
    const decided = options.vote === undefined ? await askOnce(options, messages, index, promptTokens) : await askVoted(options, messages, index, promptTokens);
    if (decided.kind === 'stop') {
      addUsage(usage, decided.usage);
      return finish(decided.reason);
    }
    const stepUsage = emptyUsage();
    for (const call of decided.calls) addUsage(stepUsage, { ...call, toolCalls: 0 });
    addUsage(usage, stepUsage);
    const { turn } = decided;
    const allCalls = decided.order;
    messages.push({ role: 'assistant', content: turn.text, ...(allCalls.length === 0 ? {} : { toolCalls: allCalls }) });

    const results: StepToolCall[] = [];
    const invalid = new Map(decided.invalid.map((entry) => [entry.call, entry]));
    for (const [callIndex, call] of allCalls.entries()) {
      if (signal?.aborted) throw abortError();
      let entry = invalid.get(call);
      if (entry === undefined) {
        const args = turn.calls.find((checked) => checked.call === call)!.args;
        const context = toolContext(options, call, index, callIndex, usage, stepUsage);
        const outcome = await execute({ call, args, step: index, steps, usage: { ...usage }, context });
        entry = { call, args, status: 'executed', outcome, content: outcomeContent(outcome) };
      }
      results.push(entry);
      messages.push({ role: 'tool', content: entry.content, toolCallId: call.id });
    }

    const step: AgentStep = {
      index,
      text: turn.text,
      finishReason: turn.finishReason,
      toolCalls: results,
      output: turn.output,
      usage: stepUsage,
      ...(decided.vote === undefined ? {} : { vote: decided.vote }),
    };
    steps.push(step);
    options.onStepFinish?.(step);
    const stop = firstStop(options.stop, { steps, usage });
    if (stop !== undefined) return finish(stop);
    if (results.length === 0) return finish({ kind: 'unmet', message: unmetMessage(options, turn.text) });
  }
}

/** Why a finished model met no condition: it names what the output conditions said, when there are any. */
function unmetMessage(options: ResolvedAgentOptions, text: string): string {
  const rejected = options.outputConditions.map((condition) => condition.parseOutput!(text)).find((parsed) => !parsed.ok);
  const names = options.stop.map((condition) => condition.name).join(', ');
  return `the model answered without calling a tool, and no stop condition held (${names})${rejected === undefined || rejected.ok ? '' : `: ${rejected.reason}`}`;
}

/** One sample, taken as it comes: invalid calls are kept, to be answered with an error. */
async function askOnce(options: ResolvedAgentOptions, messages: readonly ChatMessage[], index: number, promptTokens: number): Promise<Turn> {
  const request: ModelRequest = {
    messages: [...messages],
    temperature: options.temperature,
    maxOutputTokens: options.maxOutputTokens,
    seed: mixSeed(options.seed, index, 0),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.toolSpecs === undefined ? {} : { tools: options.toolSpecs }),
    ...(options.toolSpecs === undefined || options.toolChoice === undefined ? {} : { toolChoice: options.toolChoice }),
  };
  let response: ModelResponse;
  let costUsd: number;
  try {
    ({ response, costUsd } = await options.dispatcher.dispatch(request, { step: index, sample: 0, promptTokens }));
  } catch (error) {
    if (error instanceof BudgetExhaustedError) return budgetStop(error);
    throw error;
  }
  const calls: Array<{ call: ToolCall; args: unknown }> = [];
  const invalid: StepToolCall[] = [];
  for (const call of response.toolCalls ?? []) {
    const checked = checkToolCall(options.tools, call);
    if (checked.ok) calls.push({ call, args: checked.args });
    else {
      const outcome: ToolOutcome = { ok: false, error: checked.message };
      invalid.push({ call, args: undefined, status: checked.problem, outcome, content: outcomeContent(outcome) });
    }
  }
  let output: unknown;
  if (calls.length === 0 && invalid.length === 0) {
    for (const condition of options.outputConditions) {
      const parsed = condition.parseOutput!(response.text);
      if (parsed.ok) {
        output = parsed.value;
        break;
      }
    }
  }
  const usage = { calls: 1, promptTokens: response.usage.promptTokens, completionTokens: response.usage.completionTokens, costUsd };
  const turn = { text: response.text, finishReason: response.finishReason, calls, output };
  return { kind: 'turn', turn, order: response.toolCalls ?? [], invalid, calls: [usage] };
}

/** Samples the turn until one key leads by k; the winning turn's calls are all valid. */
async function askVoted(options: ResolvedAgentOptions, messages: readonly ChatMessage[], index: number, promptTokens: number): Promise<Turn> {
  const vote = options.vote!;
  const frozen = [...messages];
  const parseResponse = (response: ModelResponse) => parseTurn(response, options.tools, options.outputConditions);
  let outcome;
  try {
    outcome = await voteStep<ParsedTurn>({
      dispatcher: options.dispatcher,
      messages: frozen,
      parse: (text) => parseResponse({ text, finishReason: 'stop', usage: { promptTokens: 0, completionTokens: 0 }, latencyMs: 0 }),
      parseResponse,
      k: vote.k,
      seed: options.seed,
      step: index,
      redFlags: [...vote.redFlags, ...turnRedFlags()],
      temperature: vote.temperature,
      maxOutputTokens: options.maxOutputTokens,
      maxSamples: vote.maxSamples,
      promptTokens,
      signal: options.signal,
      ...(options.toolSpecs === undefined ? {} : { tools: options.toolSpecs }),
      ...(options.toolSpecs === undefined || options.toolChoice === undefined ? {} : { toolChoice: options.toolChoice }),
    });
  } catch (error) {
    if (error instanceof BudgetExhaustedError) return budgetStop(error);
    throw error;
  }
  const usage = { calls: outcome.samples, promptTokens: outcome.promptTokens, completionTokens: outcome.completionTokens, costUsd: outcome.costUsd };
  const tally = Object.fromEntries(outcome.tally);
  if (outcome.kind === 'exhausted') {
    const votes = Object.entries(tally).map(([key, count]) => `${count}x ${key}`).join('; ') || 'no valid votes';
    return { kind: 'stop', reason: { kind: 'cap', condition: 'vote-undecided', message: `turn ${index} undecided after ${outcome.samples} samples (${votes})` }, usage: { ...usage, toolCalls: 0 } };
  }
  const stepVote: StepVote = { samples: outcome.samples, votes: outcome.votes, tally, redFlags: { ...outcome.redFlags }, key: outcome.key };
  return { kind: 'turn', turn: outcome.value, order: outcome.value.calls.map(({ call }) => call), invalid: [], calls: [usage], vote: stepVote };
}

function budgetStop(error: BudgetExhaustedError): Turn {
  return { kind: 'stop', reason: { kind: 'cap', condition: `budget: ${error.budget}`, message: error.message }, usage: emptyUsage() };
}

/** The context a tool's `execute` gets: usage it reports lands in this turn's and the agent's totals. */
function toolContext(options: ResolvedAgentOptions, call: ToolContext['call'], index: number, callIndex: number, usage: AgentUsage, stepUsage: AgentUsage): ToolContext {
  return {
    call,
    step: index,
    signal: options.signal!,
    depth: options.depth,
    seed: mixSeed(options.seed, index, callIndex + 1, 0x7001),
    model: options.model,
    dispatcher: options.dispatcher,
    reportUsage(more) {
      addUsage(usage, more);
      addUsage(stepUsage, more);
    },
  };
}

/** The innermost layer: runs the tool, turning a throw into an error outcome; an abort rejects the run at once. */
async function runTool(options: ResolvedAgentOptions, execution: ToolExecution): Promise<ToolOutcome> {
  const definition = options.tools[execution.call.name]!;
  const { signal } = execution.context;
  if (signal.aborted) throw abortError();
  // Counted up front so a retry by middleware counts again.
  execution.context.reportUsage({ calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, toolCalls: 1 });
  try {
    const value = await raceAbort(Promise.resolve().then(() => definition.execute(execution.args as never, execution.context)), signal);
    return { ok: true, value };
  } catch (error) {
    if (signal.aborted || isAbortError(error)) throw signal.aborted ? abortError() : error;
    return { ok: false, error: error instanceof Error ? error.message : String(error), cause: error };
  }
}

/** Settles with `promise`, or rejects with an `AbortError` as soon as `signal` aborts (a tool that ignores its signal). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
