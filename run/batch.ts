/**
 * Many independent task instances as one graph task: every member's ready calls are ready at once, so a batch
 * (200 products, 20 expressions) keeps the run-wide concurrency busy and is journaled, resumed and budgeted as
 * one run. A member's call `17` is the batch's call `3/17`; each member may keep a seed of its own, so its
 * samples are the ones it would draw run alone. A member whose call reaches its sample cap is abandoned
 * (left unanswered) and the others go on.
 */
import type { GraphTask, StepTask, TaskCall } from '../core/task.ts';
import { callKey } from './call-key.ts';
import { asGraphTask } from './run-task.ts';

/** One member of a batch. */
export interface BatchMember<T> {
  readonly task: T;
  /** The seed this member's samples derive from. @default the run seed */
  readonly seed?: number;
}

/** A batch's state: each member's own state, and which members were abandoned. */
export interface BatchState {
  readonly members: readonly unknown[];
  /** Indices of abandoned members (a call reached its sample cap). */
  readonly abandoned: readonly number[];
}

/** The batch's call data: which member, and that member's own call. */
export interface BatchCallData {
  readonly member: number;
  readonly call: TaskCall<unknown>;
}

/** A batch task, and how to read a member's state back out of a batch state. */
export interface BatchTask<V> extends GraphTask<BatchState, V, BatchCallData> {
  /** Member `index`'s state in the user's terms (a step task's own state, not its `{ state, step }`). */
  memberState(state: BatchState, index: number): unknown;
  /** The member a batch call id belongs to. */
  memberOf(id: string): number;
}

/** Runs `members` side by side as one graph task named `name`. */
export function batchTask<V>(name: string, members: ReadonlyArray<BatchMember<StepTask<any, V> | GraphTask<any, V, any>>>): BatchTask<V> {
  const graphs = members.map((member) => asGraphTask(member.task));
  const stepped = members.map((member) => typeof (member.task as Partial<GraphTask<unknown, V>>).ready !== 'function');
  const memberOf = (id: string) => Number(id.slice(0, id.indexOf('/')));
  const replace = (state: BatchState, index: number, memberState: unknown): BatchState => {
    const next = state.members.slice();
    next[index] = memberState;
    return { members: next, abandoned: state.abandoned };
  };
  const settled = (state: BatchState, index: number) => state.abandoned.includes(index) || graphs[index]!.done(state.members[index]);
  let total: number | undefined = 0;
  for (const graph of graphs) total = total === undefined || graph.totalCalls === undefined ? undefined : total + graph.totalCalls;
  return {
    name,
    totalCalls: total === 0 ? undefined : total,
    initialState: () => ({ members: graphs.map((graph) => graph.initialState()), abandoned: [] }),
    *ready(state) {
      for (const [index, graph] of graphs.entries()) {
        if (settled(state, index)) continue;
        const seed = members[index]!.seed;
        for (const call of graph.ready(state.members[index])) {
          yield {
            id: `${index}/${call.id}`,
            messages: call.messages,
            data: { member: index, call },
            ...(seed === undefined ? {} : { seed: { run: seed, call: call.seed?.call ?? callKey(call.id) } }),
          };
        }
      }
    },
    parse: (text, call) => graphs[call.data.member]!.parse(text, call.data.call),
    absorb: (state, call, value) => {
      const { member } = call.data;
      return replace(state, member, graphs[member]!.absorb(state.members[member], call.data.call, value));
    },
    abandon: (state, call) => ({ members: state.members, abandoned: [...state.abandoned, call.data.member] }),
    done: (state) => graphs.every((_, index) => settled(state, index)),
    solved: (state) => state.abandoned.length === 0 && graphs.every((graph, index) => graph.solved(state.members[index])),
    oracle: (state, call) => graphs[call.data.member]!.oracle?.(state.members[call.data.member], call.data.call),
    memberState: (state, index) => (stepped[index] ? (state.members[index] as { state: unknown }).state : state.members[index]),
    memberOf,
  };
}
