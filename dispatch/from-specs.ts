/**
 * A dispatcher from model specs as users write them (`sim:PROFILE`, `openai:NAME`): one model, an ensemble of
 * several, or the endpoints of an endpoints file, with the same defaults `maker run` uses. HTTP endpoints get a
 * per-request timeout unless told otherwise; in-process simulated ones get none.
 */
import { InputError } from '../core/errors.ts';
import type { BudgetLimits, Spend } from './budget.ts';
import { createDispatcher, type Dispatcher, type FaultEvent } from './dispatcher.ts';
import type { Pricing } from '../core/model.ts';
import { DEFAULT_HTTP_TIMEOUT_MS, parseEndpointsConfig } from './endpoint-config.ts';
import type { EndpointOptions } from './endpoint-pool.ts';
import type { RetryOptions } from './retry.ts';
import { createModel, DEFAULT_MODEL, isEndpointSpec, type ModelContext } from '../models/model-spec.ts';
import type { SimBehaviour } from '../models/sim-behaviour.ts';

/** One member of an ensemble: a model spec and its share of the samples. */
export interface EnsembleMember {
  readonly spec: string;
  /** Integer weight. @default 1 */
  readonly weight?: number;
}

/** Options of {@link createDispatcherFromSpecs}. Give at most one of `ensemble` and `endpointsConfig`; with neither, `model` is used. */
export interface DispatcherFromSpecsOptions {
  /** How simulated models answer the task at hand (e.g. `hanoiSim`); required for `sim:` specs. */
  readonly behaviour?: SimBehaviour;
  /** Model spec, `sim:PROFILE` or `openai:NAME`. @default `sim:gpt-4.1-mini` */
  readonly model?: string;
  /** Draw votes from several models, dealt by weight. */
  readonly ensemble?: readonly EnsembleMember[];
  /** The JSON text of an endpoints file (a pool with weights, limits and quirks; see `parseEndpointsConfig`). */
  readonly endpointsConfig?: string;
  /** Where the endpoints file's `apiKeyEnv` names are looked up. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Base URL for `openai:` specs. @default OpenAI's */
  readonly baseURL?: string;
  /** API key for `openai:` specs. @default `OPENAI_API_KEY` */
  readonly apiKey?: string;
  /** Seed of the simulated models and of the dispatcher's jitter and endpoint choice. @default 0 */
  readonly seed?: number;
  /** Calls in flight at once, over all endpoints. @default 1 */
  readonly concurrency?: number;
  /**
   * Per-request timeout in milliseconds for endpoints that set none; 0 for none.
   * @default 120000 for `openai:` endpoints, none for `sim:` ones
   */
  readonly timeoutMs?: number;
  /** Retry policy for transient faults. @default 8 retries from 500 ms, doubling, capped at 30 s */
  readonly retry?: RetryOptions;
  /** Rate limits for each endpoint that sets none. @default none */
  readonly rateLimit?: { readonly requestsPerMinute?: number; readonly tokensPerMinute?: number };
  /** Leave temperature out of `openai:` requests (models that reject it). @default false */
  readonly omitTemperature?: boolean;
  /** Send `max_completion_tokens` instead of `max_tokens` (newer OpenAI models). @default false */
  readonly useMaxCompletionTokens?: boolean;
  /** Caps on calls, tokens, dollars and wall time. @default none */
  readonly budget?: BudgetLimits;
  /** Spend of earlier sessions of a journaled run, so budgets cap the whole run. @default nothing */
  readonly alreadySpent?: Partial<Spend>;
  /** Prices of `openai:` specs by spec, beyond the paper profiles' (`{ 'openai:my-model': { ... } }`). @default the profiles' */
  readonly prices?: Readonly<Record<string, Pricing>>;
  /** Refuse an endpoints file that leaves a model without a price (a dollar budget needs one for each). @default false */
  readonly requirePrices?: boolean;
  /** Fail every call once none has been answered for this long, in milliseconds; 0 never. @default the dispatcher's */
  readonly giveUpAfterMs?: number;
  /** Called on every fault (a line on stderr while an endpoint is silent, say). */
  readonly onFault?: (event: FaultEvent) => void;
}

/**
 * Builds a dispatcher from model specs: an endpoints file's pool, an ensemble, or one model. Bad specs and bad
 * endpoints files are `InputError`s quoting the value; keys are never part of the result's ids or errors.
 */
export function createDispatcherFromSpecs(options: DispatcherFromSpecsOptions): Dispatcher {
  if (options.ensemble !== undefined && options.endpointsConfig !== undefined) {
    throw new InputError('Expected at most one of `ensemble` and `endpointsConfig`, got both; put `"ensemble": true` in the endpoints file instead');
  }
  const { timeoutMs, rateLimit = {} } = options;
  const modelContext: ModelContext = {
    ...(options.behaviour === undefined ? {} : { behaviour: options.behaviour }),
    seed: options.seed ?? 0,
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    openai: {
      ...(options.omitTemperature === true ? { omitTemperature: true } : {}),
      ...(options.useMaxCompletionTokens === true ? { useMaxCompletionTokens: true } : {}),
      // The client's own timeout is only a backstop behind the dispatcher's.
      ...(timeoutMs === undefined || timeoutMs === 0 ? {} : { timeoutMs: timeoutMs + 5_000 }),
    },
  };
  const withDefaults = (endpoint: EndpointOptions, spec: string): EndpointOptions => {
    const http = isEndpointSpec(spec);
    const endpointTimeoutMs = endpoint.timeoutMs ?? timeoutMs ?? (http ? DEFAULT_HTTP_TIMEOUT_MS : undefined);
    const { requestsPerMinute, tokensPerMinute } = rateLimit;
    return {
      ...endpoint,
      ...(endpointTimeoutMs === undefined ? {} : { timeoutMs: endpointTimeoutMs }),
      ...(endpoint.requestsPerMinute === undefined && requestsPerMinute !== undefined ? { requestsPerMinute } : {}),
      ...(endpoint.tokensPerMinute === undefined && tokensPerMinute !== undefined ? { tokensPerMinute } : {}),
    };
  };
  const priced = (spec: string): ModelContext => {
    const pricing = options.prices?.[spec];
    return pricing === undefined ? modelContext : { ...modelContext, openai: { ...modelContext.openai, pricing } };
  };
  let endpoints: EndpointOptions[];
  let ensemble = false;
  if (options.endpointsConfig !== undefined) {
    const config = parseEndpointsConfig(options.endpointsConfig, options.env ?? process.env, modelContext);
    ensemble = config.ensemble;
    endpoints = config.endpoints.map((endpoint) => withDefaults(endpoint, endpoint.model.id));
    if (options.requirePrices === true && config.unpriced.length > 0) {
      throw new InputError(`--budget-usd needs a price for ${config.unpriced.join(', ')}, which has none known: give it \`pricing\` in the endpoints file`);
    }
  } else if (options.ensemble !== undefined) {
    ensemble = true;
    endpoints = options.ensemble.map(({ spec, weight = 1 }) => withDefaults({ model: createModel(spec, priced(spec)), name: spec, group: spec, weight }, spec));
  } else {
    const spec = options.model ?? DEFAULT_MODEL;
    endpoints = [withDefaults({ model: createModel(spec, priced(spec)) }, spec)];
  }
  return createDispatcher({
    endpoints,
    ensemble,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.budget === undefined ? {} : { budget: options.budget }),
    ...(options.alreadySpent === undefined ? {} : { alreadySpent: options.alreadySpent }),
    ...(options.giveUpAfterMs === undefined ? {} : { giveUpAfterMs: options.giveUpAfterMs }),
    ...(options.onFault === undefined ? {} : { onFault: options.onFault }),
  });
}
