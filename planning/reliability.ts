/**
 * Reliability mathematics of first-to-ahead-by-k voting in the paper's two-candidate model: each valid vote is
 * correct with probability `p` and otherwise goes to one alternative, independently; the step is decided when one
 * side leads by `k`. The functions here are exact (no `k / (2p - 1)` style approximations) and numerically stable
 * for `s` up to ~1e7 steps and `p` anywhere in (0.5, 1]: everything is carried as the log-odds
 * `λ = ln(p / (1 - p))` and evaluated with `log1p`, `expm1` and `tanh`, so neither `1 - p` near 1 nor `2p - 1`
 * near 0 loses digits.
 *
 * Steps per call `m` (the paper's `m`, `m = 1` is maximal decomposition): a call that must get `m` steps right is
 * correct with probability `p^m`, and the vote is held on whole calls. So with `m > 1` every formula uses the
 * per-call probability `pCall = p^m` in place of `p`, and there are `s / m` voted calls, as in the paper's
 * `p_full = p_step^(s/m)` and Eq. 14. (The paper's `s / m` is kept even when `m` does not divide `s`.)
 */
import { InputError } from '../core/errors.ts';
import { expectInteger, expectNumber } from './expect.ts';

// ---------------------------------------------------------------------------------------------------------------
// Log-odds, the one quantity everything else is computed from.

/** `ln(p / (1 - p))`, accurate to a few ulps for every `p` in [0, 1] (±Infinity at the ends). */
export function logOdds(p: number): number {
  if (p === 0.5) return 0;
  // Near 1/2 the two logs nearly cancel; 2p - 1 is exact there, so go through log1p of a small ratio instead.
  if (p > 1 / 3 && p < 2 / 3) return Math.log1p((2 * p - 1) / (1 - p));
  return Math.log(p) - Math.log1p(-p);
}

/** Log-odds of a call that must get `m` steps right, `ln(p^m / (1 - p^m))`, without forming `1 - p^m` by subtraction. */
function callLogOdds(p: number, m: number): number {
  if (m === 1) return logOdds(p);
  const logP = m * Math.log(p);
  const pc = Math.exp(logP);
  const qc = -Math.expm1(logP);
  if (pc > 1 / 3 && pc < 2 / 3) return Math.log1p((pc - qc) / qc);
  return logP - Math.log(qc);
}

/** `1 / (1 + e^-x)` without overflow. */
function logistic(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** `ln(1 + e^x)` without overflow. */
function softplus(x: number): number {
  return x > 30 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function checkP(p: unknown): number {
  return expectNumber('p', p, 0, 1);
}

function checkK(k: unknown): number {
  return expectInteger('k', k, 1);
}

function checkSteps(s: unknown): number {
  return expectInteger('steps', s, 1);
}

function checkM(m: unknown): number {
  return expectInteger('m', m, 1);
}

function checkV(v: unknown): number {
  return expectNumber('v', v, 0, 1, 'min');
}

function checkTarget(t: unknown): number {
  return expectNumber('target', t, 0, 1, 'both');
}

/** Throws unless a call of `m` steps is right more often than not, the condition for voting to converge. */
function checkConverges(p: number, m: number): number {
  const lambda = callLogOdds(p, m);
  if (!(lambda > 0)) {
    const what = m === 1 ? `\`p\` to be > 0.5` : `the per-call success \`p^m\` to be > 0.5 (p = ${p}, m = ${m})`;
    throw new InputError(`Expected ${what} so that voting converges, got \`${m === 1 ? p : p ** m}\``);
  }
  return lambda;
}

// ---------------------------------------------------------------------------------------------------------------
// One step and the whole task.

/** Probability that a call of `m` steps is entirely correct, `p^m`. */
export function pCall(p: number, m = 1): number {
  checkP(p);
  checkM(m);
  return Math.exp(m * Math.log(p));
}

/**
 * Probability that the two-candidate ahead-by-`k` race picks the correct answer: `1 / (1 + r^k)` with
 * `r = (1 - p) / p`. Any `p` in [0, 1] is accepted (below 1/2 the race favours the wrong answer).
 */
export function pStep(p: number, k: number): number {
  checkP(p);
  checkK(k);
  return logistic(k * logOdds(p));
}

/** Probability that the race picks the wrong answer, `r^k / (1 + r^k)`, with full relative precision when tiny. */
export function pStepFailure(p: number, k: number): number {
  checkP(p);
  checkK(k);
  return logistic(-k * logOdds(p));
}

function logPFullUnchecked(lambda: number, k: number, s: number, m: number): number {
  // p_step = 1 / (1 + e^{-kλ}), so ln p_full = -(s/m) ln(1 + e^{-kλ}).
  return -(s / m) * softplus(-k * lambda);
}

/** Natural log of `pFull`: finite and precise even where `pFull` itself underflows to 0. */
export function logPFull(p: number, k: number, s: number, m = 1): number {
  checkP(p);
  checkK(k);
  checkSteps(s);
  checkM(m);
  return logPFullUnchecked(callLogOdds(p, m), k, s, m);
}

/**
 * Probability that all `s` steps come out right when every call of `m` steps is voted with margin `k`:
 * `p_full = pStep(p^m, k)^(s/m)`.
 */
export function pFull(p: number, k: number, s: number, m = 1): number {
  return Math.exp(logPFull(p, k, s, m));
}

/**
 * The paper's Eq. 14 as written, `ceil( ln(t^(-m/s) - 1) / ln((1 - p^m) / p^m) )`, evaluated stably but without
 * any correction: it can be 0 or negative when the target is loose. Use {@link kMin} for the margin to run with.
 */
export function kMinClosedForm(p: number, s: number, t: number, m = 1): number {
  checkP(p);
  checkSteps(s);
  checkTarget(t);
  checkM(m);
  const lambda = checkConverges(p, m);
  return Math.ceil(closedFormRatio(lambda, s, t, m));
}

function closedFormRatio(lambda: number, s: number, t: number, m: number): number {
  // t^(-m/s) - 1 = expm1(-(m/s) ln t): for s ~ 1e6 this is ~5e-8, which the naive form would get to 8 digits only.
  const numerator = Math.log(Math.expm1(-(m / s) * Math.log(t)));
  return numerator / -lambda;
}

/**
 * The least margin `k >= 1` whose predicted whole-task success `pFull(p, k, s, m)` reaches `t` (the paper's
 * Eq. 14). Starts from the closed form and then checks it against {@link pFull} itself, stepping up or down, so the
 * answer is exactly "the least k with `pFull >= t`" as this module computes `pFull`, rounding included.
 * Throws an `InputError` when `p^m <= 0.5` (no margin converges).
 */
export function kMin(p: number, s: number, t: number, m = 1): number {
  checkP(p);
  checkSteps(s);
  checkTarget(t);
  checkM(m);
  const lambda = checkConverges(p, m);
  const reaches = (k: number): boolean => Math.exp(logPFullUnchecked(lambda, k, s, m)) >= t;
  const ratio = closedFormRatio(lambda, s, t, m);
  let k = Number.isFinite(ratio) ? Math.max(1, Math.ceil(ratio)) : 1;
  while (!reaches(k)) k += 1;
  while (k > 1 && reaches(k - 1)) k -= 1;
  return k;
}

// ---------------------------------------------------------------------------------------------------------------
// How many votes and samples a step takes.

/**
 * Exact expected number of valid votes until one side leads by `k` (gambler's ruin absorbing at ±k):
 * `(k / (2p - 1)) · (1 - r^k) / (1 + r^k)`, written as `k · tanh(kλ/2) / tanh(λ/2)` which is the same quantity
 * (since `2p - 1 = tanh(λ/2)`) and stays exact through the `p = 1/2` limit, `k²`.
 */
export function expectedVotes(p: number, k: number): number {
  checkP(p);
  checkK(k);
  return expectedVotesUnchecked(logOdds(p), k);
}

function expectedVotesUnchecked(lambda: number, k: number): number {
  if (lambda === 0) return k * k;
  return (k * Math.tanh((k * lambda) / 2)) / Math.tanh(lambda / 2);
}

/**
 * Expected samples (model calls) for one step when a fraction `v` of responses survives red-flagging:
 * `expectedVotes(p, k) / v`. Red-flagged responses are discarded and are not votes.
 */
export function expectedSamples(p: number, k: number, v = 1): number {
  checkV(v);
  return expectedVotes(p, k) / v;
}

/**
 * The margin chain's undecided mass after each sample: 1, then the mass after sample 1, 2, ... (unbounded; the
 * caller stops). The margin (correct minus wrong votes) walks on -(k-1) .. k-1; each sample moves it up with p·v,
 * down with (1-p)·v, or leaves it (red flag) with 1-v. Mass leaving the strip is decided. Only sums of positive
 * terms, so even tails of 1e-300 keep full relative precision.
 */
function* undecidedMasses(p: number, k: number, v: number): Generator<number, never> {
  const width = 2 * k - 1;
  const up = p * v;
  const down = (1 - p) * v;
  const stay = 1 - v;
  let current = new Float64Array(width);
  let next = new Float64Array(width);
  current[k - 1] = 1;
  yield 1;
  for (;;) {
    let total = 0;
    for (let i = 0; i < width; i++) {
      const value = stay * current[i]! + (i > 0 ? up * current[i - 1]! : 0) + (i < width - 1 ? down * current[i + 1]! : 0);
      next[i] = value;
      total += value;
    }
    [current, next] = [next, current];
    yield total;
  }
}

function undecidedSeries(p: number, k: number, n: number, v: number): Float64Array {
  const tail = new Float64Array(n + 1);
  const masses = undecidedMasses(p, k, v);
  for (let j = 0; j <= n; j++) tail[j] = masses.next().value;
  return tail;
}

/**
 * Probability that a step is still undecided after `samples` samples, exactly, by running the margin's Markov
 * chain. With `v = 1` (the default) samples are votes; with `v < 1` each sample is a vote with probability `v`.
 */
export function undecidedAfter(p: number, k: number, samples: number, v = 1): number {
  checkP(p);
  checkK(k);
  expectInteger('samples', samples, 0);
  checkV(v);
  return undecidedSeries(p, k, samples, v)[samples]!;
}

/**
 * The whole tail at once: element `j` is the probability that a step is undecided after `j` samples, for
 * `j = 0 .. samples`. `E[samples] = Σ_j P(N > j)`, so summing it reproduces {@link expectedSamples}.
 */
export function undecidedTail(p: number, k: number, samples: number, v = 1): Float64Array {
  checkP(p);
  checkK(k);
  expectInteger('samples', samples, 0);
  checkV(v);
  return undecidedSeries(p, k, samples, v);
}

/** `1 - (1 - x)^s` for a per-step probability `x`, precise when both are tiny. */
function anyOf(x: number, s: number): number {
  return x >= 1 ? 1 : -Math.expm1(s * Math.log1p(-x));
}

/**
 * Probability that at least one of `s` independent steps needs more than `samples` samples to decide, i.e. that
 * a run with a per-step sample cap of `samples` hits the cap somewhere.
 */
export function anyStepExceeds(p: number, k: number, s: number, samples: number, v = 1): number {
  checkSteps(s);
  return anyOf(undecidedAfter(p, k, samples, v), s);
}

/** Largest cap {@link sampleCap} searches before giving up. */
const SAMPLE_CAP_SEARCH_LIMIT = 10_000_000;

/**
 * The least per-step sample cap `n` for which the chance that any of `s` steps needs more than `n` samples is at
 * most `risk`. Returns `Infinity` when no cap up to ten million samples is enough.
 */
export function sampleCap(p: number, k: number, s: number, risk: number, v = 1): number {
  checkP(p);
  checkK(k);
  checkSteps(s);
  expectNumber('risk', risk, 0, 1, 'both');
  checkV(v);
  const perStep = -Math.expm1(Math.log1p(-risk) / s);
  const masses = undecidedMasses(p, k, v);
  masses.next();
  for (let n = 1; n <= SAMPLE_CAP_SEARCH_LIMIT; n++) {
    if (masses.next().value <= perStep) return n;
  }
  return Infinity;
}

// ---------------------------------------------------------------------------------------------------------------
// A whole run: margin, success, samples, tokens and dollars.

/** Inputs of {@link estimateRun}. Token counts are per call (per sample), prices per million tokens. */
export interface RunEstimateOptions {
  /** Probability that one valid response for a single step is correct. */
  readonly p: number;
  /** Steps in the task, `s`. */
  readonly steps: number;
  /** Target probability that the whole task succeeds, `t`, in (0, 1). */
  readonly target: number;
  /** Voting margin. @default the least margin reaching `target` ({@link kMin}) */
  readonly k?: number;
  /** Steps per call. @default 1 */
  readonly m?: number;
  /** Probability that a response survives red-flagging. @default 1 */
  readonly v?: number;
  /** Input (prompt) tokens per call. @default 0 */
  readonly inputTokens?: number;
  /** Output tokens per call. @default 0 */
  readonly outputTokens?: number;
  /** US dollars per million input tokens. @default 0 */
  readonly inputUsdPerMillion?: number;
  /** US dollars per million output tokens. @default 0 */
  readonly outputUsdPerMillion?: number;
}

/** {@link RunEstimateOptions} with every default filled in and every field checked. */
export interface ResolvedRunEstimateOptions {
  readonly p: number;
  readonly steps: number;
  readonly target: number;
  readonly k: number;
  readonly m: number;
  readonly v: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly inputUsdPerMillion: number;
  readonly outputUsdPerMillion: number;
}

/** Fills in defaults and validates; the one place {@link estimateRun}'s options are interpreted. */
export function resolveRunEstimateOptions(options: RunEstimateOptions): ResolvedRunEstimateOptions {
  const p = checkP(options.p);
  const steps = checkSteps(options.steps);
  const target = checkTarget(options.target);
  const m = checkM(options.m ?? 1);
  const k = options.k === undefined ? kMin(p, steps, target, m) : checkK(options.k);
  return {
    p,
    steps,
    target,
    k,
    m,
    v: checkV(options.v ?? 1),
    inputTokens: expectNumber('inputTokens', options.inputTokens ?? 0, 0, Infinity),
    outputTokens: expectNumber('outputTokens', options.outputTokens ?? 0, 0, Infinity),
    inputUsdPerMillion: expectNumber('inputUsdPerMillion', options.inputUsdPerMillion ?? 0, 0, Infinity),
    outputUsdPerMillion: expectNumber('outputUsdPerMillion', options.outputUsdPerMillion ?? 0, 0, Infinity),
  };
}

/** What a run with a given margin is expected to do. "Per step" means per voted call (per step when `m = 1`). */
export interface RunEstimate extends ResolvedRunEstimateOptions {
  /** Probability that one call is entirely correct, `p^m`. */
  readonly pCall: number;
  /** Number of voted calls, `s / m`. */
  readonly calls: number;
  /** Probability that one voted call picks the correct answer. */
  readonly pStep: number;
  /** Probability that every call is decided correctly. */
  readonly pFull: number;
  /** Whether `pFull >= target`. */
  readonly meetsTarget: boolean;
  /** Expected valid votes per voted call. */
  readonly expectedVotesPerStep: number;
  /** Expected samples (model calls, red-flagged ones included) per voted call. */
  readonly expectedSamplesPerStep: number;
  /** Expected samples over the whole run. */
  readonly expectedSamples: number;
  /** Expected input tokens over the whole run. */
  readonly expectedInputTokens: number;
  /** Expected output tokens over the whole run. */
  readonly expectedOutputTokens: number;
  /** Dollars per sample at the given token counts and prices. */
  readonly costPerSampleUsd: number;
  /** Expected dollars over the whole run. */
  readonly expectedCostUsd: number;
}

/**
 * Expected success, samples, tokens and dollars of a run of `steps` steps voted with margin `k` (default: the
 * least `k` reaching `target`). Red-flagged samples are paid for: cost is per sample, not per vote.
 */
export function estimateRun(options: RunEstimateOptions): RunEstimate {
  const resolved = resolveRunEstimateOptions(options);
  const { p, steps, k, m, v } = resolved;
  const lambda = callLogOdds(p, m);
  const calls = steps / m;
  const expectedVotesPerStep = expectedVotesUnchecked(lambda, k);
  const expectedSamplesPerStep = expectedVotesPerStep / v;
  const expectedSamplesTotal = calls * expectedSamplesPerStep;
  const costPerSampleUsd = (resolved.inputTokens * resolved.inputUsdPerMillion + resolved.outputTokens * resolved.outputUsdPerMillion) / 1e6;
  const full = Math.exp(logPFullUnchecked(lambda, k, steps, m));
  return {
    ...resolved,
    pCall: Math.exp(m * Math.log(p)),
    calls,
    pStep: logistic(k * lambda),
    pFull: full,
    meetsTarget: full >= resolved.target,
    expectedVotesPerStep,
    expectedSamplesPerStep,
    expectedSamples: expectedSamplesTotal,
    expectedInputTokens: expectedSamplesTotal * resolved.inputTokens,
    expectedOutputTokens: expectedSamplesTotal * resolved.outputTokens,
    costPerSampleUsd,
    expectedCostUsd: expectedSamplesTotal * costPerSampleUsd,
  };
}
