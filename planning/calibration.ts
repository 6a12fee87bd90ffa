/**
 * Calibration: measure a model's per-step accuracy `p`, red-flag survival `v` and tokens per response from single
 * samples of random steps (one call each, no voting), and recommend a margin from the conservative end.
 *
 * Sampling is generic: the caller supplies how to draw a random step (its prompt, parser and the oracle's key for
 * the correct answer) and a model or a dispatcher. Every call goes through the dispatcher, as a run's do, so
 * transient faults are retried (never counted as samples) and rate limits and budgets hold against a real
 * endpoint; every response is classified by the sampler's own `classifyResponse`. The statistics are exact
 * binomial intervals (Clopper-Pearson) or Wilson score intervals. `p` is measured among valid responses, as in the
 * paper, and `k` is recommended at the lower confidence bound of `p`, so an unlucky calibration errs towards
 * voting more, not less.
 */
import PQueue from 'p-queue';
import { createDispatcher, type Dispatcher } from '../dispatch/dispatcher.ts';
import { BudgetExhaustedError, InputError } from '../core/errors.ts';
import type { ChatMessage, LanguageModel, Pricing } from '../core/model.ts';
import { mixSeed, normalQuantile, randomStream, type Random } from '../core/rng.ts';
import type { ParseResult, StepTask } from '../core/task.ts';
import { expectInteger, expectNumber } from './expect.ts';
import { classifyResponse, defaultRedFlags, type RedFlagRule } from '../voting/red-flags.ts';
import { estimateRun, kMin, type RunEstimate } from './reliability.ts';

// ---------------------------------------------------------------------------------------------------------------
// Binomial confidence intervals.

/** A point estimate with a two-sided confidence interval. */
export interface Interval {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

/** How an interval is computed: exact (Clopper-Pearson, conservative) or Wilson score (shorter, approximate). */
export type IntervalMethod = 'clopper-pearson' | 'wilson';

function checkCounts(successes: number, trials: number, confidence: number): void {
  expectInteger('trials', trials, 1);
  expectInteger('successes', successes, 0, trials);
  expectNumber('confidence', confidence, 0, 1, 'both');
}

/** Wilson score interval for a binomial proportion. */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): Interval {
  checkCounts(successes, trials, confidence);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const phat = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (phat + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((phat * (1 - phat)) / trials + z2 / (4 * trials * trials));
  return {
    estimate: phat,
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === trials ? 1 : Math.min(1, centre + half),
  };
}

/**
 * Exact (Clopper-Pearson) interval for a binomial proportion: the set of `p` not rejected by either one-sided
 * binomial test at level `(1 - confidence) / 2`. Its coverage is at least `confidence` for every `p`.
 */
export function clopperPearsonInterval(successes: number, trials: number, confidence = 0.95): Interval {
  checkCounts(successes, trials, confidence);
  const alpha = 1 - confidence;
  const x = successes;
  const n = trials;
  // At the ends the beta quantiles have closed forms; they are also where precision matters most (p near 1).
  const lower = x === 0 ? 0 : x === n ? Math.exp(Math.log(alpha / 2) / n) : betaQuantile(alpha / 2, x, n - x + 1);
  const upper = x === n ? 1 : x === 0 ? -Math.expm1(Math.log(alpha / 2) / n) : betaQuantile(1 - alpha / 2, x + 1, n - x);
  return { estimate: x / n, lower, upper };
}

/** A binomial interval by the given method. */
export function binomialInterval(successes: number, trials: number, confidence = 0.95, method: IntervalMethod = 'clopper-pearson'): Interval {
  return method === 'wilson' ? wilsonInterval(successes, trials, confidence) : clopperPearsonInterval(successes, trials, confidence);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i++) sum += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function `I_x(a, b)`, the CDF of Beta(a, b) at `x`. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** The `q`-quantile of Beta(a, b), by bisection on {@link regularizedBeta} (to the last bit). */
export function betaQuantile(q: number, a: number, b: number): number {
  let low = 0;
  let high = 1;
  for (let i = 0; i < 200; i++) {
    const mid = (low + high) / 2;
    if (mid === low || mid === high) break;
    if (regularizedBeta(mid, a, b) < q) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

// ---------------------------------------------------------------------------------------------------------------
// Sampling.

/** One random step to sample: what to send, how to parse the answer, and the key of the correct answer. */
export interface CalibrationProbe {
  readonly messages: readonly ChatMessage[];
  readonly parse: (text: string) => ParseResult<unknown>;
  /** Canonical key of the correct answer (from the task's oracle). */
  readonly oracleKey: string;
  /** Which step this is, for the record. */
  readonly step?: number;
}

/**
 * What one calibration call gave. `failed` calls (the backend threw for good, or the dispatcher ran out of retries)
 * are excluded from the statistics.
 */
export type CalibrationSample =
  | {
      readonly kind: 'valid';
      readonly index: number;
      readonly step: number | undefined;
      readonly correct: boolean;
      readonly key: string;
      readonly inputTokens: number;
      readonly outputTokens: number;
      readonly costUsd: number;
    }
  | {
      readonly kind: 'red-flag';
      readonly index: number;
      readonly step: number | undefined;
      /** The rule that fired. */
      readonly rule: string;
      readonly inputTokens: number;
      readonly outputTokens: number;
      readonly costUsd: number;
    }
  | { readonly kind: 'failed'; readonly index: number; readonly step: number | undefined; readonly error: string };

/** Options of {@link collectCalibrationSamples}. */
export interface CalibrationSamplingOptions {
  /** Number of samples, one call each. */
  readonly samples: number;
  /** Draws the step for sample `index` from `random` (a stream derived from the seed and the index). */
  readonly probe: (index: number, random: Random) => CalibrationProbe;
  /** The backend, called through a dispatcher with `concurrency` and the default retry policy. Give this or `dispatcher`. */
  readonly model?: LanguageModel;
  /**
   * The dispatcher every call goes through (endpoints, retries, rate limits, budgets), as a run's calls do. A spent
   * budget stops the calibration: samples not yet sent are left out of the result. @default a dispatcher over `model`
   */
  readonly dispatcher?: Dispatcher;
  /** Seed for step choice and per-request seeds. @default 0 */
  readonly seed?: number;
  /** Samples in flight at once (a given dispatcher may allow fewer calls). @default 8 */
  readonly concurrency?: number;
  /** Sampling temperature: the temperature of the votes after the first in a run. @default 0.1 */
  readonly temperature?: number;
  /** Output-token cap per call. @default 750 */
  readonly maxOutputTokens?: number;
  /** Red-flag rules; a response the parser rejects is always flagged. @default defaultRedFlags(maxOutputTokens) */
  readonly redFlags?: readonly RedFlagRule[];
  /** Called after each sample with the number done so far. */
  readonly onSample?: (sample: CalibrationSample, done: number) => void;
  readonly signal?: AbortSignal;
}

/** {@link CalibrationSamplingOptions} with every default filled in and every field checked. */
export interface ResolvedCalibrationSamplingOptions {
  readonly samples: number;
  readonly probe: (index: number, random: Random) => CalibrationProbe;
  readonly dispatcher: Dispatcher;
  readonly seed: number;
  readonly concurrency: number;
  readonly temperature: number;
  readonly maxOutputTokens: number;
  readonly redFlags: readonly RedFlagRule[];
  readonly onSample: ((sample: CalibrationSample, done: number) => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

/** Fills in defaults and validates; the one place {@link collectCalibrationSamples}'s options are interpreted. */
export function resolveCalibrationSamplingOptions(options: CalibrationSamplingOptions): ResolvedCalibrationSamplingOptions {
  const maxOutputTokens = expectInteger('maxOutputTokens', options.maxOutputTokens ?? 750, 1);
  if (typeof options.probe !== 'function') throw new InputError(`Expected \`probe\` to be a function, got \`${typeof options.probe}\``);
  if ((options.model === undefined) === (options.dispatcher === undefined)) {
    throw new InputError(`Expected exactly one of \`model\` and \`dispatcher\` in the calibration options, got ${options.model === undefined ? 'neither' : 'both'}`);
  }
  const concurrency = expectInteger('concurrency', options.concurrency ?? 8, 1, 10_000);
  return {
    samples: expectInteger('samples', options.samples, 1),
    probe: options.probe,
    dispatcher: options.dispatcher ?? createDispatcher({ model: options.model!, concurrency }),
    seed: expectInteger('seed', options.seed ?? 0, 0),
    concurrency,
    temperature: expectNumber('temperature', options.temperature ?? 0.1, 0, 2),
    maxOutputTokens,
    redFlags: options.redFlags ?? defaultRedFlags(maxOutputTokens),
    onSample: options.onSample,
    signal: options.signal,
  };
}

/** The request seed of calibration sample `index` under `seed`: what a caller needs to replay one sample. */
export function calibrationRequestSeed(seed: number, index: number): number {
  return mixSeed(seed, index, 0xca11);
}

/**
 * Samples `samples` random steps once each, in parallel, through the dispatcher, and classifies every response:
 * valid and correct, valid and wrong, red-flagged (by rule), or failed. Results come back in index order; with
 * seeded backends the same seed gives the same samples whatever order calls complete in. Once a budget refuses a
 * call, no further sample is sent and the result holds the samples taken (the dispatcher's `exhausted` says why).
 */
export async function collectCalibrationSamples(options: CalibrationSamplingOptions): Promise<CalibrationSample[]> {
  const resolved = resolveCalibrationSamplingOptions(options);
  const { dispatcher, seed, redFlags } = resolved;
  const queue = new PQueue({ concurrency: resolved.concurrency });
  const results = new Array<CalibrationSample | undefined>(resolved.samples);
  let done = 0;
  let spent = false;
  const one = async (index: number): Promise<void> => {
    if (spent) return;
    const probe = resolved.probe(index, randomStream(seed, index));
    const step = probe.step;
    let sample: CalibrationSample;
    try {
      const request = {
        messages: probe.messages,
        temperature: resolved.temperature,
        maxOutputTokens: resolved.maxOutputTokens,
        seed: calibrationRequestSeed(seed, index),
        ...(resolved.signal === undefined ? {} : { signal: resolved.signal }),
      };
      // Each sample is its own call: its index spreads an ensemble's members over the samples.
      const { response, costUsd } = await dispatcher.dispatch(request, { step: index, sample: 0, callId: `calibration/${index}` });
      const tokens = { inputTokens: response.usage.promptTokens, outputTokens: response.usage.completionTokens, costUsd };
      const verdict = classifyResponse(redFlags, response, probe.parse(response.text));
      sample =
        verdict.kind === 'red-flag'
          ? { kind: 'red-flag', index, step, rule: verdict.rule, ...tokens }
          : { kind: 'valid', index, step, correct: verdict.key === probe.oracleKey, key: verdict.key, ...tokens };
    } catch (error) {
      if (resolved.signal?.aborted) throw error;
      if (error instanceof BudgetExhaustedError) {
        spent = true;
        return;
      }
      sample = { kind: 'failed', index, step, error: error instanceof Error ? error.message : String(error) };
    }
    results[index] = sample;
    done += 1;
    resolved.onSample?.(sample, done);
  };
  await Promise.all(Array.from({ length: resolved.samples }, (_, index) => queue.add(() => one(index))));
  return spent ? results.filter((sample) => sample !== undefined) : (results as CalibrationSample[]);
}

/**
 * A probe for a step task: draws a step uniformly from `0 .. totalSteps - 1`, takes the oracle trajectory's state
 * before it from `stateAt`, and asks the task for the prompt, the parser and the oracle's key.
 */
export function stepTaskProbe<S, V>(task: StepTask<S, V>, stateAt: (step: number) => S): (index: number, random: Random) => CalibrationProbe {
  const total = task.totalSteps;
  if (total === undefined || !Number.isInteger(total) || total < 1) {
    throw new InputError(`Expected the task \`${task.name}\` to know its number of steps, got \`${String(total)}\``);
  }
  const oracle = task.oracle;
  if (oracle === undefined) throw new InputError(`Expected the task \`${task.name}\` to have an oracle, got none`);
  return (_index, random) => {
    const step = Math.min(total - 1, Math.floor(random() * total));
    const state = stateAt(step);
    return { messages: task.prompt(state, step), parse: (text) => task.parse(text), oracleKey: oracle(state, step), step };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics of a calibration and the margin it supports.

/** Options of {@link summarizeCalibration}. */
export interface CalibrationSummaryOptions {
  /** Confidence level of the intervals. @default 0.95 */
  readonly confidence?: number;
  /** Interval method. @default 'clopper-pearson' */
  readonly method?: IntervalMethod;
}

/** What a calibration measured. */
export interface CalibrationSummary {
  /** Samples taken, failed ones included. */
  readonly samples: number;
  readonly valid: number;
  readonly correct: number;
  readonly redFlagged: number;
  readonly failed: number;
  /** Red-flagged responses by rule. */
  readonly redFlags: Readonly<Record<string, number>>;
  readonly confidence: number;
  readonly method: IntervalMethod;
  /** Per-step accuracy among valid responses, `correct / valid`; undefined without a valid response. */
  readonly p: Interval | undefined;
  /** Red-flag survival, `valid / (valid + redFlagged)`; undefined when every call failed. */
  readonly v: Interval | undefined;
  /** Means over answered (non-failed) calls; 0 when there are none. */
  readonly meanInputTokens: number;
  readonly meanOutputTokens: number;
  readonly meanCostUsd: number;
}

/** Counts, intervals for `p` and `v`, and token means of a list of calibration samples. */
export function summarizeCalibration(samples: readonly CalibrationSample[], options: CalibrationSummaryOptions = {}): CalibrationSummary {
  const confidence = expectNumber('confidence', options.confidence ?? 0.95, 0, 1, 'both');
  const method = options.method ?? 'clopper-pearson';
  if (method !== 'clopper-pearson' && method !== 'wilson') throw new InputError(`Expected \`method\` to be clopper-pearson or wilson, got \`${String(method)}\``);
  let valid = 0;
  let correct = 0;
  let redFlagged = 0;
  let failed = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd = 0;
  const redFlags: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.kind === 'failed') {
      failed += 1;
      continue;
    }
    inputTokens += sample.inputTokens;
    outputTokens += sample.outputTokens;
    costUsd += sample.costUsd;
    if (sample.kind === 'red-flag') {
      redFlagged += 1;
      redFlags[sample.rule] = (redFlags[sample.rule] ?? 0) + 1;
      continue;
    }
    valid += 1;
    if (sample.correct) correct += 1;
  }
  const answered = valid + redFlagged;
  return {
    samples: samples.length,
    valid,
    correct,
    redFlagged,
    failed,
    redFlags,
    confidence,
    method,
    p: valid === 0 ? undefined : binomialInterval(correct, valid, confidence, method),
    v: answered === 0 ? undefined : binomialInterval(valid, answered, confidence, method),
    meanInputTokens: answered === 0 ? 0 : inputTokens / answered,
    meanOutputTokens: answered === 0 ? 0 : outputTokens / answered,
    meanCostUsd: answered === 0 ? 0 : costUsd / answered,
  };
}

/** Inputs of {@link recommendK}. */
export interface RecommendKOptions {
  /** Steps in the task to plan for. */
  readonly steps: number;
  /** Target whole-task success. @default 0.95 */
  readonly target?: number;
  /** Steps per call. @default 1 */
  readonly m?: number;
  /** Prices for the cost estimate, usually the model's. @default zero prices */
  readonly pricing?: Pricing;
}

/**
 * The margin a calibration supports: `kMin` at the lower confidence bound of `p`, with the expected run at that
 * bound (and at the lower bound of `v`, with the measured mean tokens per sample at the given prices). Also
 * `kAtEstimate`, the margin the point estimate alone would suggest. `infeasible` when the lower bound is not
 * above 1/2.
 */
export type KRecommendation =
  | {
      readonly kind: 'recommended';
      readonly k: number;
      readonly kAtEstimate: number;
      /** The `p` the margin was chosen for (the interval's lower end). */
      readonly pLower: number;
      /** The run expected at `pLower` and the lower bound of `v`. */
      readonly estimate: RunEstimate;
    }
  | { readonly kind: 'infeasible'; readonly reason: string };

/** Recommends `k` from the conservative end of a calibration (see {@link KRecommendation}). */
export function recommendK(summary: CalibrationSummary, options: RecommendKOptions): KRecommendation {
  const steps = expectInteger('steps', options.steps, 1);
  const target = expectNumber('target', options.target ?? 0.95, 0, 1, 'both');
  const m = expectInteger('m', options.m ?? 1, 1);
  const pricing = options.pricing ?? { inputUsdPerMillion: 0, outputUsdPerMillion: 0 };
  const { p, v } = summary;
  if (p === undefined || v === undefined) return { kind: 'infeasible', reason: 'no valid response to measure p from' };
  if (!(p.lower ** m > 0.5)) {
    const joint = m > 1 ? ` (p^m = ${(p.lower ** m).toFixed(4)})` : '';
    return { kind: 'infeasible', reason: `the ${summary.confidence * 100}% lower bound of p is ${p.lower.toFixed(4)}${joint}, not above 0.5` };
  }
  let estimate: RunEstimate;
  try {
    estimate = estimateRun({
      p: p.lower,
      steps,
      target,
      m,
      v: Math.max(v.lower, Number.MIN_VALUE),
      inputTokens: summary.meanInputTokens,
      outputTokens: summary.meanOutputTokens,
      inputUsdPerMillion: pricing.inputUsdPerMillion,
      outputUsdPerMillion: pricing.outputUsdPerMillion,
    });
  } catch (error) {
    // Rounding at p^m = 1/2 exactly: kMin refuses, so the bound does not support voting either.
    if (error instanceof InputError) return { kind: 'infeasible', reason: error.message };
    throw error;
  }
  const kAtEstimate = p.estimate ** m > 0.5 ? kMin(p.estimate, steps, target, m) : estimate.k;
  return { kind: 'recommended', k: estimate.k, kAtEstimate, pLower: p.lower, estimate };
}
