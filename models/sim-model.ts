/**
 * The simulated model: the embedded default backend. A calibrated stand-in for an LLM, not a coin:
 *
 * - It sees only the prompt text. The task's responder derives the correct answer from that text and its
 *   corrupter offers plausible wrong answers; a prompt that lacks what is needed gets a wrong answer.
 * - Heterogeneous difficulty: each prompt's error rate is drawn deterministically from (prompt, model seed),
 *   logit-normally around the profile's mean, so a hard step stays hard across its votes.
 * - Correlated errors: a share of wrong answers is the prompt's own attractor, the same every time.
 * - Red flags correlate with errors: wrong answers are over-long far more often than right ones, and prompts
 *   harder than the profile's mean make the model ramble (every answer over-long with probability
 *   `min(confusionLongCap, confusionLongFactor * (e - mean))`); a small rate of malformed output.
 * - Temperature 0 is deterministic; at other temperatures each sample draws from its request's `seed`.
 * - Context degradation: past `contextReferenceTokens`, the odds of an error grow as
 *   `(promptTokens / contextReferenceTokens) ^ contextExponent`.
 * - Tools: when a request offers tools and the behaviour has a tool responder (`behaviour.tools`), the same
 *   machinery answers with turns instead of texts: the correct turn, a wrong one, or a malformed one (a call
 *   whose JSON arguments are cut short), as tool calls with ids drawn from the sample's stream. Tool schemas and
 *   earlier calls count toward the prompt tokens, so long tool conversations degrade like long prompts.
 * - Multi-step answers: when the behaviour says an answer must get `m` steps right (`stepsInAnswer`), the answer
 *   spans m steps' difficulties, so it is wrong with probability `1 - (1 - e)^m` for the mean error `e` (after
 *   context degradation), and ordinary answers grow by the correct answer's tokens.
 *
 * The profile's `errorRate` is the error rate among *valid* responses over prompts (the paper's 1 - p): each
 * prompt's raw rate of wrong answers is set higher so that, after red-flagging removes its share of them, its
 * valid-response error is as drawn, and the draws are centred so that their mean weighted by each prompt's
 * survival of red-flagging (hard prompts lose more responses) is the profile's (`simulatedShift`).
 */
import { abortError } from '../core/errors.ts';
import { InputError } from '../core/errors.ts';
import type { ChatMessage, LanguageModel, ModelRequest, ModelResponse, Pricing, ToolCall, ToolSpec } from '../core/model.ts';
import { findProfile, profileNames, type ModelProfile } from './profiles.ts';
import { finishHash, fnv1a, fnvStart, hashString, normalQuantile, randomStream, sampleStream, unitFromHash, type Random } from '../core/rng.ts';
import type { SimBehaviour, SimConversation, SimToolBehaviour, SimTurn } from './sim-behaviour.ts';
import { promptText } from '../core/task.ts';
import { countMessageTokens, countTokens } from './tokens.ts';

/** Parameters of the simulated model. Every field has a default; profiles set the first four. */
export interface SimParameters {
  /** Mean per-step error rate among valid responses (1 - p). @default the profile's */
  readonly errorRate: number;
  /** Mean output tokens per response. @default the profile's */
  readonly tokensPerResponse: number;
  /** US dollars per million input tokens. @default the profile's */
  readonly inputUsdPerMillion: number;
  /** US dollars per million output tokens. @default the profile's */
  readonly outputUsdPerMillion: number;
  /** Standard deviation, in logits, of per-prompt error rates around the mean. @default 1.0 */
  readonly heterogeneity: number;
  /** Share of wrong answers that are the prompt's attractor. @default 0.4 */
  readonly attractorShare: number;
  /** Probability that a wrong answer is over-long. @default 0.3 */
  readonly longWhenWrong: number;
  /** Probability that a right answer is over-long. @default 0.0005 */
  readonly longWhenRight: number;
  /** Over-long probability per unit of a prompt's error rate above the mean. @default 4 */
  readonly confusionLongFactor: number;
  /** Cap on that over-long probability. @default 0.7 */
  readonly confusionLongCap: number;
  /** Probability of a malformed response. @default 0.001 */
  readonly malformedRate: number;
  /** Coefficient of variation of ordinary response lengths. @default 0.1 */
  readonly tokensSpread: number;
  /** Prompt length, in tokens, past which errors grow. @default 1500 */
  readonly contextReferenceTokens: number;
  /** Exponent of the error-odds growth past the reference length. @default 2 */
  readonly contextExponent: number;
  /** Simulated latency per call, in milliseconds (0 answers without a timer). @default 0 */
  readonly latencyMs: number;
}

/** Defaults shared by every profile. */
export const SIM_DEFAULTS = {
  heterogeneity: 1.0,
  attractorShare: 0.4,
  longWhenWrong: 0.3,
  longWhenRight: 0.0005,
  confusionLongFactor: 4,
  confusionLongCap: 0.7,
  malformedRate: 0.001,
  tokensSpread: 0.1,
  contextReferenceTokens: 1500,
  contextExponent: 2,
  latencyMs: 0,
} as const;

/** Options of {@link createSimModel}. */
export interface SimModelOptions {
  /** Profile name (`gpt-4.1-mini`) or a profile object. @default 'gpt-4.1-mini' */
  readonly profile?: string | ModelProfile;
  /** How the task's prompts are answered. */
  readonly behaviour: SimBehaviour;
  /** The model seed: fixes each prompt's difficulty and attractor, and the stream for seedless requests. @default 0 */
  readonly seed?: number;
  /** Overrides of any parameter. */
  readonly parameters?: Partial<SimParameters>;
}

/** What the simulated model decided for one call, for tests and the plain-loop baseline. */
export interface SimOutcome {
  readonly response: ModelResponse;
  /** 'right' | 'wrong' | 'malformed' as drawn, before the output cap. */
  readonly kind: 'right' | 'wrong' | 'malformed';
  /** The prompt's error rate after heterogeneity and context degradation (valid-response error). */
  readonly promptErrorRate: number;
}

/** The simulated model; `complete` is the synchronous core that `generate` wraps. */
export interface SimModel extends LanguageModel {
  readonly parameters: SimParameters;
  complete(request: ModelRequest): SimOutcome;
}

/** Resolves a profile name to its profile; unknown names are an `InputError` listing the known ones. */
export function resolveProfile(profile: string | ModelProfile): ModelProfile {
  if (typeof profile !== 'string') return profile;
  const found = findProfile(profile);
  if (found === undefined) {
    throw new InputError(`Unknown model profile \`${profile}\`; known profiles: ${profileNames().join(', ')}`);
  }
  return found;
}

/** Fills in every parameter and validates it, quoting the received value. */
export function resolveSimParameters(profile: ModelProfile, overrides: Partial<SimParameters> = {}): SimParameters {
  const parameters: SimParameters = {
    errorRate: profile.errorRate,
    tokensPerResponse: profile.tokensPerResponse,
    inputUsdPerMillion: profile.inputUsdPerMillion,
    outputUsdPerMillion: profile.outputUsdPerMillion,
    ...SIM_DEFAULTS,
    ...overrides,
  };
  const probability = (name: keyof SimParameters) => {
    const value = parameters[name];
    if (!(value >= 0 && value <= 1)) throw new InputError(`Expected \`${name}\` to be a probability in [0, 1], got \`${value}\``);
  };
  const nonNegative = (name: keyof SimParameters) => {
    const value = parameters[name];
    if (!(value >= 0 && Number.isFinite(value))) throw new InputError(`Expected \`${name}\` to be a number >= 0, got \`${value}\``);
  };
  for (const name of ['errorRate', 'attractorShare', 'longWhenWrong', 'longWhenRight', 'malformedRate'] as const) probability(name);
  for (const name of ['confusionLongCap'] as const) probability(name);
  for (const name of ['confusionLongFactor', 'tokensPerResponse', 'inputUsdPerMillion', 'outputUsdPerMillion', 'heterogeneity', 'tokensSpread', 'contextExponent', 'latencyMs'] as const) nonNegative(name);
  if (!(parameters.contextReferenceTokens > 0)) {
    throw new InputError(`Expected \`contextReferenceTokens\` to be a number > 0, got \`${parameters.contextReferenceTokens}\``);
  }
  if (parameters.longWhenWrong >= 1 || parameters.longWhenRight >= 1 || parameters.malformedRate >= 1 || parameters.confusionLongCap >= 1) {
    throw new InputError('Expected red-flag rates below 1: a model whose every answer is red-flagged can never vote');
  }
  return parameters;
}

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * The chance that a response to a prompt whose error among valid responses is `e` survives red-flagging, up to a
 * factor every prompt shares (malformed output, ordinary answers over the cap). Hard prompts ramble (every answer
 * over-long with probability `min(confusionLongCap, confusionLongFactor * (e - errorRate))`), and their raw wrong
 * answers, over-long more often than right ones, are a larger share: their responses survive less often.
 */
export function survivalAt(parameters: SimParameters, e: number): number {
  const keepRight = 1 - parameters.longWhenRight;
  const keepWrong = 1 - parameters.longWhenWrong;
  const confusion = Math.min(parameters.confusionLongCap, parameters.confusionLongFactor * Math.max(0, e - parameters.errorRate));
  // Raw wrong rate r = e kR / ((1 - e) kW + e kR), so the kept share (1 - r) kR + r kW is kR kW / ((1 - e) kW + e kR).
  return ((1 - confusion) * keepRight * keepWrong) / ((1 - e) * keepWrong + e * keepRight);
}

/**
 * The logit shift that centres per-prompt error rates `e = sigmoid(logit(mean) + shift + sigma * Z)`, Z standard
 * normal, so that their mean weighted by `survival(e)` is `mean`. With the simulated model's {@link survivalAt}
 * that is the error among *valid* responses over prompts, the figure a profile states (the paper's 1 - p): red
 * flags fall hardest on hard prompts, so an unweighted centring would leave the survivors' error below the mean.
 * With no weight (the default) it centres the plain mean over prompts. Found by bisection on a fixed quadrature
 * grid.
 */
export function heterogeneityShift(mean: number, sigma: number, survival?: (e: number) => number): number {
  if (sigma === 0 || mean <= 0 || mean >= 1) return 0;
  const base = logit(mean);
  const meanAt = (shift: number) => {
    let weighted = 0;
    let weights = 0;
    for (let i = 0; i < GRID_Z.length; i++) {
      const e = sigmoid(base + shift + sigma * GRID_Z[i]!);
      const weight = GRID_DENSITY[i]! * (survival === undefined ? 1 : survival(e));
      weighted += weight * e;
      weights += weight;
    }
    return weighted / weights;
  };
  let low = -20;
  let high = 20;
  // 60 halvings of 40 logits leave an interval below 4e-17: double precision.
  for (let i = 0; i < 60; i++) {
    const middle = (low + high) / 2;
    if (meanAt(middle) > mean) high = middle;
    else low = middle;
  }
  return (low + high) / 2;
}

/** The quadrature grid: z from -8 to 8 in steps of 0.02, with the standard normal's unnormalised density. */
const GRID_Z = Float64Array.from({ length: 801 }, (_, i) => -8 + (16 * i) / 800);
const GRID_DENSITY = GRID_Z.map((z) => Math.exp(-0.5 * z * z));

const shifts = new Map<string, number>();

/** The shift the simulated model with these parameters uses: its valid-response error centred on `errorRate`. */
export function simulatedShift(parameters: SimParameters): number {
  const { errorRate, heterogeneity, longWhenRight, longWhenWrong, confusionLongFactor, confusionLongCap } = parameters;
  const key = [errorRate, heterogeneity, longWhenRight, longWhenWrong, confusionLongFactor, confusionLongCap].join('|');
  let shift = shifts.get(key);
  if (shift === undefined) {
    shift = heterogeneityShift(errorRate, heterogeneity, (e) => survivalAt(parameters, e));
    shifts.set(key, shift);
  }
  return shift;
}

/** Default malformed output: reasoning that never states an answer. */
function defaultMalformed(): string {
  return 'Let me think about the rules again. The previous move and the state suggest several options, and I need to consider them carefully before';
}

/**
 * Creates a simulated model. Same seed and same requests give the same responses; with a per-request `seed`,
 * the order in which calls are made does not matter.
 */
export function createSimModel(options: SimModelOptions): SimModel {
  const profile = resolveProfile(options.profile ?? 'gpt-4.1-mini');
  const parameters = resolveSimParameters(profile, options.parameters);
  const behaviour = options.behaviour;
  const modelSeed = options.seed ?? 0;
  const pricing: Pricing = { inputUsdPerMillion: parameters.inputUsdPerMillion, outputUsdPerMillion: parameters.outputUsdPerMillion };
  const shift = simulatedShift(parameters);
  const baseLogit = parameters.errorRate > 0 && parameters.errorRate < 1 ? logit(parameters.errorRate) + shift : 0;
  const seedless = randomStream(modelSeed, 0x5eed);

  // Everything that depends only on the prompt is computed once per prompt: a step's votes share one messages array.
  let lastMessages: ModelRequest['messages'] | undefined;
  let lastTools: ModelRequest['tools'];
  let lastPrompt: PromptFacts | undefined;
  // The hash state after a prompt's first message (its constant rules, in every task here), so a step hashes only
  // what changed: the same value as hashing the whole text.
  let headContent: string | undefined;
  let headState = 0;
  const start = fnvStart(modelSeed);

  /** `hashString(promptText(messages), modelSeed)`, reusing the first message's state when it is the last one's. */
  function promptHash(messages: ModelRequest['messages']): number {
    if (messages.length === 0) return finishHash(start);
    const head = messages[0]!.content;
    if (head !== headContent) {
      headContent = head;
      headState = fnv1a(head, start);
    }
    let h = headState;
    for (let i = 1; i < messages.length; i++) h = fnv1a(messages[i]!.content, fnv1a('\n\n', h));
    return finishHash(h);
  }

  interface PromptFacts {
    readonly text: string;
    readonly hash: number;
    readonly promptTokens: number;
    readonly validErrorRate: number;
    readonly rawWrongRate: number;
    /** Probability that any answer to this prompt is over-long because the prompt is hard. */
    readonly confusionLong: number;
    /** Output tokens an ordinary answer has beyond the profile's mean: the answer itself, for multi-step answers. */
    readonly extraTokens: number;
    readonly correct: string | undefined;
    wrong: readonly string[] | undefined;
    /** Set when the request is answered with tool turns: answers are encoded turns (see {@link encodeTurn}). */
    readonly conversation: SimConversation | undefined;
    /** The responder's correct turn, as it gave it (arguments as objects), for the corrupter. */
    readonly correctTurn: SimTurn | undefined;
  }

  /** The tool responder, when this request is to be answered with tool turns. */
  function toolMode(request: ModelRequest): SimToolBehaviour | undefined {
    if (behaviour.tools === undefined || request.tools === undefined || request.tools.length === 0 || request.toolChoice === 'none') return undefined;
    return behaviour.tools;
  }

  function factsOf(request: ModelRequest): PromptFacts {
    const { messages } = request;
    const tools = toolMode(request);
    if (messages === lastMessages && request.tools === lastTools && lastPrompt !== undefined && (lastPrompt.conversation === undefined) === (tools === undefined)) return lastPrompt;
    const conversation: SimConversation | undefined =
      tools === undefined ? undefined : { messages, tools: request.tools!, text: conversationText(messages, request.tools!) };
    const text = conversation?.text ?? promptText(messages);
    const hash = conversation === undefined ? promptHash(messages) : hashString(text, modelSeed);
    const promptTokens = countMessageTokens(messages, request.tools);
    // An answer of m steps spans m steps' difficulties: it sees the mean rate, not one prompt's draw, compounded below.
    const stepsInAnswer = (conversation === undefined ? behaviour.stepsInAnswer?.(text) : tools!.stepsInAnswer?.(conversation)) ?? 1;
    let validErrorRate = parameters.errorRate;
    if (validErrorRate > 0 && validErrorRate < 1) {
      let x = parameters.heterogeneity === 0 || stepsInAnswer > 1 ? logit(validErrorRate) : baseLogit + parameters.heterogeneity * normalQuantile(unitFromHash(hash));
      if (promptTokens > parameters.contextReferenceTokens) {
        x += parameters.contextExponent * Math.log(promptTokens / parameters.contextReferenceTokens);
      }
      validErrorRate = sigmoid(x);
    } else if (validErrorRate === 0 && promptTokens > parameters.contextReferenceTokens && parameters.contextExponent > 0) {
      validErrorRate = sigmoid(-30 + parameters.contextExponent * Math.log(promptTokens / parameters.contextReferenceTokens));
    }
    const confusionLong = Math.min(parameters.confusionLongCap, parameters.confusionLongFactor * Math.max(0, validErrorRate - parameters.errorRate));
    const correctTurn = conversation === undefined ? undefined : tools!.respond(conversation);
    const correct = conversation === undefined ? behaviour.respond(text) : correctTurn === undefined ? undefined : encodeTurn(correctTurn);
    if (stepsInAnswer > 1) validErrorRate = -Math.expm1(stepsInAnswer * Math.log1p(-Math.min(validErrorRate, 1)));
    const extraTokens = stepsInAnswer > 1 && correct !== undefined ? countTokens(correct) : 0;
    // Raise the raw wrong rate so that after red-flag filtering the valid error rate is as drawn.
    const keepWrong = 1 - parameters.longWhenWrong;
    const keepRight = 1 - parameters.longWhenRight;
    const e = validErrorRate;
    const rawWrongRate = e >= 1 ? 1 : (e * keepRight) / ((1 - e) * keepWrong + e * keepRight);
    const facts: PromptFacts = { text, hash, promptTokens, validErrorRate, rawWrongRate, confusionLong, extraTokens, correct, wrong: undefined, conversation, correctTurn };
    lastMessages = messages;
    lastTools = request.tools;
    lastPrompt = facts;
    return facts;
  }

  function wrongAnswers(facts: PromptFacts): readonly string[] {
    if (facts.wrong === undefined) {
      if (facts.conversation === undefined) facts.wrong = behaviour.wrongAnswers(facts.text, facts.correct);
      else {
        const turns = behaviour.tools!.wrongTurns(facts.conversation, facts.correctTurn);
        facts.wrong = [...new Set(turns.map(encodeTurn))].filter((turn) => turn !== facts.correct);
      }
    }
    return facts.wrong;
  }

  function malformed(facts: PromptFacts, random: Random): string {
    if (facts.conversation === undefined) return behaviour.malformed?.(facts.text, random) ?? defaultMalformed();
    const custom = behaviour.tools!.malformed?.(facts.conversation, random);
    if (custom !== undefined) return encodeTurn(custom);
    const first = facts.correctTurn?.toolCalls?.[0];
    if (first === undefined) return encodeTurn({ text: defaultMalformed() });
    const json = typeof first.arguments === 'string' ? first.arguments : JSON.stringify(first.arguments);
    return encodeTurn({ toolCalls: [{ name: first.name, arguments: json.slice(0, Math.max(1, Math.floor(json.length / 2))) }] });
  }

  function complete(request: ModelRequest): SimOutcome {
    const facts = factsOf(request);
    // Temperature 0: the draw depends on the prompt alone. Otherwise on the request's seed (or the model's stream).
    const random: Random =
      request.temperature === 0
        ? sampleStream(facts.hash, 0, 0)
        : sampleStream(facts.hash, request.seed ?? Math.floor(seedless() * 4294967296), 1);
    let kind: SimOutcome['kind'];
    let text: string;
    if (random() < parameters.malformedRate) {
      kind = 'malformed';
      text = malformed(facts, random);
    } else if (facts.correct !== undefined && random() >= facts.rawWrongRate) {
      kind = 'right';
      text = facts.correct;
    } else {
      const wrong = wrongAnswers(facts);
      if (wrong.length === 0) {
        kind = 'malformed';
        text = malformed(facts, random);
      } else {
        kind = 'wrong';
        const attractor = behaviour.attractorIndex?.(facts.text, wrong, facts.hash) ?? facts.hash % wrong.length;
        const index = random() < parameters.attractorShare ? attractor : Math.floor(random() * wrong.length);
        text = wrong[Math.min(Math.max(index, 0), wrong.length - 1)]!;
      }
    }
    const long = random() < facts.confusionLong || random() < (kind === 'right' ? parameters.longWhenRight : parameters.longWhenWrong);
    const mean = parameters.tokensPerResponse + facts.extraTokens;
    let completionTokens = long
      ? Math.round(Math.max(mean * 1.5, 760) + random() * mean)
      : Math.round(mean * Math.exp(parameters.tokensSpread * normalQuantile(random()) - (parameters.tokensSpread * parameters.tokensSpread) / 2));
    completionTokens = Math.max(1, completionTokens);
    let finishReason: ModelResponse['finishReason'] = 'stop';
    const cut = completionTokens > request.maxOutputTokens;
    if (cut) {
      completionTokens = request.maxOutputTokens;
      finishReason = 'length';
      if (facts.conversation === undefined) text = text.slice(0, Math.floor(text.length / 2));
    }
    const usage = { promptTokens: facts.promptTokens, completionTokens };
    if (facts.conversation !== undefined) {
      const turn = turnResponse(decodeTurn(text), cut, random);
      if (turn.toolCalls.length > 0 && !cut) finishReason = 'tool_calls';
      const response: ModelResponse = {
        text: turn.text,
        finishReason,
        usage,
        latencyMs: parameters.latencyMs,
        ...(turn.toolCalls.length === 0 ? {} : { toolCalls: turn.toolCalls }),
      };
      return { kind, promptErrorRate: facts.validErrorRate, response };
    }
    return { kind, promptErrorRate: facts.validErrorRate, response: { text, finishReason, usage, latencyMs: parameters.latencyMs } };
  }

  const model: SimModel = {
    id: `sim:${profile.name}`,
    pricing,
    parameters,
    complete,
    generate(request: ModelRequest): Promise<ModelResponse> {
      if (request.signal?.aborted) return Promise.reject(abortError());
      const { response } = complete(request);
      if (parameters.latencyMs <= 0) return Promise.resolve(response);
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          clearTimeout(timer);
          reject(abortError());
        };
        const timer = setTimeout(() => {
          request.signal?.removeEventListener('abort', onAbort);
          resolve(response);
        }, parameters.latencyMs);
        request.signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
  if (parameters.latencyMs > 0) return model;
  // Not enumerable: a wrapper made by spreading the model (`{ ...model, generate }`) must not inherit an answer
  // path that goes around its own `generate`.
  Object.defineProperty(model, 'generateNow', {
    value(request: ModelRequest): ModelResponse {
      if (request.signal?.aborted) throw abortError();
      return complete(request).response;
    },
    enumerable: false,
  });
  return model;
}

/** The conversation as the tool responder's text: every content, and every call as `name(arguments)`. */
function conversationText(messages: readonly ChatMessage[], tools: readonly ToolSpec[]): string {
  const parts = [`tools: ${tools.map((tool) => tool.name).join(', ')}`];
  for (const message of messages) {
    parts.push(`${message.role}: ${message.content}`);
    for (const call of message.toolCalls ?? []) parts.push(`call ${call.name}(${call.arguments})`);
  }
  return parts.join('\n');
}

/** A turn as one canonical string, so the text machinery (attractors, distinct wrong answers) works on turns unchanged. */
function encodeTurn(turn: SimTurn): string {
  const calls = (turn.toolCalls ?? []).map((call) => [call.name, typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments)]);
  return JSON.stringify([turn.text ?? '', calls]);
}

function decodeTurn(encoded: string): { readonly text: string; readonly toolCalls: ReadonlyArray<{ name: string; arguments: string }> } {
  const [text, calls] = JSON.parse(encoded) as [string, Array<[string, string]>];
  return { text, toolCalls: calls.map(([name, args]) => ({ name, arguments: args })) };
}

/** The response fields of a turn: call ids drawn from the sample's stream; a turn cut at the output cap loses half its last call. */
function turnResponse(turn: ReturnType<typeof decodeTurn>, cut: boolean, random: Random): { text: string; toolCalls: ToolCall[] } {
  const toolCalls = turn.toolCalls.map((call, index) => {
    const last = index === turn.toolCalls.length - 1;
    const args = cut && last ? call.arguments.slice(0, Math.floor(call.arguments.length / 2)) : call.arguments;
    return { id: `call_${Math.floor(random() * 4294967296).toString(36)}${index}`, name: call.name, arguments: args };
  });
  return { text: cut && toolCalls.length === 0 ? turn.text.slice(0, Math.floor(turn.text.length / 2)) : turn.text, toolCalls };
}
