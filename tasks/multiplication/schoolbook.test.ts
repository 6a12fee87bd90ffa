import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { promptText, type TaskCall } from '../../core/task.ts';
import { randomStream } from '../../core/rng.ts';
import { dryRun } from '../problem-sets/index.ts';
import { digitStep, formatDigitAnswer } from './digit-answer.ts';
import { generateMultiplicationProblems } from './dataset.ts';
import { multiplicationProblem } from './problem.ts';
import { createSchoolbookTask, schoolbookPlan, type SchoolbookCallData, type SchoolbookState } from './schoolbook.ts';
import { multiplicationSim } from './sim.ts';

/** A correct answer computed from the call's data (independent of the simulated model). */
const correct = (call: TaskCall<SchoolbookCallData>) => formatDigitAnswer(digitStep(call.data.operation, call.data.x, call.data.y, call.data.carry));
const operand = fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String);

describe('createSchoolbookTask', () => {
  it('reproduces the exact product for arbitrary operands when every call is answered correctly', () => {
    fc.assert(
      fc.property(operand, operand, (a, b) => {
        const task = createSchoolbookTask(multiplicationProblem(a, b));
        const run = dryRun(task, { respond: correct });
        expect(task.answer(run.finalState)).toBe((BigInt(a) * BigInt(b)).toString());
        expect(task.solved(run.finalState)).toBe(true);
        expect(run.calls).toBe(task.totalCalls);
      }),
    );
  });

  it('gets the product from prompts alone: a responder that reads only the prompt text solves it', () => {
    fc.assert(
      fc.property(operand, operand, (a, b) => {
        const task = createSchoolbookTask(multiplicationProblem(a, b));
        const run = dryRun(task, { respond: (call) => multiplicationSim.respond(promptText(call.messages))! });
        expect(task.solved(run.finalState)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('ends in the same state whatever order ready calls are answered in', () => {
    fc.assert(
      fc.property(operand, operand, fc.nat(), (a, b, seed) => {
        const task = createSchoolbookTask(multiplicationProblem(a, b));
        const random = randomStream(seed);
        let state: SchoolbookState = task.initialState();
        while (!task.done(state)) {
          // One ready call at a time, picked at random: any completion order the engine could see.
          const ready = [...task.ready(state)];
          const call = ready[Math.floor(random() * ready.length)]!;
          state = task.absorb(state, call, digitStep(call.data.operation, call.data.x, call.data.y, call.data.carry));
        }
        expect(state).toEqual(dryRun(task, { respond: correct }).finalState);
      }),
      { numRuns: 50 },
    );
  });

  it('carries a wrong digit into the product instead of repairing it', () => {
    const task = createSchoolbookTask(multiplicationProblem('46048', '42098'));
    let corrupted = false;
    const run = dryRun(task, {
      respond: (call) => {
        if (!corrupted && call.data.operation === 'multiply') {
          corrupted = true;
          const right = digitStep('multiply', call.data.x, call.data.y, call.data.carry);
          return formatDigitAnswer({ digit: (right.digit + 1) % 10, carry: right.carry });
        }
        return correct(call);
      },
    });
    expect(task.done(run.finalState)).toBe(true);
    expect(task.solved(run.finalState)).toBe(false);
  });

  it('has prompts of one size whatever the operands: the largest 10x10 prompt is no larger than the largest 5x5 one', () => {
    const largest = (digits: number) =>
      Math.max(
        ...generateMultiplicationProblems({ digits, count: 5, seed: 1 }).map(
          (problem) => dryRun(createSchoolbookTask(problem), { respond: correct, measureTokens: true }).maxPromptTokens,
        ),
      );
    const five = largest(5);
    expect(largest(10)).toBeLessThanOrEqual(five);
    expect(largest(40)).toBeLessThanOrEqual(five);
  });

  it('runs the rows side by side: n x n digits take n² digit products and about 2n + log2(n) waves', () => {
    for (const digits of [5, 10, 20]) {
      const [problem] = generateMultiplicationProblems({ digits, count: 1, seed: 3 });
      const task = createSchoolbookTask(problem!);
      const run = dryRun(task, { respond: correct });
      const products = task.plan.filter((node) => node.kind === 'row').length * digits;
      expect(products).toBe(digits * digits);
      expect(run.widest).toBeGreaterThanOrEqual(digits);
      expect(run.waves).toBeLessThanOrEqual(2 * digits + Math.ceil(Math.log2(digits)) + 3);
    }
  });

  it('asks each digit call only its three inputs', () => {
    const task = createSchoolbookTask(multiplicationProblem('78', '6'));
    const [first] = [...task.ready(task.initialState())];
    expect(first!.messages.at(-1)!.content).toBe('a = 8, b = 6, c = 0');
    expect(promptText(first!.messages)).not.toMatch(/78/);
  });
});

describe('schoolbookPlan', () => {
  it('adds m rows in a balanced tree of m - 1 sums, the product last', () => {
    for (let m = 1; m <= 33; m++) {
      const plan = schoolbookPlan(m);
      expect(plan.filter((node) => node.kind === 'row')).toHaveLength(m);
      expect(plan.filter((node) => node.kind === 'sum')).toHaveLength(m - 1);
      // Every number but the last is an operand of exactly one sum.
      const operands = plan.flatMap((node) => (node.kind === 'sum' ? [node.left, node.right] : []));
      expect(operands).toHaveLength(plan.length - 1);
      expect(new Set(operands).size).toBe(plan.length - 1);
      expect(operands).not.toContain(plan.length - 1);
    }
  });
});

describe('the call graph', () => {
  it('is oblivious: any answers, right or wrong, make exactly totalCalls calls', () => {
    fc.assert(
      fc.property(operand, operand, fc.nat(), (a, b, seed) => {
        const task = createSchoolbookTask(multiplicationProblem(a, b));
        const random = randomStream(seed);
        const run = dryRun(task, {
          respond: (call) => formatDigitAnswer({ digit: Math.floor(random() * 10), carry: Math.floor(random() * (call.data.operation === 'add' ? 2 : 9)) }),
        });
        expect(run.calls).toBe(task.totalCalls);
      }),
      { numRuns: 50 },
    );
  });
});
