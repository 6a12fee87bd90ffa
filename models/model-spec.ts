/**
 * Model specs as users write them: `sim:PROFILE` for the simulated model, `openai:NAME` for any
 * OpenAI-compatible endpoint. Resolves a spec to a backend.
 */
import { InputError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import { createOpenAIModel, type OpenAIModelOptions } from './openai-model.ts';
import { findProfile } from './profiles.ts';
import { createSimModel, type SimParameters } from './sim-model.ts';
import type { SimBehaviour } from './sim-behaviour.ts';

/** The embedded default model. */
export const DEFAULT_MODEL = 'sim:gpt-4.1-mini';

/** A model spec, parsed: the simulated model with a profile, or a model behind an OpenAI-compatible endpoint. */
export type ModelSpec = { readonly kind: 'sim'; readonly profile: string } | { readonly kind: 'openai'; readonly name: string };

/** Parses `sim:PROFILE` or `openai:NAME`; anything else is an `InputError` quoting it. */
export function parseModelSpec(spec: string): ModelSpec {
  const colon = spec.indexOf(':');
  const scheme = colon < 0 ? '' : spec.slice(0, colon);
  const name = spec.slice(colon + 1);
  if (scheme === 'sim') return { kind: 'sim', profile: name };
  if (scheme === 'openai') {
    if (name === '') throw new InputError('Expected a model name after `openai:`, e.g. `openai:gpt-4.1-mini`');
    return { kind: 'openai', name };
  }
  throw new InputError(`Expected --model to be sim:PROFILE or openai:NAME, got \`${spec}\``);
}

/** True when `spec` names a model behind an HTTP endpoint (`openai:NAME`). */
export function isEndpointSpec(spec: string): boolean {
  return parseModelSpec(spec).kind === 'openai';
}

/** What a spec needs beyond its text. */
export interface ModelContext {
  /** How the simulated model answers the task at hand; required for `sim:` specs. */
  readonly behaviour?: SimBehaviour;
  /** Seed of the simulated model. @default 0 */
  readonly seed?: number;
  /** Overrides of simulated-model parameters. */
  readonly simParameters?: Partial<SimParameters>;
  /** Base URL for `openai:` specs. */
  readonly baseURL?: string;
  /** API key for `openai:` specs. @default `OPENAI_API_KEY` */
  readonly apiKey?: string;
  /** More for `openai:` specs: quirks (`omitTemperature`, `useMaxCompletionTokens`), prices, the client's timeout. */
  readonly openai?: Omit<OpenAIModelOptions, 'model' | 'baseURL' | 'apiKey'>;
}

/** Builds the backend a spec names; an unknown scheme or profile is an `InputError`. */
export function createModel(spec: string, context: ModelContext): LanguageModel {
  const parsed = parseModelSpec(spec);
  if (parsed.kind === 'sim') {
    if (context.behaviour === undefined) throw new InputError(`Expected a task with a simulated behaviour for \`${spec}\`; this one has none, so run it against an endpoint (openai:NAME)`);
    return createSimModel({
      profile: parsed.profile,
      behaviour: context.behaviour,
      seed: context.seed ?? 0,
      ...(context.simParameters === undefined ? {} : { parameters: context.simParameters }),
    });
  }
  {
    const { name } = parsed;
    const profile = findProfile(name);
    return createOpenAIModel({
      model: name,
      ...(context.baseURL === undefined ? {} : { baseURL: context.baseURL }),
      ...(context.apiKey === undefined ? {} : { apiKey: context.apiKey }),
      ...(profile === undefined ? {} : { pricing: { inputUsdPerMillion: profile.inputUsdPerMillion, outputUsdPerMillion: profile.outputUsdPerMillion } }),
      ...context.openai,
    });
  }
}
