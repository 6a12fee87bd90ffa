import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import type { ModelRequest } from '../core/model.ts';
import { promptText } from '../core/task.ts';
import { hanoiSim } from '../tasks/hanoi/index.ts';
import { createHanoiTask, hanoiStateAt } from '../tasks/hanoi/index.ts';
import { digitSlips, faultyModel, simAnswers } from './faulty-model.ts';
import { measureStep } from './measure-step.ts';
import type { StepFunction } from './step-under-test.ts';

/** A task of its own: "what is n squared", answered as a number. */
const square: StepFunction<number, number> = {
  name: 'square',
  prompt: (n) => [{ role: 'user', content: `What is ${n} squared? Answer with the number only.` }],
  parse: (text) => (/^\d+$/.test(text) ? { ok: true, key: text, value: Number(text) } : { ok: false, reason: 'not a number' }),
  oracle: (n) => String(n * n),
};
const squareOf = (request: ModelRequest) => String(Number(/What is (\d+)/.exec(promptText(request.messages))![1]) ** 2);
const numbers = Array.from({ length: 400 }, (_, i) => i + 10);
const ask = (n: number, seed?: number): ModelRequest => ({ messages: square.prompt(n), temperature: 0.1, maxOutputTokens: 750, ...(seed === undefined ? {} : { seed }) });

describe('faultyModel', () => {
  it('errs at the chosen rate on a task without a simulated responder', async () => {
    const model = faultyModel({ correct: squareOf, errorRate: 0.2, seed: 1 });
    const result = await measureStep({ task: square, model, states: numbers, seed: 2 });
    expect(result.pInterval!.lower).toBeLessThan(0.8);
    expect(result.pInterval!.upper).toBeGreaterThan(0.8);
    expect(result.v).toBe(1);
  });

  it('correlates errors across samples of one prompt as chosen', async () => {
    for (const correlation of [0, 0.6, 1]) {
      const model = faultyModel({ correct: squareOf, errorRate: 0.3, correlation, seed: 3 });
      const result = await measureStep({ task: square, model, states: numbers, seed: 4, samplesPerState: 8 });
      expect(Math.abs(result.errors.intraclassCorrelation! - correlation)).toBeLessThan(0.1);
    }
  });

  it('red-flags at the chosen rate, truncated or malformed', async () => {
    const truncating = faultyModel({ correct: squareOf, redFlagRate: 0.25, seed: 5 });
    const truncated = await measureStep({ task: square, model: truncating, states: numbers, seed: 6 });
    expect(Object.keys(truncated.redFlags)).toEqual(['truncated']);
    expect(truncated.redFlagRateInterval.lower).toBeLessThan(0.25);
    expect(truncated.redFlagRateInterval.upper).toBeGreaterThan(0.25);
    const rambling = faultyModel({ correct: squareOf, redFlagRate: 0.25, redFlag: 'malformed', seed: 5 });
    const malformed = await measureStep({ task: square, model: rambling, states: numbers, seed: 6 });
    expect(Object.keys(malformed.redFlags)).toEqual(['unparseable']);
    expect(malformed.redFlagged).toBe(truncated.redFlagged);
  });

  it('gives one wrong answer per prompt when every error is the attractor', async () => {
    const model = faultyModel({ ...simAnswers(hanoiSim), errorRate: 1, attractorShare: 1 });
    const task = createHanoiTask({ disks: 6 });
    const messages = task.prompt(hanoiStateAt(6, 9), 9);
    const texts = new Set(await Promise.all(Array.from({ length: 20 }, (_, seed) => model.generate({ messages, temperature: 0.1, maxOutputTokens: 750, seed }).then((r) => r.text))));
    expect(texts.size).toBe(1);
    expect(hanoiSim.wrongAnswers(promptText(messages), hanoiSim.respond(promptText(messages)))).toContain([...texts][0]);
  });

  it('answers the same request the same way, whatever else it was asked before', async () => {
    const a = faultyModel({ correct: squareOf, errorRate: 0.5, redFlagRate: 0.2, seed: 9 });
    const b = faultyModel({ correct: squareOf, errorRate: 0.5, redFlagRate: 0.2, seed: 9 });
    const requests = numbers.slice(0, 50).map((n, i) => ask(n, i));
    const forward = await Promise.all(requests.map((r) => a.generate(r)));
    const backward = await Promise.all([...requests].reverse().map((r) => b.generate(r)));
    expect(backward.reverse()).toEqual(forward);
    const reseeded = await Promise.all(requests.map((r) => a.generate({ ...r, seed: (r.seed ?? 0) + 1000 })));
    expect(reseeded.map((r) => r.text)).not.toEqual(forward.map((r) => r.text));
  });

  it('answers wrongly where it has no correct answer, by default with one digit slipped', async () => {
    expect(digitSlips('a19')).toEqual(['a29', 'a10']);
    const model = faultyModel({ correct: (request) => (promptText(request.messages).includes('13') ? undefined : squareOf(request)), wrong: () => ['1'] });
    expect((await model.generate(ask(13))).text).toBe('1');
    const slipping = faultyModel({ correct: squareOf, errorRate: 1 });
    expect(digitSlips('144')).toContain((await slipping.generate(ask(12))).text);
  });

  it('rejects bad options and rates with one line quoting the value', async () => {
    expect(() => faultyModel({ correct: squareOf, errorRate: 1.5 })).toThrow('Expected `errorRate` to be a number in [0, 1], got `1.5`');
    expect(() => faultyModel({ correct: squareOf, correlation: -0.1 })).toThrow(InputError);
    expect(() => faultyModel({ correct: squareOf, redFlag: 'loud' as never })).toThrow('Expected `redFlag` to be truncated or malformed, got `loud`');
    await expect(faultyModel({ correct: squareOf, errorRate: () => 2 }).generate(ask(3))).rejects.toThrow('got `2`');
    await expect(faultyModel({ correct: () => 'no digits', errorRate: 1 }).generate(ask(3))).rejects.toThrow('pass `wrong`');
  });
});
