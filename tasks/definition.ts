/**
 * A task definition: one place that says everything the command line and the tools need of a task — its name,
 * its options (as flags), how to build it, its simulated behaviour if it has one, and what to report. `run`,
 * `resume`, `report`, `serve` and `calibrate` all take definitions, for built-in tasks and for a user's module
 * alike.
 */
import type { GraphTask, StepTask } from '../core/task.ts';
import type { SimBehaviour } from '../models/sim-behaviour.ts';
import type { RunResult } from '../run/run-task.ts';

/** Any task the engine runs. */
export type RunnableTask = StepTask<any, any> | GraphTask<any, any, any>;

/** One option of a task, given on the command line as `--name VALUE` (or `--name` for a switch). */
export interface TaskFlag {
  /** Option name in kebab case (`disks`); the flag is `--disks`. */
  readonly name: string;
  /** What the value means, for `--help`. */
  readonly description: string;
  /** The value's placeholder in `--help` (`<n>`); absent for a switch. @default '<value>' */
  readonly placeholder?: string | null;
  /** Default value, as text. */
  readonly default?: string;
}

/** What a definition's `build` gets besides its options. */
export interface BuildContext {
  /** The run seed (a task that generates its instances draws them from it). */
  readonly seed: number;
}

/** What a definition adds to a run's summary. */
export interface TaskReport {
  /** Fields for the JSON summary. */
  readonly json: Record<string, unknown>;
  /** Lines for the text summary. */
  readonly text?: readonly string[];
  /** Whether the run met the task's goal, when the task judges it beyond `solved` (a batch's accuracy). */
  readonly success?: boolean;
}

/** Everything the tools need of a task. `O` is the task's options: plain JSON, recorded in a run directory. */
export interface TaskDefinition<O extends Record<string, unknown> = Record<string, unknown>> {
  readonly name: string;
  /** One line for `--help`. */
  readonly description: string;
  /** The task's own options. @default none */
  readonly flags?: readonly TaskFlag[];
  /**
   * Options from flag values (text, `true` for a switch, undefined when not given), validated: a bad value is an
   * `InputError` quoting it. @default no options
   */
  options?(flags: Readonly<Record<string, string | true | undefined>>): O;
  /** Builds the task. */
  build(options: O, context: BuildContext): RunnableTask;
  /** How the simulated model answers the task's prompts; without it the task runs only against real endpoints. */
  readonly sim?: SimBehaviour;
  /**
   * Run settings this task needs unless the user gives them: output room beyond the model's usual cap (a flat
   * answer writes the whole list), a larger context budget.
   * @default none: the common defaults
   */
  runDefaults?(task: RunnableTask, options: O): { readonly extraOutputTokens?: number; readonly contextBudget?: number };
  /** Summary fields beyond the run's own (`{ disks }`, a batch's accuracy). */
  report?(task: RunnableTask, result: RunResult<any>, options: O): TaskReport;
}

/** Types a definition (an identity function, for inference in a user's module). */
export function defineTask<O extends Record<string, unknown>>(definition: TaskDefinition<O>): TaskDefinition<O> {
  return definition;
}
