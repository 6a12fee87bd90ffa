/**
 * A model double with the faults you choose, on any task: give it how to answer a request correctly (and,
 * optionally, plausible wrong answers), and it answers wrongly at a chosen rate, with a chosen correlation of
 * errors across samples of the same prompt and a chosen concentration on one wrong answer, and red-flags at a
 * chosen rate. For offline tests of your own voting logic, or of a gate, where the simulated model (which needs a
 * task's responder and has its own calibrated error structure) is not what you want.
 *
 * Deterministic: every draw comes from (model seed, prompt, request seed), so the same request gets the same
 * response, whatever order requests arrive in. A request at temperature 0, or without a seed, draws from the
 * prompt alone.
 */
import { abortError, InputError } from '../core/errors.ts';
import type { LanguageModel, ModelRequest, ModelResponse, Pricing } from '../core/model.ts';
import { hashString, randomStream } from '../core/rng.ts';
import { promptText } from '../core/task.ts';
import { expectNumber } from '../planning/expect.ts';
import type { SimBehaviour } from '../models/sim-behaviour.ts';
import { countMessageTokens, countTokens } from '../models/tokens.ts';

/** A rate for every request, or per request (say 1 on the states that must fail and 0 elsewhere). */
export type RequestRate = number | ((request: ModelRequest) => number);

/** Options of {@link faultyModel}. */
export interface FaultyModelOptions {
  /** The correct response text for a request; undefined when there is none (the double then answers wrongly). */
  readonly correct: (request: ModelRequest) => string | undefined;
  /**
   * Plausible wrong response texts for a request, none equal to the correct one (a wrong answer the parser
   * rejects is a red flag, not an error). @default every variant of the correct text with one digit changed
   */
  readonly wrong?: (request: ModelRequest, correct: string | undefined) => readonly string[];
  /** Probability that an answer that is not red-flagged is wrong. @default 0 */
  readonly errorRate?: RequestRate;
  /**
   * Correlation of errors across samples of one prompt: with this probability a prompt's samples share one draw
   * (all right or all wrong), otherwise each sample draws its own; the intraclass correlation of being wrong is
   * this number. @default 0
   */
  readonly correlation?: number;
  /** Share of wrong answers that are the prompt's attractor, one fixed wrong answer; the rest spread uniformly over `wrong`. @default 0.5 */
  readonly attractorShare?: number;
  /** Probability that a response is red-flagged. @default 0 */
  readonly redFlagRate?: RequestRate;
  /** A red-flagged response is cut at the output cap (`truncated`) or is prose no answer parser accepts (`malformed`). @default 'truncated' */
  readonly redFlag?: 'truncated' | 'malformed';
  /** Seed of every draw. @default 0 */
  readonly seed?: number;
  /** @default 'faulty' */
  readonly id?: string;
  /** @default zero prices */
  readonly pricing?: Pricing;
}

/** The double, and how often it was called. */
export interface FaultyModel extends LanguageModel {
  /** Calls answered so far. */
  readonly calls: number;
}

const MALFORMED = 'I am not certain of the answer; let me think about it more before committing to one.';

/** Every variant of `text` with one digit changed (each digit to the next one, 9 to 0). */
export function digitSlips(text: string): string[] {
  const variants: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) continue;
    variants.push(text.slice(0, i) + String.fromCharCode(48 + ((code - 48 + 1) % 10)) + text.slice(i + 1));
  }
  return variants;
}

/** The `correct` and `wrong` of a {@link faultyModel} from a task's simulated behaviour (its responder and corrupter). */
export function simAnswers(behaviour: SimBehaviour): Pick<FaultyModelOptions, 'correct' | 'wrong'> {
  return {
    correct: (request) => behaviour.respond(promptText(request.messages)),
    wrong: (request, correct) => behaviour.wrongAnswers(promptText(request.messages), correct),
  };
}

function rateOf(name: string, rate: RequestRate, request: ModelRequest): number {
  const value = typeof rate === 'function' ? rate(request) : rate;
  return expectNumber(name, value, 0, 1);
}

/** Builds a model double with a chosen error rate, error correlation and red-flag rate (see {@link FaultyModelOptions}). */
export function faultyModel(options: FaultyModelOptions): FaultyModel {
  if (typeof options.correct !== 'function') throw new InputError(`Expected \`correct\` to be a function, got \`${typeof options.correct}\``);
  const errorRate = options.errorRate ?? 0;
  const redFlagRate = options.redFlagRate ?? 0;
  if (typeof errorRate === 'number') expectNumber('errorRate', errorRate, 0, 1);
  if (typeof redFlagRate === 'number') expectNumber('redFlagRate', redFlagRate, 0, 1);
  const correlation = expectNumber('correlation', options.correlation ?? 0, 0, 1);
  const attractorShare = expectNumber('attractorShare', options.attractorShare ?? 0.5, 0, 1);
  const redFlag = options.redFlag ?? 'truncated';
  if (redFlag !== 'truncated' && redFlag !== 'malformed') throw new InputError(`Expected \`redFlag\` to be truncated or malformed, got \`${String(redFlag)}\``);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`Expected \`seed\` to be an integer >= 0, got \`${seed}\``);
  const wrongOf = options.wrong ?? ((_request: ModelRequest, correct: string | undefined) => (correct === undefined ? [] : digitSlips(correct)));
  let calls = 0;

  const answer = (request: ModelRequest): ModelResponse => {
    const prompt = promptText(request.messages);
    const promptHash = hashString(prompt, seed);
    // Per prompt: whether its samples share one error draw, that draw, and its attractor.
    const shared = randomStream(seed, promptHash, 0x5a4e);
    const sticky = shared() < correlation;
    const sharedDraw = shared();
    const attractorDraw = shared();
    const sample = request.temperature === 0 || request.seed === undefined ? randomStream(seed, promptHash, 0) : randomStream(seed, promptHash, request.seed, 1);
    const promptTokens = countMessageTokens(request.messages);
    const correct = options.correct(request);
    const flagged = sample() < rateOf('redFlagRate', redFlagRate, request);
    const errorDraw = sticky ? sharedDraw : sample();
    if (flagged) {
      if (redFlag === 'malformed') return { text: MALFORMED, finishReason: 'stop', usage: { promptTokens, completionTokens: countTokens(MALFORMED) }, latencyMs: 0 };
      const whole = correct ?? wrongOf(request, correct)[0] ?? MALFORMED;
      return { text: whole.slice(0, Math.floor(whole.length / 2)), finishReason: 'length', usage: { promptTokens, completionTokens: request.maxOutputTokens }, latencyMs: 0 };
    }
    let text: string;
    if (correct !== undefined && errorDraw >= rateOf('errorRate', errorRate, request)) {
      text = correct;
    } else {
      const wrong = wrongOf(request, correct);
      if (wrong.length === 0) {
        throw new InputError(`Expected \`wrong\` to give at least one wrong answer for the prompt ending \`${prompt.slice(-80)}\`, got none; pass \`wrong\` for answers without digits`);
      }
      const index = sample() < attractorShare ? Math.floor(attractorDraw * wrong.length) : Math.floor(sample() * wrong.length);
      text = wrong[Math.min(index, wrong.length - 1)]!;
    }
    return { text, finishReason: 'stop', usage: { promptTokens, completionTokens: countTokens(text) }, latencyMs: 0 };
  };

  return {
    id: options.id ?? 'faulty',
    pricing: options.pricing ?? { inputUsdPerMillion: 0, outputUsdPerMillion: 0 },
    get calls() {
      return calls;
    },
    async generate(request) {
      if (request.signal?.aborted === true) throw abortError();
      calls += 1;
      return answer(request);
    },
  };
}
