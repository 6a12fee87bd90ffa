import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { promptText } from '../core/task.ts';
import { createHanoiTask, hanoiSim, hanoiStateAt, type HanoiState } from '../tasks/hanoi/index.ts';
import { faultyModel, simAnswers } from './faulty-model.ts';
import { assertRedFlagRateAtMost, assertSuccessAtLeast, GateError, redFlagGate, successGate } from './gate.ts';
import { measureStep, type StepMeasurement } from './measure-step.ts';
import type { StepAt } from './step-under-test.ts';

const task = createHanoiTask({ disks: 10 });
const states = Array.from({ length: 200 }, (_, i) => ({ state: hanoiStateAt(10, i * 5), step: i * 5 }));
const failing = new Set(states.filter((_, i) => i % 10 === 3).map((at) => promptText(task.prompt(at.state, at.step))));
let measured: StepMeasurement<StepAt<HanoiState>>;

beforeAll(async () => {
  const model = faultyModel({ ...simAnswers(hanoiSim), errorRate: (request) => (failing.has(promptText(request.messages)) ? 1 : 0), redFlagRate: 0.05, seed: 1 });
  measured = await measureStep({ task, model, states, seed: 17 });
});

describe('successGate', () => {
  it('judges on the lower bound, not the estimate', () => {
    expect(measured.p).toBe(0.9);
    expect(successGate(measured, measured.pInterval!.lower).pass).toBe(true);
    expect(successGate(measured, 0.88).pass).toBe(false);
  });

  it('says on failure what was expected, the estimate with its interval, the seed and the first counterexample', () => {
    const { message } = successGate(measured, 0.99);
    expect(message).toContain('Expected the 95% lower bound of p to be at least 0.99');
    expect(message).toContain(`p = 0.9 [`);
    expect(message).toContain('seed 17');
    expect(message).toContain(`first counterexample: state ${JSON.stringify(measured.counterexamples[0]!.state).slice(0, 40)}`);
    expect(message).toContain(`expected \`${measured.counterexamples[0]!.expected}\``);
    expect(message).toContain(`request seed ${measured.counterexamples[0]!.requestSeed}`);
    expect(message).not.toContain('\n');
  });

  it('throws a GateError from the assert form only when the gate fails', () => {
    expect(() => assertSuccessAtLeast(measured, 0.8)).not.toThrow();
    expect(() => assertSuccessAtLeast(measured, 0.95)).toThrow(GateError);
    expect(() => assertSuccessAtLeast(measured, 1.5)).toThrow(InputError);
  });
});

describe('redFlagGate', () => {
  it('judges on the upper bound of the red-flag rate', () => {
    expect(measured.redFlagRate).toBeGreaterThan(0);
    expect(redFlagGate(measured, measured.redFlagRateInterval.upper).pass).toBe(true);
    expect(redFlagGate(measured, measured.redFlagRate).pass).toBe(false);
    expect(() => assertRedFlagRateAtMost(measured, measured.redFlagRate)).toThrow(/upper bound of the red-flag rate to be at most .*\(truncated \d+ of 200 samples/);
  });
});
