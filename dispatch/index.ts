/**
 * Dispatch: every model call of a run goes through one dispatcher (endpoints, retries, rate limits, circuit
 * breakers, budgets, ensembles). Build one from backends (`createDispatcher`) or from model specs
 * (`createDispatcherFromSpecs`); the parts it is made of stay internal.
 */
export {
  createDispatcher,
  type CallContext,
  type DispatchedResponse,
  type Dispatcher,
  type DispatcherOptions,
  type DispatchStats,
  type FaultEvent,
  type FaultKind,
  type SampleDispatcher,
} from './dispatcher.ts';
export { createDispatcherFromSpecs, type DispatcherFromSpecsOptions, type EnsembleMember } from './from-specs.ts';
export type { EndpointOptions, Endpoint, EndpointStats } from './endpoint-pool.ts';
export { parseEndpointsConfig, type EndpointsConfig } from './endpoint-config.ts';
export type { BudgetLimits, BudgetReport, Spend } from './budget.ts';
export type { RetryOptions } from './retry.ts';
export type { CircuitBreakerOptions, CircuitState } from './circuit-breaker.ts';
