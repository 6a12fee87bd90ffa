/**
 * The fixed-sample baseline MAKER's ahead-by-k voting is compared with: each step draws exactly `n` samples at
 * once and takes the plurality of the valid ones (ties to the earliest vote, the temperature-0 sample). If all
 * `n` are red-flagged it draws `n` more, up to a cap. Same prompts, seeds, temperatures, red-flag rules and
 * accounting as the executor, so the two differ only in when they stop sampling. Works with any model backend.
 */
import { InputError, StepExhaustedError } from '../core/errors.ts';
import { costOf, type LanguageModel, type ModelResponse } from '../core/model.ts';
import { mixSeed } from '../core/rng.ts';
import type { StepTask } from '../core/task.ts';
import { firstRedFlag, type RedFlagRule } from '../voting/red-flags.ts';
import { firstThenRest, type TemperatureSchedule } from '../voting/temperature.ts';

/** Options of {@link runMajorityOfN}. */
export interface MajorityOptions<S, V> {
  readonly task: StepTask<S, V>;
  readonly model: LanguageModel;
  /** Samples per step. */
  readonly n: number;
  /** Run seed; sample j of step i draws with seed mix(seed, i, j), as the executor's do. @default 0 */
  readonly seed?: number;
  /** Red-flag rules; an unparseable response is never a vote whatever the rules. @default none */
  readonly redFlags?: readonly RedFlagRule[];
  /** Output cap per call. @default 750 */
  readonly maxOutputTokens?: number;
  /** @default first sample at 0, the rest at 0.1 */
  readonly temperature?: TemperatureSchedule;
  /** Samples after which a step with no valid vote gives up. @default 200 */
  readonly maxSamplesPerStep?: number;
  /** Called after each step. */
  readonly onStep?: (step: number) => void;
  readonly signal?: AbortSignal;
}

/** What a majority-of-n run measured. */
export interface MajorityResult {
  readonly solved: boolean;
  readonly interrupted: boolean;
  readonly steps: number;
  readonly errors: number;
  readonly samples: number;
  readonly votes: number;
  readonly redFlags: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
}

/** Runs a task to the end, each step decided by the plurality of n samples. */
export async function runMajorityOfN<S, V>(options: MajorityOptions<S, V>): Promise<MajorityResult> {
  const { task, model, n } = options;
  if (!Number.isInteger(n) || n < 1) throw new InputError(`Expected \`n\` to be an integer >= 1, got \`${n}\``);
  const seed = options.seed ?? 0;
  const redFlags = options.redFlags ?? [];
  const maxOutputTokens = options.maxOutputTokens ?? 750;
  const temperature = options.temperature ?? firstThenRest();
  const cap = options.maxSamplesPerStep ?? 200;
  const maxSteps = task.totalSteps ?? Number.POSITIVE_INFINITY;
  const totals = { steps: 0, errors: 0, samples: 0, votes: 0, redFlags: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
  let state = task.initialState();
  let step = 0;
  let interrupted = false;
  while (!task.done(state, step) && step < maxSteps) {
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }
    const messages = task.prompt(state, step);
    const tally = new Map<string, { count: number; first: number; value: V }>();
    let drawn = 0;
    while (tally.size === 0) {
      if (drawn >= cap) throw new StepExhaustedError(step, drawn, new Map(), { all: drawn });
      const batch = Array.from({ length: n }, (_, j) => drawn + j);
      drawn += n;
      const responses: ModelResponse[] = await Promise.all(
        batch.map((index) =>
          model.generate({ messages, temperature: temperature(index), maxOutputTokens, seed: mixSeed(seed, step, index), ...(options.signal === undefined ? {} : { signal: options.signal }) }),
        ),
      );
      responses.forEach((response, j) => {
        totals.samples++;
        totals.promptTokens += response.usage.promptTokens;
        totals.completionTokens += response.usage.completionTokens;
        totals.costUsd += costOf(response.usage, model.pricing);
        const parsed = task.parse(response.text);
        if (!parsed.ok || firstRedFlag(redFlags, { response, parsed }) !== undefined) {
          totals.redFlags++;
          return;
        }
        totals.votes++;
        const entry = tally.get(parsed.key);
        if (entry === undefined) tally.set(parsed.key, { count: 1, first: batch[j]!, value: parsed.value });
        else entry.count++;
      });
    }
    let best: [string, { count: number; first: number; value: V }] | undefined;
    for (const entry of tally) {
      if (best === undefined || entry[1].count > best[1].count || (entry[1].count === best[1].count && entry[1].first < best[1].first)) best = entry;
    }
    const [key, { value }] = best!;
    const expected = task.oracle?.(state, step);
    if (expected !== undefined && key !== expected) totals.errors++;
    state = task.absorb(state, value, step);
    step++;
    totals.steps++;
    options.onStep?.(step);
  }
  return { solved: !interrupted && task.solved(state, step), interrupted, ...totals };
}
