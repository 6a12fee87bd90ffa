/**
 * The sampler: votes on one step. It issues the first k samples in parallel, then only as many more as could
 * still decide the race (k minus the leader's margin), replacing red-flagged samples as they come back.
 * Results are folded into the race in sample-index order, whatever order they complete in, so the outcome
 * depends only on each sample's response: with per-sample seeds, the same run seed gives the same votes even
 * against an endpoint with jittery latency. Samples still in flight when the step decides are aborted and
 * never counted.
 */
import type { CallContext, CallTally, DispatchedResponse, SampleDispatcher } from '../dispatch/dispatcher.ts';
import { isAbortError } from '../core/errors.ts';
import type { ChatMessage, ModelRequest, ModelResponse, ToolChoice, ToolSpec } from '../core/model.ts';
import { mixSeed } from '../core/rng.ts';
import type { ParseResult } from '../core/task.ts';
import { AheadByKRace } from './ahead-by-k.ts';
import { classifyResponse, type RedFlagRule } from './red-flags.ts';
import type { TemperatureSchedule } from './temperature.ts';

/** Options of {@link voteStep}; the scheduler resolves and validates them once per run. */
export interface VoteStepOptions<V> {
  /** Where every sample's call goes: retries, limits and budgets live there, out of the voting logic. */
  readonly dispatcher: SampleDispatcher;
  readonly messages: readonly ChatMessage[];
  /** A pure function of the text: a step parses a text its samples repeat once. */
  readonly parse: (text: string) => ParseResult<V>;
  /**
   * Parses the whole response (its text and its tool calls) instead of `parse`: a voted tool-calling turn keys
   * on its calls. A rejection is red-flagged like an unparseable text. @default `parse` of the response's text
   */
  readonly parseResponse?: (response: ModelResponse) => ParseResult<V>;
  /** Tools offered with every sample. @default none */
  readonly tools?: readonly ToolSpec[];
  /** Tool choice sent with every sample (only with `tools`). @default the backend's */
  readonly toolChoice?: ToolChoice;
  /** Voting margin. */
  readonly k: number;
  /** The run seed; each sample's seed is derived from (run seed, step, sample index). */
  readonly seed: number;
  /** The call's numeric key (a step task's step index), for seeds and ensemble rotation. */
  readonly step: number;
  /** The call's id, for fault events. @default String(step) */
  readonly callId?: string;
  /** Where the dispatcher charges this call's faults and retries; kept by the caller, so they survive a failed vote. */
  readonly tally?: CallTally;
  readonly redFlags: readonly RedFlagRule[];
  readonly temperature: TemperatureSchedule;
  /** Output-token cap per call. */
  readonly maxOutputTokens: number;
  /** Samples (valid or not) after which the step gives up. */
  readonly maxSamples: number;
  /** Prompt tokens of `messages`, if already counted; passed on to the dispatcher. */
  readonly promptTokens?: number;
  readonly signal?: AbortSignal | undefined;
}

/** What voting on one step cost and saw. */
export interface VoteStats {
  /** Calls that returned a response (valid or red-flagged). */
  readonly samples: number;
  /** Valid votes counted. */
  readonly votes: number;
  /** Times the sampler issued a batch of calls (the first k count as one). */
  readonly rounds: number;
  /** Calls aborted because the step no longer needed them. */
  readonly aborted: number;
  /** Red-flagged responses, by rule. */
  readonly redFlags: Readonly<Record<string, number>>;
  readonly tally: ReadonlyMap<string, number>;
  /** Keys of valid votes in sample order. */
  readonly voteKeys: readonly string[];
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Sum of the calls' latencies, in milliseconds. */
  readonly latencyMs: number;
}

/** The outcome of voting on a step. */
export type VoteOutcome<V> =
  | ({ readonly kind: 'decided'; readonly key: string; readonly value: V } & VoteStats)
  | ({ readonly kind: 'exhausted' } & VoteStats);

type Settled = { readonly ok: true; readonly result: DispatchedResponse } | { readonly ok: false; readonly error: unknown };

/** Samples and votes until one answer leads every other by k, or the sample cap is reached. */
export function voteStep<V>(options: VoteStepOptions<V>): Promise<VoteOutcome<V>> {
  const outcome = voteStepNow(options);
  return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
}

/**
 * {@link voteStep}, returning the outcome itself when the step was decided without waiting: every sample answered
 * at once by the dispatcher (`dispatchNow`, the simulated model). Then no promise, abort controller or listener
 * is made for the step; they are made only for samples that go out on the asynchronous path.
 */
export function voteStepNow<V>(options: VoteStepOptions<V>): VoteOutcome<V> | Promise<VoteOutcome<V>> {
  if (options.signal?.aborted === true) return Promise.reject(options.signal.reason);
  return new StepVote(options).run();
}

/** One step's vote in progress. A class, not a closure: a step makes one object, not a dozen functions. */
class StepVote<V> {
  readonly #options: VoteStepOptions<V>;
  readonly #race: AheadByKRace;
  readonly #now: SampleDispatcher['dispatchNow'];
  readonly #toolFields: Pick<ModelRequest, 'tools' | 'toolChoice'> | undefined;
  /** Answers not yet folded in, by sample index. */
  readonly #pending: Array<Settled | undefined> = [];
  readonly #values = new Map<string, V>();
  readonly #voteKeys: string[] = [];
  readonly #flags: Record<string, number> = {};
  #issued = 0;
  #processed = 0;
  #rounds = 0;
  #samples = 0;
  #promptTokens = 0;
  #completionTokens = 0;
  #costUsd = 0;
  #latencyMs = 0;
  /**
   * The last text parsed and what it parsed to: a step's samples mostly answer with the same text, and parsing is
   * a pure function of it, so a repeat is not parsed again. Per step, so no parsed value outlives its step.
   */
  #lastText: string | undefined;
  #lastParsed: ParseResult<V> | undefined;
  #result: VoteOutcome<V> | { error: unknown } | undefined;
  /**
   * Made for the first sample that goes out asynchronously: it aborts the step's stragglers once the step ends.
   * The caller's signal is linked by one listener, removed when the step ends. AbortSignal.any would cost ~13 us
   * a step and, on Node 20, leave every step's composite signal referenced from the run's signal for good.
   */
  #controller: AbortController | undefined;
  #settle: { resolve: (outcome: VoteOutcome<V>) => void; reject: (error: unknown) => void } | undefined;

  constructor(options: VoteStepOptions<V>) {
    this.#options = options;
    this.#race = new AheadByKRace(options.k);
    this.#now = options.dispatcher.dispatchNow;
    this.#toolFields = toolFieldsOf(options);
  }

  run(): VoteOutcome<V> | Promise<VoteOutcome<V>> {
    this.#topUp();
    this.#advance();
    const result = this.#result;
    if (result !== undefined) return 'error' in result ? Promise.reject(result.error) : result;
    return new Promise<VoteOutcome<V>>((resolve, reject) => (this.#settle = { resolve, reject }));
  }

  /** Reacts to the caller's signal. */
  handleEvent(): void {
    this.#controller?.abort(this.#options.signal?.reason);
  }

  #stepSignal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      this.#options.signal?.addEventListener('abort', this, { once: true });
    }
    return this.#controller.signal;
  }

  /** The outcome with the stats so far: decided for `key`, or exhausted. Written out whole: a spread costs more. */
  #outcome(kind: VoteOutcome<V>['kind'], key: string | undefined): VoteOutcome<V> {
    const aborted = this.#issued - this.#processed;
    if (kind === 'exhausted') {
      return {
        kind,
        samples: this.#samples,
        votes: this.#race.votes,
        rounds: this.#rounds,
        aborted,
        redFlags: this.#flags,
        tally: this.#race.tally,
        voteKeys: this.#voteKeys,
        promptTokens: this.#promptTokens,
        completionTokens: this.#completionTokens,
        costUsd: this.#costUsd,
        latencyMs: this.#latencyMs,
      };
    }
    return {
      kind,
      key: key!,
      value: this.#values.get(key!)!,
      samples: this.#samples,
      votes: this.#race.votes,
      rounds: this.#rounds,
      aborted,
      redFlags: this.#flags,
      tally: this.#race.tally,
      voteKeys: this.#voteKeys,
      promptTokens: this.#promptTokens,
      completionTokens: this.#completionTokens,
      costUsd: this.#costUsd,
      latencyMs: this.#latencyMs,
    };
  }

  #finish(outcome: VoteOutcome<V> | { error: unknown }): void {
    this.#result = outcome;
    if (this.#controller !== undefined) {
      this.#options.signal?.removeEventListener('abort', this);
      if (this.#issued > this.#processed) this.#controller.abort();
    }
    if (this.#settle === undefined) return;
    if ('error' in outcome) this.#settle.reject(outcome.error);
    else this.#settle.resolve(outcome);
  }

  #issue(count: number): void {
    const options = this.#options;
    const { dispatcher, messages, maxOutputTokens, step } = options;
    this.#rounds++;
    for (let n = 0; n < count; n++) {
      const index = this.#issued++;
      const seed = mixSeed(options.seed, step, index);
      const temperature = options.temperature(index);
      // Built whole, one shape for every sample (spreading optional fields in costs more than the call).
      const context: CallContext = { step, sample: index, callId: options.callId, promptTokens: options.promptTokens, tally: options.tally };
      if (this.#now !== undefined) {
        // An answer given at once is folded in later, in sample order, as if it had just arrived (`#advance`).
        const outer = options.signal;
        const request: ModelRequest = outer === undefined ? { messages, temperature, maxOutputTokens, seed } : { messages, temperature, maxOutputTokens, seed, signal: outer };
        if (this.#toolFields !== undefined) Object.assign(request, this.#toolFields);
        let answer: DispatchedResponse | Promise<DispatchedResponse> | undefined;
        try {
          answer = this.#now.call(dispatcher, request, context);
        } catch (error) {
          answer = Promise.reject(error);
        }
        if (answer !== undefined) {
          if (answer instanceof Promise) this.#await(index, answer);
          else this.#pending[index] = { ok: true, result: answer };
          continue;
        }
      }
      const request: ModelRequest = { messages, temperature, maxOutputTokens, seed, signal: this.#stepSignal() };
      if (this.#toolFields !== undefined) Object.assign(request, this.#toolFields);
      this.#await(index, dispatcher.dispatch(request, context));
    }
  }

  #await(index: number, answer: Promise<DispatchedResponse>): void {
    answer.then(
      (result) => this.#arrive(index, { ok: true, result }),
      (error: unknown) => this.#arrive(index, { ok: false, error }),
    );
  }

  #topUp(): void {
    const outstanding = this.#issued - this.#processed;
    const want = Math.min(this.#race.needed() - outstanding, this.#options.maxSamples - this.#issued);
    if (want > 0) this.#issue(want);
    else if (outstanding === 0) this.#finish(this.#outcome('exhausted', undefined));
  }

  #absorb(settled: Settled): void {
    if (!settled.ok) {
      this.#finish({ error: settled.error });
      return;
    }
    const { response } = settled.result;
    this.#samples++;
    this.#promptTokens += response.usage.promptTokens;
    this.#completionTokens += response.usage.completionTokens;
    this.#costUsd += settled.result.costUsd;
    this.#latencyMs += response.latencyMs;
    const { parseResponse } = this.#options;
    // A response the parser rejects can never be a vote, whatever rules the caller chose (`classifyResponse`).
    const verdict = classifyResponse(this.#options.redFlags, response, parseResponse === undefined ? this.#parse(response.text) : parseResponse(response));
    if (verdict.kind === 'red-flag') {
      this.#flags[verdict.rule] = (this.#flags[verdict.rule] ?? 0) + 1;
      return;
    }
    if (!this.#values.has(verdict.key)) this.#values.set(verdict.key, verdict.value);
    this.#voteKeys.push(verdict.key);
    const status = this.#race.vote(verdict.key);
    if (status.kind === 'decided') this.#finish(this.#outcome('decided', status.key));
  }

  #parse(text: string): ParseResult<V> {
    if (this.#lastParsed !== undefined && text === this.#lastText) return this.#lastParsed;
    this.#lastText = text;
    return (this.#lastParsed = this.#options.parse(text));
  }

  /** The answer next in sample order, taken out of the pending list; undefined if it has not arrived. */
  #next(): Settled | undefined {
    const item = this.#pending[this.#processed];
    if (item === undefined) return undefined;
    this.#pending[this.#processed] = undefined;
    this.#processed++;
    return item;
  }

  /** Folds in answers given at once, one at a time in sample order, topping up after each: as in-order arrival would. */
  #advance(): void {
    while (this.#result === undefined) {
      const item = this.#next();
      if (item === undefined) return;
      this.#absorb(item);
      if (this.#result === undefined) this.#topUp();
    }
  }

  /** An asynchronous answer: everything next in sample order is folded in, then the step tops up. */
  #arrive(index: number, settled: Settled): void {
    if (this.#result !== undefined) return;
    if (!settled.ok && isAbortError(settled.error) && this.#options.signal?.aborted) {
      this.#finish({ error: settled.error });
      return;
    }
    this.#pending[index] = settled;
    while (this.#result === undefined) {
      const item = this.#next();
      if (item === undefined) break;
      this.#absorb(item);
    }
    if (this.#result === undefined) this.#topUp();
    this.#advance();
  }
}

/** The tool fields of every sample's request, or undefined when no tools are offered (the common, hot case). */
function toolFieldsOf(options: VoteStepOptions<unknown>): Pick<ModelRequest, 'tools' | 'toolChoice'> | undefined {
  if (options.tools === undefined) return undefined;
  return options.toolChoice === undefined ? { tools: options.tools } : { tools: options.tools, toolChoice: options.toolChoice };
}
