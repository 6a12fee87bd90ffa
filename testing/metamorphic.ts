/**
 * Metamorphic properties: a state transformed in a way whose effect on the answer is known must be answered
 * accordingly — relabelled Hanoi pegs give the relabelled move, a permuted list sorts to the same list. No oracle is
 * needed: the model is checked against itself. Sample `j` of a state is paired with sample `j` of its transform; a
 * pair where both answers are valid either keeps the relation or is a violation. The share of pairs that keep it
 * gets a two-sided interval (clustered by state, as in `measureStep`), gated like `p`.
 */
import type { Arbitrary } from 'fast-check';
import { InputError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import { hashString, mixSeed } from '../core/rng.ts';
import type { StepTask } from '../core/task.ts';
import type { IntervalMethod } from '../planning/calibration.ts';
import { expectInteger, expectNumber } from '../planning/expect.ts';
import { defaultRedFlags, type RedFlagRule } from '../voting/red-flags.ts';
import { clusteredInterval, type ClusteredInterval } from './clustered-interval.ts';
import { sampleProbes, type ProbeSamplingOptions } from './sample-probes.ts';
import { shrinkFirstFailing } from './shrink.ts';
import { stateSource } from './state-source.ts';
import { probeSource, promptsKey, type Probe, type ProbeSource, type StepAt, type StepFunction } from './step-under-test.ts';

/** A parsed answer as the relation sees it. */
export interface Answer<V> {
  readonly key: string;
  readonly value: V;
}

/** Options of {@link measureMetamorphic}. `T` is what is measured, `S` a state, `V` a parsed answer's value. */
export interface MetamorphicOptions<T, S, V> {
  /** A `StepTask` (a state is `{ state, step }`) or a step function; no oracle is needed. */
  readonly task: T;
  readonly model: LanguageModel;
  /** States to check: a list, or a fast-check arbitrary (`numStates` drawn with `seed`, the first violation shrunk). */
  readonly states: readonly S[] | Arbitrary<S>;
  /** Name of the relation, for messages. @default 'metamorphic' */
  readonly name?: string;
  /** The transformation of a state. */
  readonly transform: (state: S) => S;
  /** The key the answer on `transform(state)` must have, given the answer on `state`. @default the same key */
  readonly relate?: (answer: Answer<V>, state: S) => string;
  /** States drawn when `states` is an arbitrary. @default 100 */
  readonly numStates?: number;
  /** Pairs per state. @default 1 */
  readonly samplesPerState?: number;
  /** @default 0 */
  readonly seed?: number;
  /** @default 0.95 */
  readonly confidence?: number;
  /** @default 'clopper-pearson' */
  readonly method?: IntervalMethod;
  /** @default 0.1 */
  readonly temperature?: number;
  /** @default 750 */
  readonly maxOutputTokens?: number;
  /** @default defaultRedFlags(maxOutputTokens) */
  readonly redFlags?: readonly RedFlagRule[];
  /** @default 8 */
  readonly concurrency?: number;
  /** States judged while shrinking; 0 turns shrinking off. @default 200 */
  readonly maxShrinkStates?: number;
  readonly signal?: AbortSignal;
}

/** A state whose transform was answered out of relation. */
export interface MetamorphicCounterexample<S> {
  readonly kind: 'measured' | 'shrunk';
  readonly state: S;
  readonly transformed: S;
  /** Index of the measured state (for `shrunk`, the one shrinking started from). */
  readonly index: number;
  /** The answer on the state. */
  readonly original: string;
  /** The key the relation asks for on the transform. */
  readonly expected: string;
  /** The answer on the transform. */
  readonly got: string;
  /** Request seed of the pair (both calls share it). */
  readonly requestSeed: number;
  readonly shrinks?: number;
  readonly path?: string;
}

/** What {@link measureMetamorphic} measured. `p` is the share of valid pairs that kept the relation. */
export interface MetamorphicMeasurement<S> {
  readonly kind: 'metamorphic';
  readonly relation: string;
  readonly task: string;
  readonly model: string;
  readonly seed: number;
  readonly confidence: number;
  readonly method: IntervalMethod;
  readonly states: number;
  /** Pairs sampled, `states * samplesPerState`. */
  readonly pairs: number;
  /** Pairs where both answers were valid. */
  readonly validPairs: number;
  /** Valid pairs that kept the relation. */
  readonly held: number;
  /** `held / validPairs`; undefined without a valid pair. */
  readonly p: number | undefined;
  readonly pInterval: ClusteredInterval | undefined;
  readonly counterexamples: readonly MetamorphicCounterexample<S>[];
}

interface Pairing {
  readonly held: number;
  readonly valid: number;
  /** The first broken pair. */
  readonly broken: { readonly original: string; readonly expected: string; readonly got: string; readonly requestSeed: number } | undefined;
}

function onlyProbe(source: ProbeSource, state: unknown): Probe & { readonly values: Map<string, unknown> } {
  const probes = source.probes(state);
  if (probes.length !== 1) throw new InputError(`Expected one call per state of \`${source.name}\` for a metamorphic check, got ${probes.length}`);
  const probe = probes[0]!;
  // The sampler keeps keys only; the relation needs values, so remember each key's value as it is parsed.
  const values = new Map<string, unknown>();
  return {
    ...probe,
    values,
    parse: (text) => {
      const parsed = probe.parse(text);
      if (parsed.ok && !values.has(parsed.key)) values.set(parsed.key, parsed.value);
      return parsed;
    },
  };
}

/**
 * Checks a metamorphic relation of a step on states: samples each state and its transform, and measures how often
 * the transform's answer is what the relation says (see {@link MetamorphicMeasurement}).
 */
export function measureMetamorphic<S, V>(options: MetamorphicOptions<StepTask<S, V>, StepAt<S>, V>): Promise<MetamorphicMeasurement<StepAt<S>>>;
export function measureMetamorphic<S, V>(options: MetamorphicOptions<StepFunction<S, V>, S, V>): Promise<MetamorphicMeasurement<S>>;
// The overloads type the options; inside, states and values are opaque.
export async function measureMetamorphic(options: MetamorphicOptions<StepTask<any, any> | StepFunction<any, any>, any, any>): Promise<MetamorphicMeasurement<unknown>> {
  const source = probeSource(options.task);
  if (source.kind === 'graph-task') throw new InputError(`Expected a step task or a step function for a metamorphic check, got the graph task \`${source.name}\``);
  if (typeof options.transform !== 'function') throw new InputError(`Expected \`transform\` to be a function, got \`${typeof options.transform}\``);
  const maxOutputTokens = expectInteger('maxOutputTokens', options.maxOutputTokens ?? 750, 1);
  const method = options.method ?? 'clopper-pearson';
  if (method !== 'clopper-pearson' && method !== 'wilson') throw new InputError(`Expected \`method\` to be clopper-pearson or wilson, got \`${String(method)}\``);
  const confidence = expectNumber('confidence', options.confidence ?? 0.95, 0, 1, 'both');
  const numStates = expectInteger('numStates', options.numStates ?? 100, 1);
  const maxShrinkStates = expectInteger('maxShrinkStates', options.maxShrinkStates ?? 200, 0);
  const sampling: ProbeSamplingOptions = {
    model: options.model,
    samplesPerState: expectInteger('samplesPerState', options.samplesPerState ?? 1, 1),
    seed: expectInteger('seed', options.seed ?? 0, 0),
    temperature: expectNumber('temperature', options.temperature ?? 0.1, 0, 2),
    maxOutputTokens,
    redFlags: options.redFlags ?? defaultRedFlags(maxOutputTokens),
    concurrency: expectInteger('concurrency', options.concurrency ?? 8, 1, 10_000),
    signal: options.signal,
  };
  const relate = options.relate ?? ((answer: Answer<unknown>) => answer.key);
  const relation = options.name ?? 'metamorphic';

  const { states, search } = await stateSource(options.states, sampling.seed, numStates);

  /** Samples states and their transforms (both under `seed`) and pairs their answers. */
  const pairUp = async (batch: readonly unknown[], seed: number): Promise<Pairing[]> => {
    const originals = batch.map((state) => onlyProbe(source, state));
    const transforms = batch.map((state) => onlyProbe(source, options.transform(state)));
    // Sampled as two lists under one seed, so sample j of a state and of its transform share a request seed; one
    // after the other, so no more than `concurrency` calls are in flight.
    const left = await sampleProbes(originals, { ...sampling, seed });
    const right = await sampleProbes(transforms, { ...sampling, seed });
    return batch.map((state, i) => {
      let held = 0;
      let valid = 0;
      let broken: Pairing['broken'];
      for (let j = 0; j < sampling.samplesPerState; j++) {
        const a = left[i]!.samples[j]!;
        const b = right[i]!.samples[j]!;
        if (a.kind !== 'valid' || b.kind !== 'valid') continue;
        valid += 1;
        const expected = relate({ key: a.key, value: originals[i]!.values.get(a.key) }, state);
        if (b.key === expected) held += 1;
        else broken ??= { original: a.key, expected, got: b.key, requestSeed: a.requestSeed };
      }
      return { held, valid, broken };
    });
  };

  const pairings = await pairUp(states, sampling.seed);
  const counterexamples: MetamorphicCounterexample<unknown>[] = [];
  pairings.forEach((pairing, index) => {
    if (pairing.broken !== undefined) counterexamples.push({ kind: 'measured', state: states[index], transformed: options.transform(states[index]), index, ...pairing.broken });
  });
  if (search !== undefined && counterexamples.length > 0 && maxShrinkStates > 0) {
    const start = counterexamples[0]!.index;
    const keyOf = (state: unknown) => promptsKey([...source.probes(state), ...source.probes(options.transform(state))]);
    const known = new Map<string, MetamorphicCounterexample<unknown> | null>();
    states.forEach((state, index) => {
      const key = keyOf(state);
      if ((known.get(key) ?? null) === null) known.set(key, counterexamples.find((c) => c.index === index) ?? null);
    });
    const shrunk = await shrinkFirstFailing({
      search,
      start,
      known,
      keyOf,
      budget: maxShrinkStates,
      judge: async (state, key) => {
        const [pairing] = await pairUp([state], mixSeed(sampling.seed, hashString(key), 0x5e1f));
        const broken = pairing!.broken;
        return broken === undefined ? null : { kind: 'measured', state, transformed: options.transform(state), index: start, ...broken };
      },
    });
    if (shrunk !== undefined) counterexamples.unshift({ ...shrunk.verdict, kind: 'shrunk', index: start, shrinks: shrunk.shrinks, path: shrunk.path });
  }
  const validPairs = pairings.reduce((sum, p) => sum + p.valid, 0);
  const held = pairings.reduce((sum, p) => sum + p.held, 0);
  const pInterval = validPairs === 0 ? undefined : clusteredInterval(pairings.map((p) => ({ successes: p.held, trials: p.valid })), confidence, method);
  return {
    kind: 'metamorphic',
    relation,
    task: source.name,
    model: options.model.id,
    seed: sampling.seed,
    confidence,
    method,
    states: states.length,
    pairs: states.length * sampling.samplesPerState,
    validPairs,
    held,
    p: pInterval?.estimate,
    pInterval,
    counterexamples,
  };
}
