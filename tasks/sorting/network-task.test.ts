import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomStream } from '../../core/rng.ts';
import { promptText, type TaskCall } from '../../core/task.ts';
import { countMessageTokens } from '../../models/tokens.ts';
import { dryRun, makerDataFile } from '../problem-sets/index.ts';
import { generateSortingProblems, readSortingProblems } from './dataset.ts';
import { formatListAnswer } from './list-answer.ts';
import { networkLayers } from './network.ts';
import { createNetworkSortTask, type CompareCallData, type NetworkState } from './network-task.ts';
import { sortingProblem } from './problem.ts';
import { compareMessages } from './prompts.ts';
import { sortingSim } from './sim.ts';

/** A correct answer computed from the call's data (independent of the simulated model). */
const correct = (call: TaskCall<CompareCallData>) => formatListAnswer([Math.min(call.data.x, call.data.y), Math.max(call.data.x, call.data.y)]);
const list = fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 1, maxLength: 300 });

describe('createNetworkSortTask', () => {
  it('reproduces the sorted list for arbitrary lists when every call is answered correctly', () => {
    fc.assert(
      fc.property(list, (values) => {
        const task = createNetworkSortTask(sortingProblem(values));
        const run = dryRun(task, { respond: correct });
        expect(task.answer(run.finalState)).toBe(`[${[...values].sort((x, y) => x - y).join(',')}]`);
        expect(task.solved(run.finalState)).toBe(true);
        expect(run.calls).toBe(task.totalCalls ?? 0);
      }),
      { numRuns: 60 },
    );
  });

  it('gets the list sorted from prompts alone: a responder that reads only the prompt text solves it', () => {
    fc.assert(
      fc.property(list, (values) => {
        const task = createNetworkSortTask(sortingProblem(values));
        expect(task.solved(dryRun(task, { respond: (call) => sortingSim.respond(promptText(call.messages))! }).finalState)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it('ends in the same state whatever order ready calls are answered in', () => {
    fc.assert(
      fc.property(list, fc.nat(), (values, seed) => {
        const task = createNetworkSortTask(sortingProblem(values));
        const random = randomStream(seed);
        let state: NetworkState = task.initialState();
        while (!task.done(state)) {
          const ready = [...task.ready(state)];
          const call = ready[Math.floor(random() * ready.length)]!;
          state = task.absorb(state, call, [Math.min(call.data.x, call.data.y), Math.max(call.data.x, call.data.y)]);
        }
        expect(state).toEqual(dryRun(task, { respond: correct }).finalState);
      }),
      { numRuns: 40 },
    );
  });

  it('readies a whole layer at once: the run is as many waves deep as the network', () => {
    for (const n of [5, 64, 500, 1000]) {
      const [problem] = generateSortingProblems({ length: n, count: 1, seed: 2 });
      const task = createNetworkSortTask(problem!);
      const run = dryRun(task, { respond: correct });
      expect(run.waves).toBe(Math.max(...networkLayers(n, task.comparators)) + 1);
      expect(run.widest).toBe(Math.floor(n / 2));
    }
  });

  it('has prompts bounded by two values, whatever the length: 1,000 elements ask nothing longer than 5 do', () => {
    const largest = (values: readonly number[]) => dryRun(createNetworkSortTask(sortingProblem(values)), { respond: correct, measureTokens: true }).maxPromptTokens;
    const bound = countMessageTokens(compareMessages(-10_000, -10_000));
    const five = Math.max(...readSortingProblems(makerDataFile('sort-5')).map((problem) => largest(problem.values)));
    const thousand = Math.max(...generateSortingProblems({ length: 1000, count: 2, seed: 1 }).map((problem) => largest(problem.values)));
    expect(thousand).toBeLessThanOrEqual(bound);
    expect(thousand).toBe(five);
  });

  it('writes a wrong vote into the list as it is', () => {
    const task = createNetworkSortTask(sortingProblem([3, 1, 2]));
    let first = true;
    const run = dryRun(task, {
      respond: (call) => {
        if (!first) return correct(call);
        first = false;
        return formatListAnswer([Math.max(call.data.x, call.data.y), Math.max(call.data.x, call.data.y)]);
      },
    });
    expect(task.done(run.finalState)).toBe(true);
    expect(task.solved(run.finalState)).toBe(false);
  });

  it('a one-element list needs no call', () => {
    const task = createNetworkSortTask(sortingProblem([42]));
    expect(task.done(task.initialState())).toBe(true);
    expect(task.solved(task.initialState())).toBe(true);
  });
});
