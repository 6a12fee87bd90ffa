/**
 * The run settings every entry point shares (library, CLI, durable runs, benchmarks): each default defined here
 * once, resolved and validated in one place with messages that quote the received value.
 */
import { InputError } from '../core/errors.ts';
import { defaultRedFlags, type RedFlagRule } from '../voting/red-flags.ts';
import { firstThenRest, type TemperatureSchedule } from '../voting/temperature.ts';

/** The defaults of {@link RunSettings}. */
export const RUN_DEFAULTS = Object.freeze({
  k: 3,
  seed: 0,
  contextBudget: 8192,
  maxOutputTokens: 750,
  maxSamplesPerStep: 200,
});

/** How calls are voted: the settings that decide a run's outcome, and its concurrency. */
export interface RunSettings {
  /** Voting margin: a candidate wins when it leads every other by k votes. @default 3 */
  readonly k?: number;
  /** Run seed; every sample's randomness derives from it and the call's id. @default 0 */
  readonly seed?: number;
  /** Model calls in flight at once, across every ready call. @default max(k, 1) */
  readonly concurrency?: number;
  /** The context budget M, in tokens: a prompt over it is an error. @default 8192 */
  readonly contextBudget?: number;
  /** Output-token cap per call, in tokens; a response cut here is red-flagged as truncated. @default 750 */
  readonly maxOutputTokens?: number;
  /** Red-flag rules. @default truncated, too-long (the output cap), unparseable */
  readonly redFlags?: readonly RedFlagRule[];
  /** Temperature per sample index. @default first 0, then 0.1 */
  readonly temperature?: TemperatureSchedule;
  /** Samples after which a call gives up with `StepExhaustedError`. @default 200 */
  readonly maxSamplesPerStep?: number;
}

/** Settings with every default applied, validated once. */
export interface ResolvedRunOptions {
  readonly k: number;
  readonly seed: number;
  readonly concurrency: number;
  readonly contextBudget: number;
  readonly maxOutputTokens: number;
  readonly redFlags: readonly RedFlagRule[];
  readonly temperature: TemperatureSchedule;
  readonly maxSamplesPerStep: number;
  /** Hard stop after this many decided calls. */
  readonly maxSteps: number;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InputError(`Expected \`${name}\` to be an integer >= 1, got \`${value}\``);
  return value;
}

/** Applies defaults and validates, quoting any bad value. `maxSteps` defaults to the task's known length, else none. */
export function resolveRunOptions(options: RunSettings & { readonly maxSteps?: number | undefined }, taskLength?: number): ResolvedRunOptions {
  const k = positiveInteger('k', options.k ?? RUN_DEFAULTS.k);
  const seed = options.seed ?? RUN_DEFAULTS.seed;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InputError(`Expected \`seed\` to be an integer >= 0, got \`${seed}\``);
  const maxOutputTokens = positiveInteger('maxOutputTokens', options.maxOutputTokens ?? RUN_DEFAULTS.maxOutputTokens);
  // A task that knows it needs no step (already solved at its start) runs none and ends done; a limit the caller
  // gives must allow at least one.
  const maxSteps = options.maxSteps ?? taskLength ?? Number.POSITIVE_INFINITY;
  if (options.maxSteps !== undefined) positiveInteger('maxSteps', maxSteps);
  else if (maxSteps !== Number.POSITIVE_INFINITY && !(Number.isInteger(maxSteps) && maxSteps >= 0)) {
    throw new InputError(`Expected the task's known length to be an integer >= 0, got \`${maxSteps}\``);
  }
  return {
    k,
    seed,
    concurrency: positiveInteger('concurrency', options.concurrency ?? k),
    contextBudget: positiveInteger('contextBudget', options.contextBudget ?? RUN_DEFAULTS.contextBudget),
    maxOutputTokens,
    redFlags: options.redFlags ?? defaultRedFlags(maxOutputTokens),
    temperature: options.temperature ?? firstThenRest(),
    maxSamplesPerStep: positiveInteger('maxSamplesPerStep', options.maxSamplesPerStep ?? RUN_DEFAULTS.maxSamplesPerStep),
    maxSteps,
  };
}
