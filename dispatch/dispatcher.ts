/**
 * The dispatcher: every model call of a run goes through it. It picks an endpoint (weights, ensembles, circuit
 * breakers), asks the budget, waits for a slot (one p-queue for the run's concurrency, optional per-endpoint
 * queues and request/token rate limits), bounds the call with a per-request timeout, and retries transient faults
 * (408, 409, 429, 5xx, dropped connections, timeouts, malformed bodies) with exponential backoff and jitter,
 * honouring the server's Retry-After. Faults never reach the caller as responses, so none can become a vote.
 * Retrying is bounded twice: by the retries per call, and by `giveUpAfterMs` of silence — once no call has been
 * answered for that long (a dead endpoint, a wrong URL), every call fails, so a run never waits on the circuit
 * breaker's growing cooldowns for good.
 * A call the server rejects for good (400, 401, 403, 404, 422) fails at once and every later call is refused, so
 * the run stops within one call.
 *
 * With one in-process endpoint and no limits configured, a call costs a queue slot and two promise hops: no
 * timers, listeners or allocations beyond the result; and when that backend answers at once (the simulated model,
 * `generateNow`), `dispatchNow` answers without a promise at all, so the simulated model keeps its speed.
 */
import PQueue from 'p-queue';
import { Budget, type BudgetLimits, type BudgetReport, type CallCost, type Spend } from './budget.ts';
import type { CircuitBreakerOptions } from './circuit-breaker.ts';
import { realClock, realSleep, type Clock, type Sleep } from '../core/clock.ts';
import { createEndpoint, EndpointPool, type Endpoint, type EndpointOptions } from './endpoint-pool.ts';
import {
  abortError,
  BudgetExhaustedError,
  InputError,
  isAbortError,
  ModelCallError,
  RetriesExhaustedError,
  TransientModelError,
  type TransientFault,
} from '../core/errors.ts';
import { costOf, type LanguageModel, type ModelRequest, type ModelResponse } from '../core/model.ts';
import { resolveRetryOptions, backoffDelay, type ResolvedRetryOptions, type RetryOptions } from './retry.ts';
import { randomStream, type Random } from '../core/rng.ts';
import { countMessageTokens } from '../models/tokens.ts';

/**
 * What the dispatcher counts as a fault: every transient kind. A response cut at the output cap
 * (`finish_reason: "length"`) is not a fault of the call: it reaches the sampler, which red-flags it as truncated.
 */
export type FaultKind = TransientFault;

/**
 * Faults and retries charged to one voted call, filled in by the dispatcher as they happen. Each run passes its
 * own, so runs sharing a dispatcher each see exactly theirs (never found by diffing shared counters).
 */
export interface CallTally {
  retries: number;
  faults: Record<string, number>;
}

/** A fresh, zeroed tally. */
export function emptyCallTally(): CallTally {
  return { retries: 0, faults: {} };
}

/** Where a call belongs. */
export interface CallContext {
  /** The call's numeric key: its step index for a step task, derived from its id otherwise (`callKey`). */
  readonly step: number;
  readonly sample: number;
  /** The call's id, for fault events. @default String(step) */
  readonly callId?: string | undefined;
  /** Prompt tokens, if the caller already counted them (budgets and token limits need them). @default counted here */
  readonly promptTokens?: number | undefined;
  /** Where this call's faults and retries are charged. @default not charged to any call */
  readonly tally?: CallTally | undefined;
}

/** A response and what it cost. */
export interface DispatchedResponse {
  readonly response: ModelResponse;
  /** US dollars at the answering endpoint's prices. */
  readonly costUsd: number;
  /** Name of the endpoint that answered. */
  readonly endpoint: string;
}

/** What the sampler needs: one call per sample. */
export interface SampleDispatcher {
  dispatch(request: ModelRequest, context: CallContext): Promise<DispatchedResponse>;
  /**
   * The same call, answered synchronously when it can be: one healthy endpoint whose backend answers at once
   * (`generateNow`), no limits, timeout or endpoint queue, and a free slot with nobody waiting for one. Undefined
   * when it cannot (then `dispatch`); a promise when the backend failed and the call continues on the full path
   * (retries, faults).
   */
  dispatchNow?(request: ModelRequest, context: CallContext): DispatchedResponse | Promise<DispatchedResponse> | undefined;
}

/** Counters over the dispatcher's life; updated in place. */
export interface DispatchStats {
  /** Calls sent to an endpoint, retries included. */
  calls: number;
  /** Retries scheduled after transient faults. */
  retries: number;
  /** Faults by kind (kinds never seen are absent). */
  faults: Partial<Record<FaultKind, number>>;
  /** Sum of `faults`. */
  faultCount: number;
  /** Calls aborted by their caller (a decided step's stragglers, an interrupted run) while in flight or waiting. */
  aborted: number;
  /** Times some endpoint's circuit opened. */
  circuitOpens: number;
  /** Usage and cost of every response received, used or not. */
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** One fault, for logs. Never carries a key. */
export interface FaultEvent {
  readonly kind: FaultKind;
  readonly endpoint: string;
  readonly step: number;
  readonly sample: number;
  readonly message: string;
  /** Milliseconds until the retry, or undefined when none follows. */
  readonly retryInMs: number | undefined;
}

/** Options of {@link createDispatcher}. Give `model` or `endpoints`. */
export interface DispatcherOptions {
  /** A single backend. */
  readonly model?: LanguageModel;
  /** Several endpoints (weights, limits, groups). */
  readonly endpoints?: readonly (EndpointOptions | LanguageModel)[];
  /** Deal samples across the endpoint groups, so votes come from several models. @default false */
  readonly ensemble?: boolean;
  /** Calls in flight at once, over all endpoints. @default 1 */
  readonly concurrency?: number;
  /** Retry policy for transient faults. @default 8 retries from 500 ms, doubling, capped at 30 s, half jitter */
  readonly retry?: RetryOptions;
  /**
   * Longest silence, in milliseconds: once calls have been failing with transient faults and none has been
   * answered for this long, every call gives up with a `RetriesExhaustedError` (`silentForMs` set) instead of
   * retrying on. Backoff and circuit-breaker waits are cut at that deadline. 0 waits for ever. @default 45000
   */
  readonly giveUpAfterMs?: number;
  /** Circuit breaker per endpoint. @default open after 5 failures in a row, 10 s cooldown */
  readonly circuitBreaker?: CircuitBreakerOptions;
  /** Caps on calls, tokens, dollars and wall time. @default none */
  readonly budget?: BudgetLimits;
  /** Spend carried over from an earlier part of the run (a resume). @default nothing */
  readonly alreadySpent?: Partial<Spend>;
  /** Per-request timeout for endpoints that set none, in milliseconds; 0 for none. @default 0 */
  readonly timeoutMs?: number;
  /** Seed of the random source for jitter and endpoint choice. @default 0 */
  readonly seed?: number;
  /** Random source for jitter and endpoint choice. @default a stream seeded from `seed` */
  readonly random?: Random;
  /** @default the real monotonic clock */
  readonly clock?: Clock;
  /** @default a real timer */
  readonly sleep?: Sleep;
  /** Told about every fault. Must be cheap. */
  readonly onFault?: (event: FaultEvent) => void;
}

/** The dispatcher of a run. */
export interface Dispatcher extends SampleDispatcher {
  /** The model id, or the ids of every model joined by `+`. */
  readonly id: string;
  readonly stats: DispatchStats;
  readonly endpoints: readonly Endpoint[];
  /** Caps and spend. */
  budget(): BudgetReport;
  /** The cap that refused a call, once one has; the run should stop. */
  readonly exhausted: BudgetExhaustedError | undefined;
  /** Milliseconds since calls began failing with no call answered since; 0 while calls are answered. */
  silentForMs(): number;
}

/** Fresh, zeroed stats. */
export function emptyDispatchStats(): DispatchStats {
  return { calls: 0, retries: 0, faults: {}, faultCount: 0, aborted: 0, circuitOpens: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
}

/** Why a per-request timer is cancelled: its call ended first. */
const CANCELLED = abortError();

const DISPATCH_STREAM = 0x64737063; // "dspc": keeps the dispatcher's draws apart from the samples' seeds

/**
 * Silence after which calls give up, in milliseconds (see `giveUpAfterMs`): with start-up and the first
 * attempts, a command against a dead endpoint ends within a minute.
 */
export const DEFAULT_GIVE_UP_AFTER_MS = 45_000;

/** Builds a dispatcher; options are validated here, quoting any bad value. */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  if ((options.model === undefined) === (options.endpoints === undefined)) {
    throw new InputError('Expected exactly one of `model` and `endpoints` in the dispatcher options, got ' + (options.model === undefined ? 'neither' : 'both'));
  }
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InputError(`Expected \`concurrency\` to be an integer >= 1, got \`${concurrency}\``);
  const timeoutMs = options.timeoutMs ?? 0;
  if (!(timeoutMs >= 0 && Number.isFinite(timeoutMs))) throw new InputError(`Expected \`timeoutMs\` to be a number >= 0, got \`${timeoutMs}\``);
  const retry = resolveRetryOptions(options.retry);
  const giveUpAfterMs = options.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS;
  if (!(giveUpAfterMs >= 0 && Number.isFinite(giveUpAfterMs))) throw new InputError(`Expected \`giveUpAfterMs\` to be a number >= 0, got \`${giveUpAfterMs}\``);
  const clock = options.clock ?? realClock;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? randomStream(options.seed ?? 0, DISPATCH_STREAM);
  const ensemble = options.ensemble ?? false;
  const context = { clock, sleep, random, timeoutMs, circuitBreaker: options.circuitBreaker ?? {}, ensemble, giveUpAfterMs };
  const endpoints = (options.endpoints ?? [options.model!]).map((endpoint) => createEndpoint(endpoint, context));
  const names = new Set<string>();
  for (const endpoint of endpoints) {
    if (names.has(endpoint.name)) throw new InputError(`Expected endpoint names to be unique, got \`${endpoint.name}\` twice`);
    names.add(endpoint.name);
  }
  const pool = new EndpointPool(endpoints, context);
  const budget = new Budget(options.budget ?? {}, clock, options.alreadySpent);
  return new RunDispatcher(pool, new PQueue({ concurrency }), concurrency, retry, budget, context, options.onFault);
}

class RunDispatcher implements Dispatcher {
  readonly id: string;
  readonly stats = emptyDispatchStats();
  readonly endpoints: readonly Endpoint[];
  exhausted: BudgetExhaustedError | undefined;
  readonly #pool: EndpointPool;
  readonly #queue: PQueue;
  readonly #concurrency: number;
  readonly #retry: ResolvedRetryOptions;
  readonly #budget: Budget;
  readonly #limited: boolean;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #random: Random;
  readonly #onFault: ((event: FaultEvent) => void) | undefined;
  readonly #giveUpAfterMs: number;
  /** When calls began failing with none answered since; undefined while calls are answered. */
  #failingSince: number | undefined;
  /** Transient faults since then, and the last of them. */
  #silentFaults = 0;
  #lastFault: TransientModelError | undefined;
  /** The one endpoint, when it needs no more than a queue slot (no timeout, limits or endpoint queue). */
  readonly #simple: Endpoint | undefined;
  #fatal: ModelCallError | undefined;
  #lastMessages: ModelRequest['messages'] | undefined;
  #lastTokens = 0;

  constructor(
    pool: EndpointPool,
    queue: PQueue,
    concurrency: number,
    retry: ResolvedRetryOptions,
    budget: Budget,
    context: { clock: Clock; sleep: Sleep; random: Random; giveUpAfterMs: number },
    onFault: ((event: FaultEvent) => void) | undefined,
  ) {
    this.#giveUpAfterMs = context.giveUpAfterMs;
    this.#pool = pool;
    this.endpoints = pool.endpoints;
    this.id = [...new Set(pool.endpoints.map((endpoint) => endpoint.model.id))].join('+');
    this.#queue = queue;
    this.#concurrency = concurrency;
    this.#retry = retry;
    this.#budget = budget;
    this.#limited = budget.limited;
    this.#clock = context.clock;
    this.#sleep = context.sleep;
    this.#random = context.random;
    this.#onFault = onFault;
    const only = pool.endpoints.length === 1 ? pool.endpoints[0]! : undefined;
    const simple = only !== undefined && only.timeoutMs === 0 && only.requests === undefined && only.tokens === undefined && only.queue === undefined;
    this.#simple = simple ? only : undefined;
  }

  budget(): BudgetReport {
    return this.#budget.report();
  }

  silentForMs(): number {
    return this.#failingSince === undefined ? 0 : this.#clock() - this.#failingSince;
  }

  /** Milliseconds left before calls give up for silence; infinite while calls are answered or with no limit. */
  #untilGiveUp(): number {
    if (this.#failingSince === undefined || this.#giveUpAfterMs === 0) return Number.POSITIVE_INFINITY;
    return this.#giveUpAfterMs - this.silentForMs();
  }

  #giveUp(errors: readonly TransientModelError[]): RetriesExhaustedError {
    return new RetriesExhaustedError(errors.length > 0 ? errors : [this.#lastFault!], { silentForMs: this.silentForMs(), failedAttempts: this.#silentFaults });
  }

  dispatch(request: ModelRequest, context: CallContext): Promise<DispatchedResponse> {
    const only = this.#simple;
    if (only === undefined || this.#limited || this.#fatal !== undefined || !only.breaker.closed) return this.#dispatch(request, context, undefined);
    // The fast path: one endpoint with no timeout or limits, healthy. A failure continues on the full path.
    this.stats.calls++;
    only.stats.calls++;
    this.#budget.countCall();
    return this.#queue.add(() => callModel(only.model, request)).then(
      (response) => this.#received(only, response, undefined),
      (error: unknown) => this.#dispatch(request, context, { endpoint: only, error }),
    );
  }

  dispatchNow(request: ModelRequest, context: CallContext): DispatchedResponse | Promise<DispatchedResponse> | undefined {
    const only = this.#simple;
    if (only?.model.generateNow === undefined || this.#limited || this.#fatal !== undefined || !only.breaker.closed || request.signal?.aborted) return undefined;
    // Never overtake a call waiting for a slot, nor exceed the concurrency while other calls are in flight.
    if (this.#queue.size > 0 || this.#queue.pending >= this.#concurrency) return undefined;
    this.stats.calls++;
    only.stats.calls++;
    this.#budget.countCall();
    let response: ModelResponse;
    try {
      response = only.model.generateNow(request);
    } catch (error) {
      return this.#dispatch(request, context, { endpoint: only, error });
    }
    return this.#received(only, response, undefined);
  }

  /** The full path: endpoint choice, budget, limits, timeout, retries. `failed` is a fast-path attempt that failed. */
  async #dispatch(request: ModelRequest, context: CallContext, failed: { endpoint: Endpoint; error: unknown } | undefined): Promise<DispatchedResponse> {
    const group = this.#pool.groupOf(context.step, context.sample);
    const errors: TransientModelError[] = [];
    let avoid: Endpoint | undefined;
    for (;;) {
      let endpoint: Endpoint | undefined;
      let worst: CallCost | undefined;
      let error: unknown;
      if (failed !== undefined) {
        ({ endpoint, error } = failed);
        failed = undefined;
      } else {
        if (this.#fatal !== undefined) throw this.#fatal;
        if (request.signal?.aborted) {
          this.stats.aborted++;
          throw abortError();
        }
        const left = this.#untilGiveUp();
        if (left <= 0) throw this.#giveUp(errors);
        endpoint = this.#pool.pick(group, this.#clock(), avoid);
        if (endpoint === undefined) {
          await this.#waitForEndpoint(group, left, request.signal);
          continue;
        }
        if (this.#limited) {
          worst = this.#worstCase(endpoint, request, context);
          const refused = this.#budget.reserve(worst);
          if (refused !== undefined) {
            const spent = this.#budget.spent();
            this.exhausted ??= new BudgetExhaustedError(refused, Number(spent[refused].toFixed(6)), this.#budget.limits[refused]!);
            throw this.exhausted;
          }
        } else {
          this.#budget.countCall();
        }
        this.stats.calls++;
        endpoint.stats.calls++;
        endpoint.breaker.onRequest(this.#clock());
        try {
          const response = await this.#call(endpoint, request, context, worst);
          return this.#received(endpoint, response, worst);
        } catch (caught) {
          error = caught;
        }
      }
      const transient = this.#failed(endpoint, request, error, worst);
      errors.push(transient);
      if (errors.length > this.#retry.retries) {
        this.#fault(transient.fault, endpoint, context, transient.message, undefined);
        throw new RetriesExhaustedError(errors);
      }
      const left = this.#untilGiveUp();
      if (left <= 0) {
        this.#fault(transient.fault, endpoint, context, transient.message, undefined);
        throw this.#giveUp(errors);
      }
      const delay = Math.min(left, backoffDelay(errors.length, this.#retry, this.#random, transient.retryAfterMs));
      this.#fault(transient.fault, endpoint, context, transient.message, delay);
      this.stats.retries++;
      if (context.tally !== undefined) context.tally.retries++;
      try {
        await this.#sleep(delay, request.signal);
      } catch (sleepError) {
        if (isAbortError(sleepError)) this.stats.aborted++;
        throw sleepError;
      }
      avoid = endpoint;
    }
  }

  /** Accounts a response and closes its endpoint's circuit. */
  #received(endpoint: Endpoint, response: ModelResponse, worst: CallCost | undefined): DispatchedResponse {
    endpoint.breaker.onSuccess();
    if (this.#failingSince !== undefined) {
      this.#failingSince = undefined;
      this.#silentFaults = 0;
    }
    this.#pool.notify();
    const { promptTokens, completionTokens } = response.usage;
    const costUsd = costOf(response.usage, endpoint.model.pricing);
    this.stats.promptTokens += promptTokens;
    this.stats.completionTokens += completionTokens;
    this.stats.costUsd += costUsd;
    if (worst !== undefined) this.#budget.release(worst);
    this.#budget.record(promptTokens + completionTokens, costUsd);
    return { response, costUsd, endpoint: endpoint.name };
  }

  /** Classifies a failed call: rethrows what must not be retried, returns the transient fault otherwise. */
  #failed(endpoint: Endpoint, request: ModelRequest, error: unknown, worst: CallCost | undefined): TransientModelError {
    const usage = error instanceof TransientModelError ? error.usage : undefined;
    const actual =
      usage === undefined
        ? undefined
        : { tokens: usage.promptTokens + usage.completionTokens, dollars: costOf(usage, endpoint.model.pricing) };
    if (worst !== undefined) this.#budget.release(worst);
    if (actual !== undefined) this.#budget.record(actual.tokens, actual.dollars);
    if (actual !== undefined) {
      this.stats.promptTokens += usage!.promptTokens;
      this.stats.completionTokens += usage!.completionTokens;
      this.stats.costUsd += actual.dollars;
    }
    if (error instanceof TransientModelError) {
      this.#failingSince ??= this.#clock();
      this.#silentFaults++;
      this.#lastFault = error;
      const opened = endpoint.breaker.opened;
      endpoint.breaker.onFailure(this.#clock());
      if (endpoint.breaker.opened !== opened) {
        this.stats.circuitOpens++;
        endpoint.stats.circuitOpens++;
      }
      this.#pool.notify();
      return error;
    }
    endpoint.breaker.onRelease();
    this.#pool.notify();
    if (isAbortError(error) && request.signal?.aborted) {
      this.stats.aborted++;
      throw error;
    }
    if (error instanceof ModelCallError) {
      this.#fatal ??= error;
      throw error;
    }
    throw error;
  }

  #fault(kind: FaultKind, endpoint: Endpoint, context: CallContext, message: string, retryInMs: number | undefined): void {
    this.stats.faults[kind] = (this.stats.faults[kind] ?? 0) + 1;
    this.stats.faultCount++;
    if (context.tally !== undefined) context.tally.faults[kind] = (context.tally.faults[kind] ?? 0) + 1;
    endpoint.stats.faults++;
    this.#onFault?.({ kind, endpoint: endpoint.name, step: context.step, sample: context.sample, message, retryInMs });
  }

  /** A call with everything the fast path leaves out: endpoint queue, rate limits, timeout. */
  #call(endpoint: Endpoint, request: ModelRequest, context: CallContext, worst: CallCost | undefined): Promise<ModelResponse> {
    const estimate = endpoint.tokens === undefined ? 0 : (worst?.tokens ?? this.#promptTokens(request, context) + request.maxOutputTokens);
    const run = async (): Promise<ModelResponse> => {
      if (endpoint.requests !== undefined) await endpoint.requests.take(1, request.signal);
      if (endpoint.tokens !== undefined) await endpoint.tokens.take(estimate, request.signal);
      const response = await (endpoint.timeoutMs > 0 ? this.#withTimeout(endpoint, request) : callModel(endpoint.model, request));
      if (endpoint.tokens !== undefined) endpoint.tokens.refund(estimate - response.usage.promptTokens - response.usage.completionTokens);
      return response;
    };
    const slot = endpoint.queue === undefined ? run : () => endpoint.queue!.add(run);
    return this.#queue.add(slot);
  }

  /** Runs the call under the endpoint's timeout; a call that overruns is aborted and becomes a `timeout` fault. */
  #withTimeout(endpoint: Endpoint, request: ModelRequest): Promise<ModelResponse> {
    if (request.signal?.aborted) return Promise.reject(abortError());
    const timer = new AbortController();
    const call = new AbortController();
    // The caller's abort is forwarded by one listener, removed when the call ends (AbortSignal.any costs far more).
    const outer = request.signal;
    const forward = () => call.abort();
    outer?.addEventListener('abort', forward, { once: true });
    const signal = call.signal;
    let timedOut = false;
    // Cancelled after every call that beats its timeout: a prepared reason spares a DOMException per call.
    this.#sleep(endpoint.timeoutMs, timer.signal).then(
      () => {
        timedOut = true;
        call.abort();
      },
      () => undefined,
    );
    return endpoint.model.generate({ ...request, signal }).then(
      (response) => {
        timer.abort(CANCELLED);
        outer?.removeEventListener('abort', forward);
        return response;
      },
      (error: unknown) => {
        timer.abort(CANCELLED);
        outer?.removeEventListener('abort', forward);
        if (timedOut && !request.signal?.aborted) {
          throw new TransientModelError(endpoint.name, 'timeout', `no response within ${endpoint.timeoutMs} ms`, { cause: error });
        }
        throw error;
      },
    );
  }

  /**
   * Waits until some endpoint of the group may be called again: a cooldown ends, a breaker changes, the caller
   * gives up, or the silence reaches `giveUpAfterMs`. `left` is the time to that deadline as the caller checked it
   * (> 0): read again here, the clock may already be past it, and a wait with no timer would hang on the breaker.
   * A cooldown of 0 means the group waits on a trial in flight: the breaker's change or the deadline ends it.
   */
  async #waitForEndpoint(group: number, left: number, signal: AbortSignal | undefined): Promise<void> {
    const cooldown = this.#pool.waitMs(group, this.#clock());
    const wait = Math.min(cooldown > 0 ? cooldown : Number.POSITIVE_INFINITY, left);
    const stop = new AbortController();
    const waits: Promise<unknown>[] = [this.#pool.changed()];
    if (Number.isFinite(wait)) waits.push(this.#sleep(wait, stop.signal).catch(() => undefined));
    const onAbort = () => stop.abort();
    if (signal !== undefined) {
      waits.push(new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true })));
      signal.addEventListener('abort', onAbort, { once: true });
    }
    try {
      await Promise.race(waits);
    } finally {
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #promptTokens(request: ModelRequest, context: CallContext): number {
    if (context.promptTokens !== undefined) return context.promptTokens;
    // The sampler sends one messages array for every sample of a step: count it once.
    if (request.messages !== this.#lastMessages) {
      this.#lastMessages = request.messages;
      this.#lastTokens = countMessageTokens(request.messages);
    }
    return this.#lastTokens;
  }

  #worstCase(endpoint: Endpoint, request: ModelRequest, context: CallContext): CallCost {
    const promptTokens = this.#promptTokens(request, context);
    return {
      tokens: promptTokens + request.maxOutputTokens,
      dollars: costOf({ promptTokens, completionTokens: request.maxOutputTokens }, endpoint.model.pricing),
    };
  }
}

/** Calls a backend, refusing at once when the caller has already given up (a straggler that waited for a slot). */
function callModel(model: LanguageModel, request: ModelRequest): Promise<ModelResponse> {
  if (request.signal?.aborted) return Promise.reject(abortError());
  return model.generate(request);
}
