/**
 * The test kit (`maker-ts/testing`): a scripted model that returns the n-th response on the n-th call and records
 * its calls, an OpenAI-compatible chat-completions server backed by any model, fault injection for it, and a
 * manual clock for deterministic timing.
 */
export { createScriptedModel, response, type ScriptedModel, type ScriptedModelOptions, type ScriptEntry } from './scripted-model.ts';
export { startChatServer, type ChatCompletionBody, type ChatServerOptions, type ChatServerStats, type RunningChatServer } from './chat-server.ts';
export {
  createFaultInjector,
  INJECTABLE_FAULTS,
  parseFaultKinds,
  type FaultInjectionStats,
  type FaultInjector,
  type FaultInjectorOptions,
  type InjectableFault,
} from './fault-injection.ts';
export { manualClock, type ManualClock } from '../core/clock.ts';
