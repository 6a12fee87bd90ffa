/**
 * Run flags for real endpoints: the endpoint pool or ensemble, timeouts, retries, rate limits, quirks and
 * budgets; and the dispatcher they build. Part of every `maker run TASK` through `run-options.ts`.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { BudgetLimits, Spend } from '../dispatch/budget.ts';
import { DEFAULT_GIVE_UP_AFTER_MS, type Dispatcher } from '../dispatch/dispatcher.ts';
import { DEFAULT_HTTP_TIMEOUT_MS } from '../dispatch/endpoint-config.ts';
import { createDispatcherFromSpecs } from '../dispatch/from-specs.ts';
import { InputError } from '../core/errors.ts';
import type { Pricing } from '../core/model.ts';
import { isEndpointSpec, parseModelSpec } from '../models/model-spec.ts';
import { findProfile } from '../models/profiles.ts';
import type { SimBehaviour } from '../models/sim-behaviour.ts';
import { integerFlag, numberFlag } from './flags.ts';
import { stallNotice } from './stall-notice.ts';

/** Rate limits per endpoint. */
export interface RateLimitFlags {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
}

/** The dispatch flags, parsed and validated. */
export interface DispatchFlags {
  /** Path of an endpoints file. */
  readonly endpointsFile: string | undefined;
  /** Ensemble members as model specs with integer weights. */
  readonly ensemble: ReadonlyArray<{ readonly spec: string; readonly weight: number }> | undefined;
  /** Per-request timeout in milliseconds; undefined for the default (120 s for HTTP endpoints, none in process). */
  readonly timeoutMs: number | undefined;
  readonly retries: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Silence after which every call gives up, in milliseconds; 0 for never. */
  readonly giveUpAfterMs: number;
  readonly rateLimit: RateLimitFlags;
  readonly omitTemperature: boolean;
  readonly useMaxCompletionTokens: boolean;
  readonly budget: BudgetLimits;
  /** Prices of `--model` / `--ensemble` models, US dollars per million tokens; each side absent when not given. */
  readonly pricing: PriceFlags;
}

/** `--input-price` and `--output-price`. */
export interface PriceFlags {
  readonly inputUsdPerMillion?: number;
  readonly outputUsdPerMillion?: number;
}

/** Adds the dispatch flags to a `run` subcommand. */
export function addDispatchOptions(command: Command): Command {
  return command
    .option('--endpoints <file>', 'JSON file with a pool of endpoints (weights, limits, quirks, ensemble); overrides --model')
    .option('--ensemble <specs>', 'draw votes from several models, e.g. openai:a,openai:b=2 (weights are integers); overrides --model')
    .option('--timeout-ms <ms>', `per-request timeout; 0 for none (default: ${DEFAULT_HTTP_TIMEOUT_MS} for openai: models, none for sim:)`)
    .option('--retries <n>', 'retries of a call after 408, 409, 429, 5xx, dropped connections, timeouts, bad bodies', '8')
    .option('--retry-base-ms <ms>', 'first backoff delay, doubled per retry, with jitter (a Retry-After header wins)', '500')
    .option('--retry-max-ms <ms>', 'longest backoff delay', '30000')
    .option('--give-up-after-s <s>', 'fail once no call has been answered for this long (a dead endpoint, a wrong URL); 0 waits for ever', String(DEFAULT_GIVE_UP_AFTER_MS / 1000))
    .option('--rate-limit <limits>', 'per-endpoint limits, e.g. 500rpm or 500rpm,200000tpm')
    .option('--omit-temperature', 'leave temperature out of requests (models that reject it)')
    .option('--max-completion-tokens', 'send max_completion_tokens instead of max_tokens (newer OpenAI models)')
    .option('--input-price <usd>', "US dollars per million input tokens, for openai: models (default: the paper profile's of that name)")
    .option('--output-price <usd>', "US dollars per million output tokens, for openai: models (default: the paper profile's of that name)")
    .option('--budget-usd <dollars>', 'stop cleanly before spending more than this (needs a price for every model)')
    .option('--budget-calls <n>', 'stop cleanly before making more calls than this (retries count)')
    .option('--budget-tokens <n>', 'stop cleanly before using more tokens than this (prompt + completion)')
    .option('--budget-seconds <s>', 'stop cleanly once the run has taken this long');
}

/** Parses `500rpm,200000tpm`. */
export function rateLimitFlag(value: string): RateLimitFlags {
  const limits: { requestsPerMinute?: number; tokensPerMinute?: number } = {};
  for (const part of value.split(',')) {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(rpm|tpm|rps|tps)\s*$/i.exec(part);
    const amount = match === null ? Number.NaN : Number(match[1]);
    if (match === null || !(amount > 0)) throw new InputError(`Expected --rate-limit to be like 500rpm or 500rpm,200000tpm (also rps, tps), got \`${value}\``);
    const unit = match[2]!.toLowerCase();
    const perMinute = unit.endsWith('ps') ? amount * 60 : amount;
    if (unit.startsWith('r')) limits.requestsPerMinute = perMinute;
    else limits.tokensPerMinute = perMinute;
  }
  return limits;
}

/** Parses `openai:a,openai:b=2`. */
export function ensembleFlag(value: string): Array<{ spec: string; weight: number }> {
  const members = value.split(',').map((part) => {
    const at = part.lastIndexOf('=');
    const spec = (at < 0 ? part : part.slice(0, at)).trim();
    const weight = at < 0 ? 1 : integerFlag('ensemble', part.slice(at + 1).trim(), 1, 1000);
    if (!spec.includes(':')) throw new InputError(`Expected --ensemble to be model specs like sim:PROFILE or openai:NAME, optionally =WEIGHT, got \`${value}\``);
    return { spec, weight };
  });
  const specs = new Set(members.map((member) => member.spec));
  if (specs.size !== members.length) throw new InputError(`Expected --ensemble to name each model once, got \`${value}\``);
  return members;
}

/** Parses and validates the dispatch flags. */
export function resolveDispatchFlags(raw: Record<string, unknown>): DispatchFlags {
  const optional = <T>(name: string, parse: (value: string) => T): T | undefined => (raw[name] === undefined ? undefined : parse(String(raw[name])));
  const budget: { calls?: number; tokens?: number; dollars?: number; seconds?: number } = {};
  const dollars = optional('budgetUsd', (v) => numberFlag('budget-usd', v, 0, Number.MAX_VALUE));
  const calls = optional('budgetCalls', (v) => integerFlag('budget-calls', v, 0));
  const tokens = optional('budgetTokens', (v) => integerFlag('budget-tokens', v, 0));
  const seconds = optional('budgetSeconds', (v) => numberFlag('budget-seconds', v, 0, Number.MAX_VALUE));
  if (dollars !== undefined) budget.dollars = dollars;
  if (calls !== undefined) budget.calls = calls;
  if (tokens !== undefined) budget.tokens = tokens;
  if (seconds !== undefined) budget.seconds = seconds;
  const endpointsFile = optional('endpoints', String);
  const ensemble = optional('ensemble', ensembleFlag);
  if (endpointsFile !== undefined && ensemble !== undefined) {
    throw new InputError('Expected either --endpoints or --ensemble, got both; put `"ensemble": true` in the endpoints file instead');
  }
  return {
    endpointsFile,
    ensemble,
    timeoutMs: optional('timeoutMs', (v) => integerFlag('timeout-ms', v, 0)),
    retries: integerFlag('retries', String(raw['retries'] ?? '8'), 0, 1000),
    retryBaseMs: integerFlag('retry-base-ms', String(raw['retryBaseMs'] ?? '500'), 0),
    retryMaxMs: integerFlag('retry-max-ms', String(raw['retryMaxMs'] ?? '30000'), 0),
    giveUpAfterMs: 1000 * numberFlag('give-up-after-s', String(raw['giveUpAfterS'] ?? DEFAULT_GIVE_UP_AFTER_MS / 1000), 0, Number.MAX_SAFE_INTEGER / 1000),
    rateLimit: optional('rateLimit', rateLimitFlag) ?? {},
    omitTemperature: raw['omitTemperature'] === true,
    useMaxCompletionTokens: raw['maxCompletionTokens'] === true,
    budget,
    pricing: {
      ...optional('inputPrice', (v) => ({ inputUsdPerMillion: numberFlag('input-price', v, 0, Number.MAX_VALUE) })),
      ...optional('outputPrice', (v) => ({ outputUsdPerMillion: numberFlag('output-price', v, 0, Number.MAX_VALUE) })),
    },
  };
}

/**
 * The prices of a `--model` or `--ensemble` spec: the flags', else the profile's of that name; undefined when
 * neither gives one (an `openai:` model the paper did not measure). Half a price for such a model is refused.
 */
export function pricingFor(spec: string, flags: PriceFlags): Pricing | undefined {
  const parsed = parseModelSpec(spec);
  if (parsed.kind !== 'openai') return undefined;
  const profile = findProfile(parsed.name);
  const input = flags.inputUsdPerMillion ?? profile?.inputUsdPerMillion;
  const output = flags.outputUsdPerMillion ?? profile?.outputUsdPerMillion;
  if (input !== undefined && output !== undefined) return { inputUsdPerMillion: input, outputUsdPerMillion: output };
  if (input !== undefined || output !== undefined) {
    throw new InputError(`Expected --${input === undefined ? 'input' : 'output'}-price too: ${spec} has no known price`);
  }
  return undefined;
}

/** What building the dispatcher needs beyond the flags. */
export interface DispatcherSetup {
  /** Model spec from `--model`. */
  readonly model: string;
  readonly baseURL: string | undefined;
  readonly apiKey: string | undefined;
  readonly seed: number;
  readonly concurrency: number;
  readonly dispatch: DispatchFlags;
  /** How simulated models answer the task; a task without one runs only on endpoints. */
  readonly behaviour?: SimBehaviour;
  /** Where `apiKeyEnv` names are looked up. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Spend of earlier sessions of a journaled run, so budgets cap the whole run. @default nothing */
  readonly alreadySpent?: Partial<Spend>;
  /** Where the line saying the endpoints stopped answering goes (see `stall-notice.ts`). @default nowhere */
  readonly notice?: (line: string) => void;
}

/** Builds the run's dispatcher from the flags: one model, an ensemble, or an endpoints file. */
export function buildDispatcher(setup: DispatcherSetup): Dispatcher {
  const { dispatch } = setup;
  let endpointsConfig: string | undefined;
  if (dispatch.endpointsFile !== undefined) {
    if (dispatch.pricing.inputUsdPerMillion !== undefined || dispatch.pricing.outputUsdPerMillion !== undefined) {
      throw new InputError('Expected --input-price and --output-price without --endpoints; give each endpoint its `pricing` in the file');
    }
    try {
      endpointsConfig = readFileSync(dispatch.endpointsFile, 'utf8');
    } catch (error) {
      throw new InputError(`Cannot read the endpoints file \`${dispatch.endpointsFile}\`: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
  }
  // Prices for the flags' specs: the flags', else the profile's; a dollar budget needs one for every model.
  const specs = endpointsConfig !== undefined ? [] : dispatch.ensemble === undefined ? [setup.model] : dispatch.ensemble.map((member) => member.spec);
  const prices: Record<string, Pricing> = {};
  const unpriced: string[] = [];
  for (const spec of specs) {
    const pricing = pricingFor(spec, dispatch.pricing);
    if (pricing !== undefined) prices[spec] = pricing;
    else if (isEndpointSpec(spec)) unpriced.push(spec);
  }
  if (dispatch.budget.dollars !== undefined && unpriced.length > 0) {
    throw new InputError(`--budget-usd needs a price for ${unpriced.join(', ')}, which has none known: give --input-price and --output-price (US dollars per million tokens)`);
  }
  let dispatcher: Dispatcher | undefined;
  const notice = setup.notice;
  dispatcher = createDispatcherFromSpecs({
    ...(setup.behaviour === undefined ? {} : { behaviour: setup.behaviour }),
    model: setup.model,
    ...(dispatch.ensemble === undefined ? {} : { ensemble: dispatch.ensemble }),
    ...(endpointsConfig === undefined ? {} : { endpointsConfig }),
    ...(setup.env === undefined ? {} : { env: setup.env }),
    ...(setup.baseURL === undefined ? {} : { baseURL: setup.baseURL }),
    ...(setup.apiKey === undefined ? {} : { apiKey: setup.apiKey }),
    prices,
    requirePrices: dispatch.budget.dollars !== undefined,
    seed: setup.seed,
    concurrency: setup.concurrency,
    ...(dispatch.timeoutMs === undefined ? {} : { timeoutMs: dispatch.timeoutMs }),
    retry: { retries: dispatch.retries, baseDelayMs: dispatch.retryBaseMs, maxDelayMs: dispatch.retryMaxMs },
    giveUpAfterMs: dispatch.giveUpAfterMs,
    rateLimit: dispatch.rateLimit,
    omitTemperature: dispatch.omitTemperature,
    useMaxCompletionTokens: dispatch.useMaxCompletionTokens,
    budget: dispatch.budget,
    ...(setup.alreadySpent === undefined ? {} : { alreadySpent: setup.alreadySpent }),
    ...(notice === undefined ? {} : { onFault: stallNotice(notice, dispatch.giveUpAfterMs, () => dispatcher) }),
  });
  return dispatcher;
}
