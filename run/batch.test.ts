import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MakerError } from '../core/errors.ts';
import { hashString } from '../core/rng.ts';
import type { GraphTask, StepTask, TaskCall } from '../core/task.ts';
import { batchTask } from './batch.ts';
import { callKey } from './call-key.ts';
import { asGraphTask, isGraphTask, stepTaskAsGraph, taskLength } from './run-task.ts';
import { walkTask } from './walk.ts';

/** Counts to `steps`, one step at a time; the oracle wants the next number. */
function counter(steps: number | undefined, name = 'counter'): StepTask<number, number> {
  return {
    name,
    totalSteps: steps,
    initialState: () => 0,
    prompt: (state, step) => [{ role: 'user', content: `${name} at ${state}, step ${step}` }],
    parse: (text) => (/^\d+$/.test(text) ? { ok: true, key: text, value: Number(text) } : { ok: false, reason: 'not a number' }),
    absorb: (state, value) => value,
    done: (state) => state >= (steps ?? 3),
    solved: (state) => state === (steps ?? 3),
    oracle: (state) => String(state + 1),
  };
}

/** Two independent leaves `a` and `b`, each answered once. */
const pair: GraphTask<readonly string[], string, string> = {
  name: 'pair',
  totalCalls: 2,
  initialState: () => [],
  ready: (state) => ['a', 'b'].filter((id) => !state.includes(id)).map((id) => ({ id, data: id, messages: [{ role: 'user', content: id }], seed: { run: 9, call: id === 'a' ? 1 : 2 } })),
  parse: (text) => ({ ok: true, key: text, value: text }),
  absorb: (state, call) => [...state, call.data],
  done: (state) => state.length === 2,
  solved: (state) => state.length === 2,
};

describe('callKey', () => {
  it('keys a decimal id as its own number, so step n seeds as it always has', () => {
    expect(callKey('0')).toBe(0);
    expect(callKey('7')).toBe(7);
    expect(callKey('123456789012345')).toBe(123456789012345);
  });

  it('hashes any other id above 2^32, where no integer id reaches', () => {
    for (const id of ['a', '01', '-1', '1.5', '1234567890123456', ' 1', 'n3']) expect(callKey(id)).toBe(2 ** 32 + hashString(id));
    fc.assert(
      fc.property(fc.string(), (id) => {
        fc.pre(!/^(?:0|[1-9]\d{0,14})$/.test(id));
        expect(callKey(id)).toBeGreaterThanOrEqual(2 ** 32);
      }),
    );
  });
});

describe('a step task as a graph', () => {
  it("has one call ready at a time, its id the step index, and the task's length, oracle and verdicts", () => {
    const task = counter(3);
    const graph = stepTaskAsGraph(task);
    expect(isGraphTask(task)).toBe(false);
    expect(isGraphTask(graph)).toBe(true);
    expect(asGraphTask(graph)).toBe(graph);
    expect(taskLength(task)).toBe(3);
    expect(taskLength(pair)).toBe(2);
    const start = graph.initialState();
    expect(start).toEqual({ state: 0, step: 0 });
    const [call, ...rest] = graph.ready(start);
    expect(rest).toEqual([]);
    expect(call).toMatchObject({ id: '0', messages: task.prompt(0, 0) });
    expect(graph.oracle!(start, call!)).toBe('1');
    const next = graph.absorb(start, call!, 1);
    expect(next).toEqual({ state: 1, step: 1 });
    expect([...graph.ready(next)][0]!.id).toBe('1');
    expect(graph.done({ state: 3, step: 3 })).toBe(true);
    expect(graph.solved({ state: 3, step: 3 })).toBe(true);
    expect(graph.solved({ state: 2, step: 3 })).toBe(false);
  });

  it('has no oracle when the step task has none', () => {
    const { oracle: _, ...blind } = counter(2);
    expect(stepTaskAsGraph(blind).oracle).toBeUndefined();
  });
});

describe('walkTask', () => {
  it('answers each ready call in order until the task is done', () => {
    const walk = walkTask(counter(4), (_call, { state }) => String(state + 1));
    expect(walk).toEqual({ state: { state: 4, step: 4 }, calls: 4 });
  });

  it('stops after maxCalls', () => {
    expect(walkTask(counter(4), (_call, { state }) => String(state + 1), 2).calls).toBe(2);
  });

  it('throws on an unparseable answer, naming the call, and on a stalled task', () => {
    expect(() => walkTask(counter(2), () => 'two')).toThrow('Call `0` of `counter`: not a number');
    expect(() => walkTask(counter(2), () => 'two')).toThrow(expect.objectContaining({ code: 'E_WALK_UNPARSEABLE' }));
    const stalled: GraphTask<number, number, undefined> = { ...asGraphTask(counter(2)), ready: () => [] };
    expect(() => walkTask(stalled, () => '1')).toThrow(MakerError);
    expect(() => walkTask(stalled, () => '1')).toThrow('Task `counter` is not done, yet no call is ready after 0 calls');
    expect(() => walkTask(stalled, () => '1')).toThrow(expect.objectContaining({ code: 'E_TASK_STALLED' }));
  });
});

describe('batchTask', () => {
  it("runs its members side by side: every member's ready calls at once, ids prefixed with the member", () => {
    const batch = batchTask<unknown>('both', [{ task: counter(2, 'x') }, { task: pair }]);
    const start = batch.initialState();
    const ids = [...batch.ready(start)].map((call) => call.id);
    expect(ids).toEqual(['0/0', '1/a', '1/b']);
    expect(batch.memberOf('1/b')).toBe(1);
    expect(batch.memberOf('12/3/x')).toBe(12);
  });

  it("adds its members' lengths, or knows none when a member does not", () => {
    expect(batchTask<unknown>('b', [{ task: counter(2) }, { task: pair }]).totalCalls).toBe(4);
    expect(batchTask<unknown>('b', [{ task: counter(undefined) }, { task: pair }]).totalCalls).toBeUndefined();
    expect(batchTask<unknown>('b', [{ task: pair }, { task: counter(undefined) }]).totalCalls).toBeUndefined();
    expect(batchTask('b', []).totalCalls).toBeUndefined();
  });

  it('gives a member with its own seed its own sample seeds, keyed by its own call', () => {
    const batch = batchTask<unknown>('seeded', [{ task: counter(2), seed: 5 }, { task: pair, seed: 6 }, { task: counter(2) }]);
    const calls = [...batch.ready(batch.initialState())];
    expect(calls.map((call) => call.seed)).toEqual([{ run: 5, call: 0 }, { run: 6, call: 1 }, { run: 6, call: 2 }, undefined]);
  });

  it("parses, absorbs and judges each call with its member, and reads a member's state in the member's terms", () => {
    const batch = batchTask<unknown>('both', [{ task: counter(1) }, { task: pair }]);
    let state = batch.initialState();
    const calls = [...batch.ready(state)];
    const first = calls[0]! as TaskCall<(typeof calls)[0]['data']>;
    expect(batch.parse('7', first)).toEqual({ ok: true, key: '7', value: 7 });
    expect(batch.parse('seven', first)).toMatchObject({ ok: false });
    expect(batch.oracle!(state, first)).toBe('1');
    expect(batch.oracle!(state, calls[1]!)).toBeUndefined();
    state = batch.absorb(state, first, 1);
    expect(batch.memberState(state, 0)).toBe(1);
    expect(batch.done(state)).toBe(false);
    state = batch.absorb(state, calls[1]!, 'a');
    expect(batch.memberState(state, 1)).toEqual(['a']);
    expect([...batch.ready(state)].map((call) => call.id)).toEqual(['1/b']);
    state = batch.absorb(state, calls[2]!, 'b');
    expect(batch.done(state)).toBe(true);
    expect(batch.solved(state)).toBe(true);
  });

  it('settles an abandoned member: no more of its calls, done without it, never solved', () => {
    const batch = batchTask<unknown>('both', [{ task: counter(2) }, { task: pair }]);
    let state = batch.initialState();
    const [first] = batch.ready(state);
    state = batch.abandon!(state, first!);
    expect(state.abandoned).toEqual([0]);
    expect([...batch.ready(state)].map((call) => call.id)).toEqual(['1/a', '1/b']);
    for (const call of [...batch.ready(state)]) state = batch.absorb(state, call, call.data.call.id);
    expect(batch.done(state)).toBe(true);
    expect(batch.solved(state)).toBe(false);
  });

  it('is unsolved when a member finished wrong', () => {
    const batch = batchTask('one', [{ task: counter(1) }]);
    const state = batch.absorb(batch.initialState(), [...batch.ready(batch.initialState())][0]!, 5);
    expect(batch.done(state)).toBe(true);
    expect(batch.solved(state)).toBe(false);
  });
});
