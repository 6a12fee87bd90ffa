/**
 * A task walked without a model or voting: each ready call answered by a function, one at a time. For tests and
 * tools that need every prompt of a run (bounded-context checks, oracle walks), not for running.
 */
import { MakerError } from '../core/errors.ts';
import type { GraphTask, StepTask, TaskCall } from '../core/task.ts';
import { asGraphTask } from './run-task.ts';

/** Where a walk ended. */
export interface Walk<S> {
  readonly state: S;
  /** Calls answered, in the order they were made. */
  readonly calls: number;
}

/**
 * Walks `task` to the end, answering each ready call (first ready first) with `answer`'s text, parsed strictly;
 * an unparseable answer throws. A step task is walked as its linear graph (state `{ state, step }`).
 */
export function walkTask<S, V>(task: GraphTask<S, V, any>, answer: (call: TaskCall<any>, state: S) => string, maxCalls?: number): Walk<S>;
export function walkTask<S, V>(
  task: StepTask<S, V>,
  answer: (call: TaskCall<undefined>, state: { readonly state: S; readonly step: number }) => string,
  maxCalls?: number,
): Walk<{ readonly state: S; readonly step: number }>;
export function walkTask(task: GraphTask<any, any, any> | StepTask<any, any>, answer: (call: TaskCall<any>, state: any) => string, maxCalls = Number.POSITIVE_INFINITY): Walk<unknown> {
  const graph = asGraphTask(task);
  let state = graph.initialState();
  let calls = 0;
  while (!graph.done(state) && calls < maxCalls) {
    const [call] = graph.ready(state);
    if (call === undefined) throw new MakerError('E_TASK_STALLED', `Task \`${graph.name}\` is not done, yet no call is ready after ${calls} calls`);
    const parsed = graph.parse(answer(call, state), call);
    if (!parsed.ok) throw new MakerError('E_WALK_UNPARSEABLE', `Call \`${call.id}\` of \`${graph.name}\`: ${parsed.reason}`);
    state = graph.absorb(state, call, parsed.value);
    calls++;
  }
  return { state, calls };
}
