/**
 * A dry run of a graph task: every ready call answered at once by a given responder (no model, no voting),
 * wave after wave, until the task is done. It measures the graph's shape: how many calls an error-free run
 * makes, how many waves deep its critical path is (calls in one wave are independent), and the largest prompt
 * of any call. Used for a decomposition's call count and bounds, and by tests as a sequential driver.
 */
import { MakerError } from '../../core/errors.ts';
import type { GraphTask, TaskCall } from '../../core/task.ts';
import { countMessageTokens } from '../../models/tokens.ts';

/** Options of {@link dryRun}. */
export interface DryRunOptions<D> {
  /** The response text to each call (a correct responder gives an error-free run). */
  readonly respond: (call: TaskCall<D>) => string;
  /** Count every call's prompt tokens (costs a tokenizer pass per call). @default false */
  readonly measureTokens?: boolean;
  /** Give up after this many waves (a task that never finishes is a bug). @default 1,000,000 */
  readonly maxWaves?: number;
}

/** What a dry run saw. */
export interface DryRunResult<S> {
  readonly finalState: S;
  /** Calls answered. */
  readonly calls: number;
  /** Waves of ready calls: the critical path's length in calls. */
  readonly waves: number;
  /** Most calls ready at once. */
  readonly widest: number;
  /** Largest prompt of any call, in tokens; 0 unless `measureTokens`. */
  readonly maxPromptTokens: number;
}

/** Answers every ready call, a wave at a time, until the task is done. A response that fails to parse throws. */
export function dryRun<S, V, D>(task: GraphTask<S, V, D>, options: DryRunOptions<D>): DryRunResult<S> {
  const maxWaves = options.maxWaves ?? 1_000_000;
  let state = task.initialState();
  let calls = 0;
  let waves = 0;
  let widest = 0;
  let maxPromptTokens = 0;
  while (!task.done(state)) {
    const wave = [...task.ready(state)];
    if (wave.length === 0) throw new MakerError('E_TASK_STALLED', `Task ${task.name} is not done but has no ready call after ${waves} waves`);
    if (waves >= maxWaves) throw new MakerError('E_TASK_STALLED', `Task ${task.name} is not done after ${maxWaves} waves`);
    waves++;
    widest = Math.max(widest, wave.length);
    for (const call of wave) {
      if (options.measureTokens === true) maxPromptTokens = Math.max(maxPromptTokens, countMessageTokens(call.messages));
      const text = options.respond(call);
      const parsed = task.parse(text, call);
      if (!parsed.ok) throw new MakerError('E_UNPARSEABLE', `Call ${call.id}: response \`${text.slice(0, 60)}\` did not parse: ${parsed.reason}`);
      state = task.absorb(state, call, parsed.value);
      calls++;
    }
  }
  return { finalState: state, calls, waves, widest, maxPromptTokens };
}
