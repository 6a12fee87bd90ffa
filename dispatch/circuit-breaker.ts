/**
 * A circuit breaker per endpoint: after `failureThreshold` transient failures in a row the endpoint is *open*
 * (skipped) for a cooldown; then *half-open*, letting one trial call through; the trial's success closes it, its
 * failure opens it again for twice as long (up to `maxCooldownMs`). Time comes from an injected clock.
 */
import { InputError } from '../core/errors.ts';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive transient failures that open the circuit. @default 5 */
  readonly failureThreshold?: number;
  /** First cooldown of an open circuit, in milliseconds. @default 10000 */
  readonly cooldownMs?: number;
  /** Longest cooldown after repeated failed trials, in milliseconds. @default 300000 */
  readonly maxCooldownMs?: number;
}

/** The breaker's options with every default applied. */
export type ResolvedCircuitBreakerOptions = Required<CircuitBreakerOptions>;

/** Applies defaults and validates, quoting any bad value. */
export function resolveCircuitBreakerOptions(options: CircuitBreakerOptions = {}): ResolvedCircuitBreakerOptions {
  const resolved = {
    failureThreshold: options.failureThreshold ?? 5,
    cooldownMs: options.cooldownMs ?? 10_000,
    maxCooldownMs: options.maxCooldownMs ?? 300_000,
  };
  if (!Number.isInteger(resolved.failureThreshold) || resolved.failureThreshold < 1) {
    throw new InputError(`Expected \`failureThreshold\` to be an integer >= 1, got \`${resolved.failureThreshold}\``);
  }
  for (const name of ['cooldownMs', 'maxCooldownMs'] as const) {
    if (!(resolved[name] >= 0 && Number.isFinite(resolved[name]))) throw new InputError(`Expected \`${name}\` to be a number >= 0, got \`${resolved[name]}\``);
  }
  return resolved;
}

/** Where a breaker stands. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** One endpoint's breaker. */
export class CircuitBreaker {
  readonly #options: ResolvedCircuitBreakerOptions;
  #state: CircuitState = 'closed';
  #failures = 0;
  #cooldownMs: number;
  #openUntil = 0;
  #trialInFlight = false;
  /** Times the circuit opened. */
  opened = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#options = resolveCircuitBreakerOptions(options);
    this.#cooldownMs = this.#options.cooldownMs;
  }

  /** True while closed: calls flow freely (readable without a clock, for the dispatcher's fast path). */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** The state at time `now` (an open circuit whose cooldown is over reads as half-open). */
  state(now: number): CircuitState {
    if (this.#state === 'open' && now >= this.#openUntil) return 'half-open';
    return this.#state;
  }

  /** True when a call may go to this endpoint now; in half-open state only one trial at a time. */
  canRequest(now: number): boolean {
    const state = this.state(now);
    return state === 'closed' || (state === 'half-open' && !this.#trialInFlight);
  }

  /** Milliseconds until the circuit lets a trial through (0 when it already would). */
  waitMs(now: number): number {
    return this.#state === 'open' ? Math.max(0, this.#openUntil - now) : 0;
  }

  /** Records that a call was sent; in half-open state it is the trial. */
  onRequest(now: number): void {
    if (this.state(now) === 'half-open') {
      this.#state = 'half-open';
      this.#trialInFlight = true;
    }
  }

  /** A call succeeded: the circuit closes and the cooldown resets. */
  onSuccess(): void {
    this.#state = 'closed';
    this.#failures = 0;
    this.#trialInFlight = false;
    this.#cooldownMs = this.#options.cooldownMs;
  }

  /** A call failed transiently at time `now`. */
  onFailure(now: number): void {
    if (this.#state === 'half-open') {
      this.#trialInFlight = false;
      this.#cooldownMs = Math.min(this.#cooldownMs * 2, this.#options.maxCooldownMs);
      this.#open(now);
      return;
    }
    this.#failures++;
    if (this.#state === 'closed' && this.#failures >= this.#options.failureThreshold) this.#open(now);
  }

  /** A call ended without a verdict on the endpoint (aborted by its caller): frees a half-open trial slot. */
  onRelease(): void {
    this.#trialInFlight = false;
  }

  #open(now: number): void {
    this.#state = 'open';
    this.#openUntil = now + this.#cooldownMs;
    this.#failures = 0;
    this.opened++;
  }
}
