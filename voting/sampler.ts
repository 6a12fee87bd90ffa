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
  const { dispatcher, messages, parse, redFlags, step, seed, maxSamples } = options;
  const parseResponse = options.parseResponse;
  const toolFields = toolFieldsOf(options);
  const race = new AheadByKRace(options.k);
  const controller = new AbortController();
  const { signal } = controller;
  // The caller's signal is linked by one listener, removed when the step ends. AbortSignal.any would cost ~13 us
  // a step and, on Node 20, leave every step's composite signal referenced from the run's signal for good.
  const outer = options.signal;
  const onOuterAbort = () => controller.abort(outer?.reason);

  return new Promise<VoteOutcome<V>>((resolve, reject) => {
    const pending: Array<Settled | undefined> = [];
    const values = new Map<string, V>();
    const voteKeys: string[] = [];
    const flags: Record<string, number> = {};
    let issued = 0;
    let processed = 0;
    let rounds = 0;
    let samples = 0;
    let promptTokens = 0;
    let completionTokens = 0;
    let costUsd = 0;
    let latencyMs = 0;
    let finished = false;

    const stats = (): VoteStats => ({
      samples,
      votes: race.votes,
      rounds,
      aborted: issued - processed,
      redFlags: flags,
      tally: race.tally,
      voteKeys,
      promptTokens,
      completionTokens,
      costUsd,
      latencyMs,
    });

    const finish = (outcome: VoteOutcome<V> | { error: unknown }) => {
      finished = true;
      outer?.removeEventListener('abort', onOuterAbort);
      if (issued > processed) controller.abort();
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome);
    };

    // What every sample's call context shares, built once per vote.
    const base = {
      ...(options.callId === undefined ? {} : { callId: options.callId }),
      ...(options.promptTokens === undefined ? {} : { promptTokens: options.promptTokens }),
      ...(options.tally === undefined ? {} : { tally: options.tally }),
    };

    const issue = (count: number) => {
      rounds++;
      for (let n = 0; n < count; n++) {
        const index = issued++;
        const request: ModelRequest = {
          messages,
          temperature: options.temperature(index),
          maxOutputTokens: options.maxOutputTokens,
          seed: mixSeed(seed, step, index),
          signal,
        };
        if (toolFields !== undefined) Object.assign(request, toolFields);
        const context: CallContext = { step, sample: index, ...base };
        dispatcher
          .dispatch(request, context)
          .then(
            (result) => settle(index, { ok: true, result }),
            (error: unknown) => settle(index, { ok: false, error }),
          );
      }
    };

    const topUp = () => {
      const outstanding = issued - processed;
      const want = Math.min(race.needed() - outstanding, maxSamples - issued);
      if (want > 0) issue(want);
      else if (outstanding === 0) finish({ kind: 'exhausted', ...stats() });
    };

    const absorb = (result: Settled) => {
      if (!result.ok) {
        finish({ error: result.error });
        return;
      }
      const { response } = result.result;
      samples++;
      promptTokens += response.usage.promptTokens;
      completionTokens += response.usage.completionTokens;
      costUsd += result.result.costUsd;
      latencyMs += response.latencyMs;
      const verdict = classifyResponse(redFlags, response, parseResponse === undefined ? parse(response.text) : parseResponse(response));
      if (verdict.kind === 'red-flag') {
        flags[verdict.rule] = (flags[verdict.rule] ?? 0) + 1;
        return;
      }
      if (!values.has(verdict.key)) values.set(verdict.key, verdict.value);
      voteKeys.push(verdict.key);
      const status = race.vote(verdict.key);
      if (status.kind === 'decided') finish({ kind: 'decided', key: status.key, value: values.get(status.key)!, ...stats() });
    };

    const settle = (index: number, result: Settled) => {
      if (finished) return;
      if (!result.ok && isAbortError(result.error) && options.signal?.aborted) {
        finish({ error: result.error });
        return;
      }
      pending[index] = result;
      while (!finished && pending[processed] !== undefined) {
        const next = pending[processed]!;
        pending[processed] = undefined;
        processed++;
        absorb(next);
      }
      if (!finished) topUp();
    };

    if (outer?.aborted === true) {
      reject(outer.reason);
      return;
    }
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    topUp();
  });
}

/** The tool fields of every sample's request, or undefined when no tools are offered (the common, hot case). */
function toolFieldsOf(options: VoteStepOptions<unknown>): Pick<ModelRequest, 'tools' | 'toolChoice'> | undefined {
  if (options.tools === undefined) return undefined;
  return options.toolChoice === undefined ? { tools: options.tools } : { tools: options.tools, toolChoice: options.toolChoice };
}
