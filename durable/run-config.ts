/**
 * What a run directory records about its run (`config.json`): everything that decides what the run does, so a
 * resume can refuse a different one, plus settings that may change between sessions. Never a secret: for an
 * API key only the name of the environment variable that holds it.
 */
import { createHash } from 'node:crypto';
import { hashString } from '../core/rng.ts';
import { promptText, type GraphTask, type StepTask } from '../core/task.ts';
import { isGraphTask } from '../run/run-task.ts';

/** A run's configuration. */
export interface RunConfig {
  /** The task's name (`hanoi`). */
  readonly task: string;
  /** Absolute path of the module a user's task was loaded from; absent for a built-in task. */
  readonly taskModule?: string;
  /** The options the task was built with (`{ disks: 10 }`); plain JSON. */
  readonly taskOptions: Readonly<Record<string, unknown>>;
  /** Hash of the task's first prompt (see {@link taskFingerprint}): a changed prompt template is a different run. */
  readonly taskFingerprint: string;
  /** Model spec (`sim:gpt-4.1-mini`, `openai:NAME`). */
  readonly model: string;
  /**
   * Ensemble members, when votes are drawn from several models (which model answers which sample decides the
   * votes); null for one model.
   */
  readonly ensemble: ReadonlyArray<{ readonly spec: string; readonly weight: number }> | null;
  readonly k: number;
  readonly seed: number;
  readonly maxOutputTokens: number;
  readonly contextBudget: number;
  readonly maxSamplesPerStep: number;
  /** Calls in flight at once: does not change what is decided, so a resume may change it. */
  readonly concurrency: number;
  /** Endpoint of `openai:` models, without its query string (which may hold a key); may change on resume. */
  readonly baseURL: string | null;
  /**
   * Names of the query parameters `baseURL` had, which are not stored (they may hold a key): a resume needs the
   * base URL again. Absent when it had none.
   */
  readonly baseURLQuery?: readonly string[];
  /**
   * Prices given for the run's `openai:` models (`--input-price`, `--output-price`), US dollars per million
   * tokens; may change on resume. Absent when none were given (profiles and endpoints files price themselves).
   */
  readonly pricing?: { readonly inputUsdPerMillion?: number; readonly outputUsdPerMillion?: number };
  /** Name of the environment variable holding the API key (never the key itself). */
  readonly apiKeyEnv: string | null;
  /**
   * Endpoints file the dispatcher was built from, read again on resume: its keys, limits and URLs may change
   * between sessions, its models should not.
   */
  readonly endpointsFile: string | null;
  /**
   * The run's id ({@link runIdOf}): its journal's first record and its snapshots carry it, so files copied from
   * a different run are refused. Absent in directories from before run ids.
   */
  readonly runId?: string;
}

/** Fields that decide what a run does: a resume must match them all. */
export const IDENTITY_FIELDS = ['task', 'taskOptions', 'taskFingerprint', 'model', 'ensemble', 'k', 'seed', 'maxOutputTokens', 'contextBudget', 'maxSamplesPerStep'] as const;

/**
 * The id of a run: 16 hex digits of a SHA-256 of its identity fields. Runs that would decide differently
 * (another seed, task, model, k, ...) get different ids; runs with the same identity the same one, which keeps
 * a resumed run's files identical to an uninterrupted run's (their decisions are the same anyway).
 */
export function runIdOf(config: RunConfig): string {
  const identity = IDENTITY_FIELDS.map((field) => config[field] ?? null);
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}

/** A short hash of the task's first prompt (a graph task's: every call ready at the start), which holds its rules, strategy and size. */
export function taskFingerprint(task: StepTask<unknown, unknown> | GraphTask<unknown, unknown, any>): string {
  let text: string;
  if (isGraphTask(task)) {
    const state = task.initialState();
    text = [...task.ready(state)].map((call) => `${call.id}\n${promptText(call.messages)}`).join('\n\n');
  } else {
    text = promptText(task.prompt(task.initialState(), 0));
  }
  return hashString(text).toString(16).padStart(8, '0');
}

const show = (value: unknown) => (value === undefined ? 'unset' : JSON.stringify(value));

/**
 * The identity fields where `current` differs from `stored`, one line each (`k: 3 in the run directory, 5
 * now`); task options are compared one by one. Empty when the runs are the same.
 */
export function diffRunConfig(stored: RunConfig, current: RunConfig): string[] {
  const differences: string[] = [];
  const differ = (name: string, was: unknown, now: unknown) => {
    if (JSON.stringify(was) !== JSON.stringify(now)) differences.push(`${name}: ${show(was)} in the run directory, ${show(now)} now`);
  };
  for (const field of IDENTITY_FIELDS) {
    if (field === 'taskOptions') {
      const names = new Set([...Object.keys(stored.taskOptions ?? {}), ...Object.keys(current.taskOptions)]);
      for (const name of names) differ(name, stored.taskOptions?.[name], current.taskOptions[name]);
    } else if (field === 'taskFingerprint') {
      // Only worth saying when nothing else explains it: the same options with a changed prompt template.
      if (differences.length === 0 && stored.task === current.task && stored.taskFingerprint !== current.taskFingerprint) {
        differences.push(`the task's prompt has changed since the run started (fingerprint ${stored.taskFingerprint}, now ${current.taskFingerprint})`);
      }
    } else {
      differ(field, stored[field], current[field]);
    }
  }
  return differences;
}
