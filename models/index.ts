/** Model backends: the seeded simulated model and its profiles, the OpenAI-compatible client, model specs, token counts. */
export { createModel, DEFAULT_MODEL, type ModelContext } from './model-spec.ts';
export { createSimModel, SIM_DEFAULTS, type SimModel, type SimModelOptions, type SimOutcome, type SimParameters } from './sim-model.ts';
export type { SimBehaviour } from './sim-behaviour.ts';
export { createOpenAIModel, type OpenAIModelOptions } from './openai-model.ts';
export { findProfile, MODEL_PROFILES, profileNames, type ModelProfile } from './profiles.ts';
export { countMessageTokens, countTokens } from './tokens.ts';
