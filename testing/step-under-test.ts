/**
 * What the test kit can measure, brought to one shape: for each state, the calls to sample (their prompt, their
 * strict parser and the oracle's key). Three kinds of step are accepted:
 *
 * - a {@link StepTask}: a state is `{ state, step }`, the state before step `step` and its index;
 * - a {@link GraphTask}: a state is the task's state, and every call `ready(state)` returns is measured;
 * - a {@link StepFunction}: a user's own prompt builder, parser and oracle over any state type.
 */
import { InputError } from '../core/errors.ts';
import type { ChatMessage } from '../core/model.ts';
import type { GraphTask, ParseResult, StepTask } from '../core/task.ts';

/** A state of a step task, as the kit measures it: the state before step `step`, and `step`. */
export interface StepAt<S> {
  readonly state: S;
  readonly step: number;
}

/**
 * A step function of your own: how to prompt for a state, how to parse the answer strictly, and the canonical key
 * of the correct answer. The oracle may be left out for metamorphic tests, which need none.
 */
export interface StepFunction<S, V = unknown> {
  /** Name used in messages. @default 'step' */
  readonly name?: string;
  /** The prompt for a state. */
  prompt(state: S): readonly ChatMessage[];
  /** Strict parse of a response to that prompt; a failure is a red flag. */
  parse(text: string, state: S): ParseResult<V>;
  /** The canonical key of the correct answer at this state (compared with the parsed key). */
  oracle?(state: S): string | undefined;
}

/** Anything the kit can measure. */
export type Measurable = StepTask<any, any> | GraphTask<any, any, any> | StepFunction<any, any>;

/** One call to sample for a state. */
export interface Probe {
  /** The graph task's call id; undefined for step tasks and step functions. */
  readonly call: string | undefined;
  readonly messages: readonly ChatMessage[];
  readonly parse: (text: string) => ParseResult<unknown>;
  /** The oracle's key, when there is an oracle and it has an answer. */
  readonly expected: string | undefined;
}

/** A measurable turned into probes per state. */
export interface ProbeSource {
  readonly name: string;
  readonly kind: 'step-task' | 'graph-task' | 'step-function';
  /** Steps (or calls) of a whole run, when the task knows: what `k` is planned for by default. */
  readonly totalSteps: number | undefined;
  /** True when the source has an oracle at all. */
  readonly hasOracle: boolean;
  probes(state: unknown): Probe[];
}

function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function';
}

/** Recognises the kind of `task` and returns its probes per state; an `InputError` when it is none of the three. */
export function probeSource(task: Measurable): ProbeSource {
  const record = task as unknown as Record<string, unknown>;
  if (task === null || typeof task !== 'object') throw new InputError(`Expected \`task\` to be a step task, a graph task or a step function, got \`${String(task)}\``);
  if (isFunction(record['ready'])) {
    const graph = task as GraphTask<unknown, unknown, unknown>;
    return {
      name: graph.name,
      kind: 'graph-task',
      totalSteps: graph.totalCalls,
      hasOracle: graph.oracle !== undefined,
      probes: (state) =>
        [...graph.ready(state)].map((call) => ({
          call: call.id,
          messages: call.messages,
          parse: (text: string) => graph.parse(text, call),
          expected: graph.oracle?.(state, call),
        })),
    };
  }
  if (isFunction(record['initialState']) && isFunction(record['absorb'])) {
    const stepTask = task as StepTask<unknown, unknown>;
    return {
      name: stepTask.name,
      kind: 'step-task',
      totalSteps: stepTask.totalSteps,
      hasOracle: stepTask.oracle !== undefined,
      probes: (at) => {
        const { state, step } = checkStepAt(at, stepTask.name);
        return [{ call: undefined, messages: stepTask.prompt(state, step), parse: (text: string) => stepTask.parse(text), expected: stepTask.oracle?.(state, step) }];
      },
    };
  }
  if (isFunction(record['prompt']) && isFunction(record['parse'])) {
    const step = task as StepFunction<unknown, unknown>;
    return {
      name: step.name ?? 'step',
      kind: 'step-function',
      totalSteps: undefined,
      hasOracle: step.oracle !== undefined,
      probes: (state) => [{ call: undefined, messages: step.prompt(state), parse: (text: string) => step.parse(text, state), expected: step.oracle?.(state) }],
    };
  }
  throw new InputError('Expected `task` to be a step task, a graph task (with `ready`) or a step function (with `prompt` and `parse`), got an object with neither');
}

function checkStepAt(value: unknown, name: string): StepAt<unknown> {
  const at = value as Partial<StepAt<unknown>> | null;
  if (at === null || typeof at !== 'object' || !('state' in at) || !Number.isInteger(at.step) || (at.step as number) < 0) {
    throw new InputError(`Expected each state of the step task \`${name}\` to be \`{ state, step }\` with an integer step >= 0, got \`${JSON.stringify(value) ?? String(value)}\``);
  }
  return at as StepAt<unknown>;
}

/** Canonical JSON: object keys sorted, `undefined` fields left out, no whitespace. Stable across runs and platforms. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined && typeof field !== 'function') out[key] = sortKeys(field);
  }
  return out;
}

/** A key for a state by what the model is shown for it: the messages of all its probes. */
export function promptsKey(probes: readonly Probe[]): string {
  return canonicalJson(probes.map((probe) => probe.messages.map((message) => [message.role, message.content])));
}
