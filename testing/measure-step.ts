/**
 * `measureStep`: a property-based regression measurement of one LLM step function. It samples the step on each
 * given state without voting, through the same strict parser and red-flag rules a real run uses (calibration's
 * sampler), and reports what voting cares about: the per-step success `p` among valid responses with a two-sided
 * interval, the red-flag survival `v`, how the errors cluster (by state, and on one wrong answer), the `k` the
 * planner would choose from the interval's conservative end, and counterexamples: states answered wrongly,
 * shrunk by fast-check to the smallest failing state when the states come from an arbitrary.
 *
 * Several samples of one state are not independent trials; the intervals are taken at the effective sample size
 * (see `clustered-interval.ts`), so sampling a state ten times does not buy ten times the confidence.
 */
import type { Arbitrary } from 'fast-check';
import { InputError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import { hashString, mixSeed } from '../core/rng.ts';
import type { GraphTask, StepTask } from '../core/task.ts';
import { recommendK, type CalibrationSummary, type Interval, type IntervalMethod, type KRecommendation } from '../planning/calibration.ts';
import { expectInteger, expectNumber } from '../planning/expect.ts';
import { defaultRedFlags, type RedFlagRule } from '../voting/red-flags.ts';
import { clusteredInterval, type ClusteredInterval } from './clustered-interval.ts';
import type { StateSearch } from './arbitrary-states.ts';
import { shrinkFirstFailing } from './shrink.ts';
import { stateSource } from './state-source.ts';
import { sampleProbes, type ProbeSamplingOptions, type ProbeTally } from './sample-probes.ts';
import { probeSource, promptsKey, type Measurable, type Probe, type ProbeSource, type StepAt, type StepFunction } from './step-under-test.ts';

/** Options of {@link measureStep}. `T` is what is measured, `S` a state of it. */
export interface MeasureStepOptions<T extends Measurable, S> {
  /**
   * What to measure: a `StepTask` (a state is `{ state, step }`), a `GraphTask` (every call `ready(state)` returns
   * is measured) or a {@link StepFunction} of your own. It needs an oracle.
   */
  readonly task: T;
  readonly model: LanguageModel;
  /**
   * The states to measure on: a list, or a fast-check arbitrary (`numStates` states are drawn from it with `seed`,
   * and the first failing one is shrunk). An arbitrary needs fast-check installed.
   */
  readonly states: readonly S[] | Arbitrary<S>;
  /** States drawn when `states` is an arbitrary. @default 100 */
  readonly numStates?: number;
  /** Calls per state (per call, for a graph task), each with its own request seed. @default 1 */
  readonly samplesPerState?: number;
  /** Seed of the measurement: the states drawn from an arbitrary and every request seed derive from it. @default 0 */
  readonly seed?: number;
  /** Confidence level of the two-sided intervals. @default 0.95 */
  readonly confidence?: number;
  /** Interval method. @default 'clopper-pearson' */
  readonly method?: IntervalMethod;
  /** Sampling temperature: a run's votes after the first use 0.1. @default 0.1 */
  readonly temperature?: number;
  /** Output-token cap per call. @default 750 */
  readonly maxOutputTokens?: number;
  /** Red-flag rules; a response the parser rejects is always flagged. @default defaultRedFlags(maxOutputTokens) */
  readonly redFlags?: readonly RedFlagRule[];
  /** Calls in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Steps of the whole run to plan `k` for. @default the task's `totalSteps` (`totalCalls`); without one, no `k` */
  readonly steps?: number;
  /** Target whole-run success to plan `k` for. @default 0.95 */
  readonly target?: number;
  /** Steps per call to plan `k` for. @default 1 */
  readonly m?: number;
  /** States judged while shrinking (each costs `samplesPerState` calls per call); 0 turns shrinking off. @default 200 */
  readonly maxShrinkStates?: number;
  readonly signal?: AbortSignal;
}

/** {@link MeasureStepOptions} with every default filled in and every field checked. */
export interface ResolvedMeasureStepOptions extends ProbeSamplingOptions {
  readonly numStates: number;
  readonly confidence: number;
  readonly method: IntervalMethod;
  readonly steps: number | undefined;
  readonly target: number;
  readonly m: number;
  readonly maxShrinkStates: number;
}

/** Fills in defaults and validates; the one place {@link measureStep}'s options are interpreted. */
export function resolveMeasureStepOptions(options: MeasureStepOptions<Measurable, unknown>, source: ProbeSource): ResolvedMeasureStepOptions {
  const model = options.model as Partial<LanguageModel> | undefined;
  if (model === undefined || model === null || typeof model.generate !== 'function') {
    throw new InputError(`Expected \`model\` to be a LanguageModel (with \`generate\`), got \`${String(options.model)}\``);
  }
  const maxOutputTokens = expectInteger('maxOutputTokens', options.maxOutputTokens ?? 750, 1);
  const method = options.method ?? 'clopper-pearson';
  if (method !== 'clopper-pearson' && method !== 'wilson') throw new InputError(`Expected \`method\` to be clopper-pearson or wilson, got \`${String(method)}\``);
  const steps = options.steps ?? source.totalSteps;
  return {
    model: options.model,
    numStates: expectInteger('numStates', options.numStates ?? 100, 1),
    samplesPerState: expectInteger('samplesPerState', options.samplesPerState ?? 1, 1),
    seed: expectInteger('seed', options.seed ?? 0, 0),
    confidence: expectNumber('confidence', options.confidence ?? 0.95, 0, 1, 'both'),
    method,
    temperature: expectNumber('temperature', options.temperature ?? 0.1, 0, 2),
    maxOutputTokens,
    redFlags: options.redFlags ?? defaultRedFlags(maxOutputTokens),
    concurrency: expectInteger('concurrency', options.concurrency ?? 8, 1, 10_000),
    steps: steps === undefined ? undefined : expectInteger('steps', steps, 1),
    target: expectNumber('target', options.target ?? 0.95, 0, 1, 'both'),
    m: expectInteger('m', options.m ?? 1, 1),
    maxShrinkStates: expectInteger('maxShrinkStates', options.maxShrinkStates ?? 200, 0),
    signal: options.signal,
  };
}

/** A state answered wrongly, with what it was answered and how to reproduce the first wrong answer. */
export interface Counterexample<S> {
  /** `measured`: one of the measured states; `shrunk`: the smallest failing state fast-check shrank the first one to. */
  readonly kind: 'measured' | 'shrunk';
  readonly state: S;
  /** Index of the measured state (for `shrunk`, of the measured state shrinking started from). */
  readonly index: number;
  /** The graph task's call id; undefined for step tasks and step functions. */
  readonly call: string | undefined;
  /** The oracle's key. */
  readonly expected: string;
  /** The wrong keys the model gave, with counts, most frequent first. */
  readonly answers: readonly { readonly key: string; readonly count: number }[];
  /** Valid samples of this call (right and wrong). */
  readonly validSamples: number;
  /** Request seed of the first wrong answer (at the measurement's temperature). */
  readonly requestSeed: number;
  /** For `shrunk`: how many shrinking steps fast-check took. */
  readonly shrinks?: number;
  /** For `shrunk`: fast-check's counterexample path, to replay with `{ seed, path }`. */
  readonly path?: string;
}

/** One wrong answer of one measured call, with how many samples gave it. */
export interface WrongAnswer {
  readonly index: number;
  readonly call: string | undefined;
  readonly expected: string;
  readonly key: string;
  readonly count: number;
}

/** How the wrong answers are spread: over states, and over answers within a state. */
export interface ErrorProfile {
  /** Wrong (valid, not the oracle's) answers. */
  readonly wrong: number;
  /** Calls (states, for step tasks) with at least one wrong answer. */
  readonly callsWithErrors: number;
  /** Intraclass correlation of being wrong among a call's valid samples: 0 independent, 1 a state is always right or always wrong. Undefined with one sample per state. */
  readonly intraclassCorrelation: number | undefined;
  /** Design effect applied to `pInterval`. */
  readonly designEffect: number;
  /** Independent samples `pInterval` is worth. */
  readonly effectiveSamples: number;
  /**
   * Share of wrong answers that are their call's most common wrong answer: 1 when a state always errs the same way
   * (an attractor, the error voting outvotes slowest), lower when errors scatter. Undefined without errors.
   */
  readonly topWrongShare: number | undefined;
}

/** What {@link measureStep} measured. */
export interface StepMeasurement<S> {
  readonly kind: 'step';
  /** The task's (or step function's) name. */
  readonly task: string;
  readonly model: string;
  /** The measurement's seed: rerun with it to reproduce every figure. */
  readonly seed: number;
  readonly confidence: number;
  readonly method: IntervalMethod;
  readonly temperature: number;
  readonly samplesPerState: number;
  /** States measured. */
  readonly states: number;
  /** Calls measured (one per state for step tasks and step functions). */
  readonly calls: number;
  /** Samples taken, `calls * samplesPerState`. */
  readonly samples: number;
  readonly valid: number;
  readonly correct: number;
  readonly redFlagged: number;
  /** Red-flagged responses by rule. */
  readonly redFlags: Readonly<Record<string, number>>;
  /** Per-step success among valid responses, `correct / valid`; undefined without a valid response. */
  readonly p: number | undefined;
  /** Two-sided interval for `p` at `confidence`; undefined without a valid response. */
  readonly pInterval: ClusteredInterval | undefined;
  /** Red-flag survival, `valid / samples` (the planner's `v`). */
  readonly v: number;
  readonly vInterval: ClusteredInterval;
  /** Red-flag rate, `1 - v`. */
  readonly redFlagRate: number;
  readonly redFlagRateInterval: Interval;
  readonly errors: ErrorProfile;
  /** Every wrong answer by call and key, most frequent first. */
  readonly wrongAnswers: readonly WrongAnswer[];
  /** The margin the planner would choose at the lower end of `pInterval` (and of `vInterval`); undefined without `steps`. */
  readonly k: KRecommendation | undefined;
  /** The shrunk counterexample first (when states came from an arbitrary), then every wrongly answered call in order. */
  readonly counterexamples: readonly Counterexample<S>[];
  readonly meanInputTokens: number;
  readonly meanOutputTokens: number;
  readonly costUsd: number;
}

interface Unit {
  readonly index: number;
  readonly state: unknown;
  readonly probe: Probe & { readonly expected: string };
}

function judged(source: ProbeSource, state: unknown, index: number): Unit[] {
  return source.probes(state).map((probe) => {
    if (probe.expected === undefined) {
      const call = probe.call === undefined ? '' : ` (call \`${probe.call}\`)`;
      throw new InputError(`Expected the oracle of \`${source.name}\` to answer state ${index}${call}, got no answer; measure only states it can judge`);
    }
    return { index, state, probe: probe as Unit['probe'] };
  });
}

function counterexample<S>(unit: Unit, tally: ProbeTally): Counterexample<S> {
  return {
    kind: 'measured',
    state: unit.state as S,
    index: unit.index,
    call: unit.probe.call,
    expected: unit.probe.expected,
    answers: tally.wrong,
    validSamples: tally.valid,
    requestSeed: tally.firstWrongSeed!,
  };
}

/**
 * Measures a step function on states: `p` with its interval, `v`, the error profile, the planner's `k` and
 * counterexamples (see {@link StepMeasurement}). Deterministic for a seeded model: the same options give the same
 * figures. A call that throws (an endpoint down, a cassette without the answer) rejects with that error.
 */
export function measureStep<S, V>(options: MeasureStepOptions<StepTask<S, V>, StepAt<S>>): Promise<StepMeasurement<StepAt<S>>>;
export function measureStep<S, V, D>(options: MeasureStepOptions<GraphTask<S, V, D>, S>): Promise<StepMeasurement<S>>;
export function measureStep<S, V>(options: MeasureStepOptions<StepFunction<S, V>, S>): Promise<StepMeasurement<S>>;
export async function measureStep(options: MeasureStepOptions<Measurable, unknown>): Promise<StepMeasurement<unknown>> {
  const source = probeSource(options.task);
  const resolved = resolveMeasureStepOptions(options, source);
  if (!source.hasOracle) throw new InputError(`Expected the task \`${source.name}\` to have an oracle, got none`);

  const { states, search } = await stateSource(options.states, resolved.seed, resolved.numStates);
  const units = states.flatMap((state, index) => judged(source, state, index));
  if (units.length === 0) throw new InputError(`Expected the states of \`${source.name}\` to have at least one ready call, got none`);

  const tallies = await sampleProbes(units.map((unit) => unit.probe), resolved);
  const counterexamples: Counterexample<unknown>[] = [];
  units.forEach((unit, i) => {
    if (tallies[i]!.wrong.length > 0) counterexamples.push(counterexample(unit, tallies[i]!));
  });
  if (search !== undefined && counterexamples.length > 0 && resolved.maxShrinkStates > 0) {
    const shrunk = await shrinkFirst(search, source, units, tallies, counterexamples[0]!.index, resolved);
    if (shrunk !== undefined) counterexamples.unshift(shrunk);
  }
  return summarize(source, resolved, states.length, units, tallies, counterexamples);
}

async function shrinkFirst(
  search: StateSearch<unknown>,
  source: ProbeSource,
  units: readonly Unit[],
  tallies: readonly ProbeTally[],
  start: number,
  resolved: ResolvedMeasureStepOptions,
): Promise<Counterexample<unknown> | undefined> {
  const known = new Map<string, Counterexample<unknown> | null>();
  const byState = new Map<number, number[]>();
  units.forEach((unit, i) => byState.set(unit.index, [...(byState.get(unit.index) ?? []), i]));
  for (const indexes of byState.values()) {
    const key = promptsKey(indexes.map((i) => units[i]!.probe));
    const failing = indexes.find((i) => tallies[i]!.wrong.length > 0);
    // Two measured states that show the same prompts: a failure of either makes the prompts a failing state.
    if ((known.get(key) ?? null) === null) known.set(key, failing === undefined ? null : counterexample(units[failing]!, tallies[failing]!));
  }
  const shrunk = await shrinkFirstFailing({
    search,
    start,
    known,
    budget: resolved.maxShrinkStates,
    keyOf: (state) => promptsKey(source.probes(state)),
    judge: async (state, key) => {
      const probes = source.probes(state);
      // A state the oracle cannot judge is no counterexample.
      if (probes.length === 0 || probes.some((probe) => probe.expected === undefined)) return null;
      // Seeded by what the state shows, so the same candidate gets the same samples whichever path reaches it.
      const tallied = await sampleProbes(probes, { ...resolved, seed: mixSeed(resolved.seed, hashString(key), 0x5e1f) });
      const failing = tallied.findIndex((t) => t.wrong.length > 0);
      return failing < 0 ? null : counterexample({ index: start, state, probe: probes[failing] as Unit['probe'] }, tallied[failing]!);
    },
  });
  if (shrunk === undefined) return undefined;
  return { ...shrunk.verdict, kind: 'shrunk', state: shrunk.state, index: start, shrinks: shrunk.shrinks, path: shrunk.path };
}

function summarize(
  source: ProbeSource,
  resolved: ResolvedMeasureStepOptions,
  stateCount: number,
  units: readonly Unit[],
  tallies: readonly ProbeTally[],
  counterexamples: readonly Counterexample<unknown>[],
): StepMeasurement<unknown> {
  const { confidence, method } = resolved;
  let valid = 0;
  let correct = 0;
  let redFlagged = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd = 0;
  let top = 0;
  const redFlags: Record<string, number> = {};
  const wrongAnswers: WrongAnswer[] = [];
  for (const [i, tally] of tallies.entries()) {
    valid += tally.valid;
    correct += tally.correct;
    redFlagged += tally.redFlagged;
    for (const sample of tally.samples) {
      inputTokens += sample.inputTokens;
      outputTokens += sample.outputTokens;
      costUsd += sample.costUsd;
      if (sample.kind === 'red-flag') redFlags[sample.rule] = (redFlags[sample.rule] ?? 0) + 1;
    }
    const unit = units[i]!;
    for (const { key, count } of tally.wrong) wrongAnswers.push({ index: unit.index, call: unit.probe.call, expected: unit.probe.expected, key, count });
    top += tally.wrong[0]?.count ?? 0;
  }
  wrongAnswers.sort((a, b) => b.count - a.count || a.index - b.index);
  const samples = valid + redFlagged;
  const wrong = valid - correct;
  const pInterval = valid === 0 ? undefined : clusteredInterval(tallies.map((t) => ({ successes: t.correct, trials: t.valid })), confidence, method);
  const vInterval = clusteredInterval(tallies.map((t) => ({ successes: t.valid, trials: t.valid + t.redFlagged })), confidence, method);
  const summary: CalibrationSummary = {
    samples,
    valid,
    correct,
    redFlagged,
    failed: 0,
    redFlags,
    confidence,
    method,
    p: pInterval,
    v: vInterval,
    meanInputTokens: inputTokens / samples,
    meanOutputTokens: outputTokens / samples,
    meanCostUsd: costUsd / samples,
  };
  const k = resolved.steps === undefined ? undefined : recommendK(summary, { steps: resolved.steps, target: resolved.target, m: resolved.m, pricing: resolved.model.pricing });
  return {
    kind: 'step',
    task: source.name,
    model: resolved.model.id,
    seed: resolved.seed,
    confidence,
    method,
    temperature: resolved.temperature,
    samplesPerState: resolved.samplesPerState,
    states: stateCount,
    calls: units.length,
    samples,
    valid,
    correct,
    redFlagged,
    redFlags,
    p: pInterval?.estimate,
    pInterval,
    v: vInterval.estimate,
    vInterval,
    redFlagRate: 1 - vInterval.estimate,
    redFlagRateInterval: { estimate: 1 - vInterval.estimate, lower: 1 - vInterval.upper, upper: 1 - vInterval.lower },
    errors: {
      wrong,
      callsWithErrors: tallies.filter((t) => t.wrong.length > 0).length,
      intraclassCorrelation: pInterval?.intraclassCorrelation,
      designEffect: pInterval?.designEffect ?? 1,
      effectiveSamples: pInterval?.effectiveTrials ?? 0,
      topWrongShare: wrong === 0 ? undefined : top / wrong,
    },
    wrongAnswers,
    k,
    counterexamples,
    meanInputTokens: summary.meanInputTokens,
    meanOutputTokens: summary.meanOutputTokens,
    costUsd,
  };
}
