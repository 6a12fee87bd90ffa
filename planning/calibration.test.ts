import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, TransientModelError } from '../core/errors.ts';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import type { ModelRequest } from '../core/model.ts';
import type { ParseResult } from '../core/task.ts';
import { createScriptedModel, response } from '../testing/index.ts';
import {
  betaQuantile,
  clopperPearsonInterval,
  collectCalibrationSamples,
  logGamma,
  recommendK,
  regularizedBeta,
  summarizeCalibration,
  wilsonInterval,
  type CalibrationProbe,
  type CalibrationSample,
} from './calibration.ts';
import { kMin } from './reliability.ts';

function binomialPmf(n: number, x: number, p: number): number {
  return Math.exp(logGamma(n + 1) - logGamma(x + 1) - logGamma(n - x + 1) + x * Math.log(p) + (n - x) * Math.log1p(-p));
}

describe('binomial intervals', () => {
  it('match published Clopper-Pearson and Wilson values', () => {
    const cp = clopperPearsonInterval(5, 10);
    expect(cp.lower).toBeCloseTo(0.187086, 6);
    expect(cp.upper).toBeCloseTo(0.812914, 6);
    expect(clopperPearsonInterval(0, 10).upper).toBeCloseTo(0.308497, 6);
    expect(clopperPearsonInterval(10, 10).lower).toBeCloseTo(0.691503, 6);
    const wilson = wilsonInterval(5, 10);
    expect(wilson.lower).toBeCloseTo(0.236593, 6);
    expect(wilson.upper).toBeCloseTo(0.763407, 6);
  });

  it('Clopper-Pearson covers every p with probability at least the confidence', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0.001, max: 0.999, noNaN: true }), (n, p) => {
        let coverage = 0;
        for (let x = 0; x <= n; x++) {
          const { lower, upper } = clopperPearsonInterval(x, n);
          if (lower <= p && p <= upper) coverage += binomialPmf(n, x, p);
        }
        expect(coverage).toBeGreaterThanOrEqual(0.95 - 1e-9);
      }),
      { numRuns: 60 },
    );
  });

  it('both intervals lie in [0, 1] and contain the estimate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n))), ([x, n]) => {
        const cp = clopperPearsonInterval(x, n);
        const wilson = wilsonInterval(x, n);
        for (const interval of [cp, wilson]) {
          expect(interval.lower).toBeGreaterThanOrEqual(0);
          expect(interval.upper).toBeLessThanOrEqual(1);
          expect(interval.lower).toBeLessThanOrEqual(x / n);
          expect(interval.upper).toBeGreaterThanOrEqual(x / n);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('regularizedBeta is the binomial upper tail for integer parameters', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n))), fc.double({ min: 0.01, max: 0.99, noNaN: true }), ([x, n], p) => {
        let tail = 0;
        for (let j = x; j <= n; j++) tail += binomialPmf(n, j, p);
        expect(regularizedBeta(p, x, n - x + 1)).toBeCloseTo(tail, 10);
      }),
      { numRuns: 100 },
    );
  });

  it('betaQuantile inverts regularizedBeta', () => {
    expect(regularizedBeta(betaQuantile(0.3, 2.5, 7), 2.5, 7)).toBeCloseTo(0.3, 12);
  });

  it('rejects more successes than trials', () => {
    expect(() => clopperPearsonInterval(11, 10)).toThrow('Expected `successes` to be an integer from 0 to 10, got `11`');
  });
});

/** A toy task: the answer is `answer=X`; the oracle says A. */
function parse(text: string): ParseResult<string> {
  const match = /^answer=(\w)$/.exec(text);
  return match === null ? { ok: false, reason: 'no answer' } : { ok: true, key: match[1]!, value: match[1]! };
}

const probe = (index: number): CalibrationProbe => ({ messages: [{ role: 'user', content: `step ${index}` }], parse, oracleKey: 'A', step: index });

describe('collectCalibrationSamples', () => {
  it('classifies each response once, in index order', async () => {
    // Arrange
    const model = createScriptedModel({
      script: [
        'answer=A',
        'answer=B',
        'no answer here',
        response({ text: 'answer=A', finishReason: 'length' }),
        response({ text: 'answer=A', usage: { promptTokens: 10, completionTokens: 900 } }),
        new Error('endpoint down'),
      ],
    });

    // Act
    const samples = await collectCalibrationSamples({ samples: 6, probe, model, concurrency: 1 });

    // Assert
    expect(samples.map((sample) => (sample.kind === 'red-flag' ? sample.rule : sample.kind === 'valid' ? String(sample.correct) : sample.kind))).toEqual([
      'true',
      'false',
      'unparseable',
      'truncated',
      'too-long',
      'failed',
    ]);
    expect(samples.map((sample) => sample.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps at most `concurrency` calls in flight and sends one seeded call per sample', async () => {
    let inFlight = 0;
    let most = 0;
    const answer = async (request: ModelRequest) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      return response({ text: request.messages[0]!.content.endsWith('3') ? 'answer=B' : 'answer=A' });
    };
    const model = createScriptedModel({ script: [answer], whenExhausted: 'repeat-last' });
    const samples = await collectCalibrationSamples({ samples: 40, probe, model, concurrency: 4, seed: 7 });
    expect(most).toBeLessThanOrEqual(4);
    expect(model.calls).toHaveLength(40);
    expect(new Set(model.calls.map((call) => call.seed)).size).toBe(40);
    expect(samples.filter((sample) => sample.kind === 'valid' && !sample.correct)).toHaveLength(4);
  });

  it('passes each probe its own reproducible random stream', async () => {
    const draws = async (seed: number) => {
      const seen: number[] = [];
      const model = createScriptedModel({ script: ['answer=A'], whenExhausted: 'repeat-last' });
      await collectCalibrationSamples({
        samples: 5,
        model,
        seed,
        probe: (index, random) => {
          seen[index] = random();
          return probe(index);
        },
      });
      return seen;
    };
    expect(await draws(3)).toEqual(await draws(3));
    expect(await draws(3)).not.toEqual(await draws(4));
  });

  it('rejects zero samples', async () => {
    const model = createScriptedModel({ script: [] });
    await expect(collectCalibrationSamples({ samples: 0, probe, model })).rejects.toThrow(InputError);
  });

  it('takes exactly one of a model and a dispatcher', async () => {
    const model = createScriptedModel({ script: ['answer=A'] });
    const dispatcher = createDispatcher({ model });
    await expect(collectCalibrationSamples({ samples: 1, probe })).rejects.toThrow('Expected exactly one of `model` and `dispatcher` in the calibration options, got neither');
    await expect(collectCalibrationSamples({ samples: 1, probe, model, dispatcher })).rejects.toThrow(InputError);
  });

  it('retries a transient fault through the dispatcher: the sample is answered, not counted as failed', async () => {
    const flaky = new TransientModelError('flaky', 'server-error', 'try again', { status: 503 });
    const model = createScriptedModel({ script: ['answer=A', flaky, 'answer=B', 'answer=A'] });
    const dispatcher = createDispatcher({ model, retry: { baseDelayMs: 0, maxDelayMs: 0 } });
    const samples = await collectCalibrationSamples({ samples: 3, probe, dispatcher, concurrency: 1 });
    expect(samples.map((sample) => sample.kind)).toEqual(['valid', 'valid', 'valid']);
    expect(samples.map((sample) => sample.kind === 'valid' && sample.key)).toEqual(['A', 'B', 'A']);
    expect(model.calls).toHaveLength(4);
    expect(dispatcher.stats).toMatchObject({ retries: 1, faults: { 'server-error': 1 } });
  });

  it('retries transient faults when given a bare model too', async () => {
    const model = createScriptedModel({ script: [new TransientModelError('flaky', 'rate-limit', 'slow down', { retryAfterMs: 1 }), 'answer=A'] });
    const samples = await collectCalibrationSamples({ samples: 1, probe, model });
    expect(samples).toMatchObject([{ kind: 'valid', key: 'A' }]);
  });

  it('stops at a spent budget, keeping the samples it took and sending no more', async () => {
    const model = createScriptedModel({ script: ['answer=A'], whenExhausted: 'repeat-last' });
    const dispatcher = createDispatcher({ model, budget: { calls: 5 } });
    const samples = await collectCalibrationSamples({ samples: 20, probe, dispatcher, concurrency: 1 });
    expect(samples.map((sample) => sample.index)).toEqual([0, 1, 2, 3, 4]);
    expect(samples.every((sample) => sample.kind === 'valid')).toBe(true);
    expect(model.calls).toHaveLength(5);
    expect(dispatcher.exhausted?.budget).toBe('calls');
  });

  it("charges each sample at the answering endpoint's prices", async () => {
    const model = createScriptedModel({
      script: [response({ text: 'answer=A', usage: { promptTokens: 1_000_000, completionTokens: 0 } })],
      pricing: { inputUsdPerMillion: 2, outputUsdPerMillion: 0 },
    });
    const samples = await collectCalibrationSamples({ samples: 1, probe, model });
    expect(samples).toMatchObject([{ kind: 'valid', costUsd: 2, inputTokens: 1_000_000 }]);
  });

  it('flags a response the parser rejects as unparseable even with no red-flag rules, as the sampler does', async () => {
    const model = createScriptedModel({ script: ['garbled', response({ text: 'answer=A', finishReason: 'length' })] });
    const samples = await collectCalibrationSamples({ samples: 2, probe, model, concurrency: 1, redFlags: [] });
    expect(samples).toMatchObject([
      { kind: 'red-flag', rule: 'unparseable' },
      { kind: 'valid', key: 'A' },
    ]);
  });
});

function valid(correct: boolean): CalibrationSample {
  return { kind: 'valid', index: 0, step: 0, correct, key: correct ? 'A' : 'B', inputTokens: 100, outputTokens: 50, costUsd: 0 };
}

describe('summarizeCalibration and recommendK', () => {
  it('measures p among valid responses and v among answered ones', () => {
    const samples: CalibrationSample[] = [
      ...Array.from({ length: 90 }, () => valid(true)),
      ...Array.from({ length: 10 }, () => valid(false)),
      ...Array.from({ length: 25 }, (): CalibrationSample => ({ kind: 'red-flag', index: 0, step: 0, rule: 'too-long', inputTokens: 100, outputTokens: 800, costUsd: 0 })),
      { kind: 'failed', index: 0, step: 0, error: 'down' },
    ];
    const summary = summarizeCalibration(samples);
    expect(summary).toMatchObject({ samples: 126, valid: 100, correct: 90, redFlagged: 25, failed: 1, redFlags: { 'too-long': 25 } });
    expect(summary.p?.estimate).toBe(0.9);
    expect(summary.v?.estimate).toBe(0.8);
    expect(summary.meanOutputTokens).toBeCloseTo((100 * 50 + 25 * 800) / 125, 12);
  });

  it('recommends k at the lower confidence bound of p', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => valid(i % 100 !== 0));
    const summary = summarizeCalibration(samples);
    const recommendation = recommendK(summary, { steps: 1_048_575, target: 0.95 });
    expect(recommendation.kind).toBe('recommended');
    if (recommendation.kind !== 'recommended') return;
    expect(recommendation.pLower).toBe(summary.p!.lower);
    expect(recommendation.k).toBe(kMin(summary.p!.lower, 1_048_575, 0.95));
    expect(recommendation.k).toBeGreaterThanOrEqual(recommendation.kAtEstimate);
    expect(recommendation.estimate.pFull).toBeGreaterThanOrEqual(0.95);
  });

  it('is infeasible when the lower bound of p is not above one half', () => {
    const samples = Array.from({ length: 20 }, (_, i) => valid(i % 2 === 0));
    expect(recommendK(summarizeCalibration(samples), { steps: 100 })).toMatchObject({ kind: 'infeasible' });
    expect(recommendK(summarizeCalibration([]), { steps: 100 })).toMatchObject({ kind: 'infeasible' });
  });
});
