import { beforeAll, describe, expect, it } from 'vitest';
import { promptText } from '../core/task.ts';
import { createHanoiTask, hanoiSim, hanoiStateAt } from '../tasks/hanoi/index.ts';
import { faultyModel, simAnswers } from './faulty-model.ts';
import { measureStep, type StepMeasurement } from './measure-step.ts';
import './vitest.ts';

const task = createHanoiTask({ disks: 8 });
const states = Array.from({ length: 150 }, (_, i) => ({ state: hanoiStateAt(8, i), step: i }));
let measured: StepMeasurement<unknown>;

beforeAll(async () => {
  const model = faultyModel({ ...simAnswers(hanoiSim), errorRate: (request) => (promptText(request.messages).includes('Previous move: None') ? 1 : 0), redFlagRate: 0.02, seed: 2 });
  measured = await measureStep({ task, model, states, seed: 23 });
});

describe('vitest matchers', () => {
  it('toHaveSuccessAtLeast passes on the lower bound and fails with the seed, the estimate and the first counterexample', () => {
    expect(measured.counterexamples).toHaveLength(1);
    expect(measured).toHaveSuccessAtLeast(0.95);
    expect(() => expect(measured).toHaveSuccessAtLeast(0.999)).toThrow(/lower bound of p to be at least 0.999.*seed 23.*first counterexample: state .*"step":0/);
    expect(() => expect(measured).not.toHaveSuccessAtLeast(0.95)).toThrow(/to be below 0.95/);
  });

  it('toHaveRedFlagRateAtMost passes on the upper bound', () => {
    expect(measured).toHaveRedFlagRateAtMost(0.1);
    expect(() => expect(measured).toHaveRedFlagRateAtMost(0.001)).toThrow(/upper bound of the red-flag rate to be at most 0.001/);
  });

  it('fails on anything that is not a measurement', () => {
    expect(() => expect({ p: 1 }).toHaveSuccessAtLeast(0.5)).toThrow('Expected a measurement from measureStep or measureMetamorphic');
  });
});
