/**
 * A pool of endpoints: where each call goes. Endpoints are grouped (by default one group per model); without an
 * ensemble every endpoint serves every call, with an ensemble each sample is dealt to one group (see
 * `ensemble.ts`). Within a group a call goes to a healthy endpoint chosen by weight; an endpoint whose circuit is
 * open is skipped, and a retry prefers a different endpoint from the one that just failed (failover).
 */
import PQueue from 'p-queue';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.ts';
import type { Clock, Sleep } from '../core/clock.ts';
import { ensembleCycle, ensembleMember } from './ensemble.ts';
import { InputError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import { TokenBucket } from './rate-limit.ts';
import type { Random } from '../core/rng.ts';

/** One endpoint: a backend plus how calls to it are shared out and limited. */
export interface EndpointOptions {
  /** The backend (an `openai:` model for a real endpoint). */
  readonly model: LanguageModel;
  /** Name in messages and stats; must not contain a key. @default the model's id */
  readonly name?: string;
  /** Ensemble member this endpoint serves; endpoints of one group fail over to each other. @default the model's id */
  readonly group?: string;
  /** Share of its group's calls (and, in an ensemble, of the group's samples). @default 1 */
  readonly weight?: number;
  /** Requests per minute. @default unlimited */
  readonly requestsPerMinute?: number;
  /** Tokens per minute, counting a call's prompt and its output cap until the server reports usage. @default unlimited */
  readonly tokensPerMinute?: number;
  /** Calls in flight at once on this endpoint, within the dispatcher's overall limit. @default unlimited */
  readonly concurrency?: number;
  /** Per-request timeout in milliseconds; 0 for none. @default the dispatcher's `timeoutMs` */
  readonly timeoutMs?: number;
}

/** Per-endpoint counters. */
export interface EndpointStats {
  calls: number;
  faults: number;
  circuitOpens: number;
}

/** An endpoint with its defaults applied and its breaker, limiters and queue built. */
export interface Endpoint {
  readonly name: string;
  readonly group: string;
  readonly weight: number;
  readonly model: LanguageModel;
  readonly timeoutMs: number;
  readonly breaker: CircuitBreaker;
  readonly requests: TokenBucket | undefined;
  readonly tokens: TokenBucket | undefined;
  readonly queue: PQueue | undefined;
  readonly stats: EndpointStats;
}

/** What the pool needs to build endpoints. */
export interface PoolContext {
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly random: Random;
  readonly timeoutMs: number;
  readonly circuitBreaker: CircuitBreakerOptions;
  /** Deal samples to groups (an ensemble) instead of letting every endpoint serve every call. */
  readonly ensemble: boolean;
}

function optionalPositive(name: string, endpoint: string, value: number | undefined): void {
  if (value !== undefined && !(value > 0 && Number.isFinite(value))) {
    throw new InputError(`Expected \`${name}\` of endpoint \`${endpoint}\` to be a number > 0, got \`${value}\``);
  }
}

/** Resolves and validates one endpoint. */
export function createEndpoint(options: EndpointOptions | LanguageModel, context: PoolContext): Endpoint {
  const spec: EndpointOptions = 'generate' in options ? { model: options } : options;
  const name = spec.name ?? spec.model.id;
  const weight = spec.weight ?? 1;
  if (!(weight > 0 && Number.isFinite(weight))) throw new InputError(`Expected \`weight\` of endpoint \`${name}\` to be a number > 0, got \`${weight}\``);
  optionalPositive('requestsPerMinute', name, spec.requestsPerMinute);
  optionalPositive('tokensPerMinute', name, spec.tokensPerMinute);
  if (spec.concurrency !== undefined && !(Number.isInteger(spec.concurrency) && spec.concurrency >= 1)) {
    throw new InputError(`Expected \`concurrency\` of endpoint \`${name}\` to be an integer >= 1, got \`${spec.concurrency}\``);
  }
  const timeoutMs = spec.timeoutMs ?? context.timeoutMs;
  if (!(timeoutMs >= 0 && Number.isFinite(timeoutMs))) throw new InputError(`Expected \`timeoutMs\` of endpoint \`${name}\` to be a number >= 0, got \`${timeoutMs}\``);
  const bucket = (perMinute: number | undefined) =>
    perMinute === undefined ? undefined : new TokenBucket({ perMinute, clock: context.clock, sleep: context.sleep });
  return {
    name,
    group: spec.group ?? spec.model.id,
    weight,
    model: spec.model,
    timeoutMs,
    breaker: new CircuitBreaker(context.circuitBreaker),
    requests: bucket(spec.requestsPerMinute),
    tokens: bucket(spec.tokensPerMinute),
    queue: spec.concurrency === undefined ? undefined : new PQueue({ concurrency: spec.concurrency }),
    stats: { calls: 0, faults: 0, circuitOpens: 0 },
  };
}

/** The endpoints of a dispatcher, grouped, with health-aware weighted choice. */
export class EndpointPool {
  readonly endpoints: readonly Endpoint[];
  /** Endpoints by group, in first-seen order. */
  readonly groups: readonly (readonly Endpoint[])[];
  readonly #cycle: readonly number[] | undefined;
  readonly #random: Random;
  #changed: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(endpoints: readonly Endpoint[], context: Pick<PoolContext, 'random' | 'ensemble'>) {
    if (endpoints.length === 0) throw new InputError('Expected at least one endpoint, got none');
    this.endpoints = endpoints;
    const byGroup = new Map<string, Endpoint[]>();
    for (const endpoint of endpoints) {
      const members = byGroup.get(endpoint.group) ?? [];
      members.push(endpoint);
      byGroup.set(endpoint.group, members);
    }
    this.groups = context.ensemble ? [...byGroup.values()] : [endpoints];
    this.#cycle = context.ensemble ? ensembleCycle(this.groups.map((group) => Math.round(group.reduce((sum, e) => sum + e.weight, 0)))) : undefined;
    this.#random = context.random;
  }

  /** The group that serves sample `sample` of step `step`. */
  groupOf(step: number, sample: number): number {
    return this.#cycle === undefined ? 0 : ensembleMember(this.#cycle, step, sample);
  }

  /**
   * A healthy endpoint of the group, chosen by weight, preferring any other than `avoid`; undefined when every
   * endpoint of the group is open (or holding its one half-open trial).
   */
  pick(group: number, now: number, avoid?: Endpoint): Endpoint | undefined {
    const members = this.groups[group]!;
    if (members.length === 1) {
      const only = members[0]!;
      return only.breaker.canRequest(now) ? only : undefined;
    }
    let total = 0;
    let fallback: Endpoint | undefined;
    for (const endpoint of members) {
      if (!endpoint.breaker.canRequest(now)) continue;
      if (endpoint === avoid) fallback = endpoint;
      else total += endpoint.weight;
    }
    if (total === 0) return fallback;
    let draw = this.#random() * total;
    let chosen: Endpoint | undefined;
    for (const endpoint of members) {
      if (endpoint === avoid || !endpoint.breaker.canRequest(now)) continue;
      chosen = endpoint;
      draw -= endpoint.weight;
      if (draw < 0) break;
    }
    return chosen;
  }

  /** Milliseconds until some endpoint of the group lets a call through; 0 when one waits only on a trial in flight. */
  waitMs(group: number, now: number): number {
    let wait = Number.POSITIVE_INFINITY;
    for (const endpoint of this.groups[group]!) wait = Math.min(wait, endpoint.breaker.waitMs(now));
    return wait;
  }

  /** Resolves at the next breaker change ({@link notify}). */
  changed(): Promise<void> {
    if (this.#changed === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#changed = { promise, resolve };
    }
    return this.#changed.promise;
  }

  /** Wakes callers waiting on {@link changed}. */
  notify(): void {
    const changed = this.#changed;
    if (changed === undefined) return;
    this.#changed = undefined;
    changed.resolve();
  }
}
