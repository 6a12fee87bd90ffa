/**
 * Samples probes without voting, through calibration's sampler (`collectCalibrationSamples`): the same parser, the
 * same red-flag rules and the same per-sample seeds as a calibration, `samplesPerState` calls per probe. Unlike
 * a calibration, a call that throws is not set aside: in a test it is a fault to report (a cassette without the
 * answer, an endpoint down), so the first error stops the sampling and is rethrown as it was.
 */
import { abortError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import { calibrationRequestSeed, collectCalibrationSamples, type CalibrationSample } from '../planning/calibration.ts';
import type { RedFlagRule } from '../voting/red-flags.ts';
import type { Probe } from './step-under-test.ts';

/** How probes are sampled; resolved by the caller. */
export interface ProbeSamplingOptions {
  readonly model: LanguageModel;
  readonly samplesPerState: number;
  readonly seed: number;
  readonly temperature: number;
  readonly maxOutputTokens: number;
  readonly redFlags: readonly RedFlagRule[];
  readonly concurrency: number;
  readonly signal: AbortSignal | undefined;
}

/** One answered sample: valid (with its key) or red-flagged (with the rule), and the request seed that produced it. */
export type ProbeSample = Exclude<CalibrationSample, { kind: 'failed' }> & { readonly requestSeed: number };

/** What sampling one probe gave, and its counts. */
export interface ProbeTally {
  readonly samples: readonly ProbeSample[];
  readonly valid: number;
  readonly correct: number;
  readonly redFlagged: number;
  /** Wrong (valid, not the oracle's) keys with counts, most frequent first. */
  readonly wrong: readonly { readonly key: string; readonly count: number }[];
  /** Request seed of the first wrong sample. */
  readonly firstWrongSeed: number | undefined;
}

/** Samples each probe `samplesPerState` times; results come back per probe in order. Sample `j` of probe `i` is calibration sample `i * samplesPerState + j`. */
export async function sampleProbes(probes: readonly Probe[], options: ProbeSamplingOptions): Promise<ProbeTally[]> {
  const per = options.samplesPerState;
  const { model } = options;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted === true) throw options.signal.reason ?? abortError();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let fatal: { readonly error: unknown } | undefined;
  const guarded: LanguageModel = {
    id: model.id,
    pricing: model.pricing,
    async generate(request) {
      if (fatal !== undefined) throw abortError();
      try {
        return await model.generate(request);
      } catch (error) {
        if (fatal === undefined && !controller.signal.aborted) {
          fatal = { error };
          controller.abort();
        }
        throw error;
      }
    },
  };
  let samples: CalibrationSample[];
  try {
    samples = await collectCalibrationSamples({
      samples: probes.length * per,
      probe: (index) => {
        const probe = probes[Math.floor(index / per)]!;
        return { messages: probe.messages, parse: probe.parse, oracleKey: probe.expected ?? '' };
      },
      model: guarded,
      seed: options.seed,
      concurrency: options.concurrency,
      temperature: options.temperature,
      maxOutputTokens: options.maxOutputTokens,
      redFlags: options.redFlags,
      signal: controller.signal,
    });
  } catch (error) {
    throw fatal === undefined ? error : fatal.error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return probes.map((_, i) => tally(samples.slice(i * per, (i + 1) * per), options.seed));
}

function tally(samples: readonly CalibrationSample[], seed: number): ProbeTally {
  const answered: ProbeSample[] = [];
  const wrong = new Map<string, number>();
  let valid = 0;
  let correct = 0;
  let redFlagged = 0;
  let firstWrongSeed: number | undefined;
  for (const sample of samples) {
    // A failed call rejects sampleProbes before any tally, so every sample here was answered.
    if (sample.kind === 'failed') continue;
    const requestSeed = calibrationRequestSeed(seed, sample.index);
    answered.push({ ...sample, requestSeed });
    if (sample.kind === 'red-flag') {
      redFlagged += 1;
      continue;
    }
    valid += 1;
    if (sample.correct) {
      correct += 1;
      continue;
    }
    wrong.set(sample.key, (wrong.get(sample.key) ?? 0) + 1);
    firstWrongSeed ??= requestSeed;
  }
  const byCount = [...wrong].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
  return { samples: answered, valid, correct, redFlagged, wrong: byCount, firstWrongSeed };
}
