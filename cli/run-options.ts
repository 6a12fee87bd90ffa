/**
 * Options every `maker run TASK` shares: model, endpoint, seed, k, concurrency, output. Task commands add
 * their own and call {@link resolveCommonRunOptions} once.
 */
import { Command, Option } from 'commander';
import { DEFAULT_MODEL, isEndpointSpec } from '../models/model-spec.ts';
import { addDispatchOptions, resolveDispatchFlags, type DispatchFlags } from './dispatch-options.ts';
import { InputError } from '../core/errors.ts';
import type { GraphTask, StepTask } from '../core/task.ts';
import { asGraphTask } from '../run/run-task.ts';
import { countMessageTokens } from '../models/tokens.ts';
import { parseBaseURL } from '../models/openai-model.ts';
import { defaultOutputCapFor } from '../models/profiles.ts';
import { integerFlag } from './flags.ts';

/** The common options, parsed and validated. */
export interface CommonRunOptions {
  readonly model: string;
  readonly baseURL: string | undefined;
  readonly apiKey: string | undefined;
  readonly seed: number;
  readonly k: number;
  readonly concurrency: number;
  readonly maxOutputTokens: number;
  readonly contextBudget: number;
  readonly maxSamplesPerStep: number;
  readonly json: boolean;
  readonly progress: boolean;
  /** Endpoints, retries, limits and budgets. */
  readonly dispatch: DispatchFlags;
}

/** Adds the common options to a `run` subcommand. */
export function addCommonRunOptions(command: Command): Command {
  command
    .option('--model <spec>', 'sim:PROFILE (simulated) or openai:NAME (OpenAI-compatible endpoint)', DEFAULT_MODEL)
    .option('--base-url <url>', 'base URL for openai: models, e.g. http://127.0.0.1:8000/v1')
    .addOption(new Option('--api-key <key>', 'API key for openai: models (never printed)').env('OPENAI_API_KEY'))
    .option('--k <k>', 'voting margin: first answer ahead by k wins', '3')
    .option('--seed <seed>', 'run seed (same seed, same run)', '0')
    .option('--concurrency <n>', 'model calls in flight at once (default: k)')
    .option('--max-output-tokens <n>', 'output cap per call; over-long answers are red-flagged (default: 750, more for profiles with longer answers, e.g. 1550 for gpt-oss-20b)')
    .option('--context-budget <tokens>', 'largest prompt allowed (M), in tokens', '8192')
    .option('--max-samples <n>', 'samples after which one step gives up', '200')
    .option('--json', 'print one JSON object instead of the summary')
    .option('--no-progress', 'no progress display');
  return addDispatchOptions(command);
}

/** Parses and validates the common options (bad values are `InputError`s quoting them). */
export function resolveCommonRunOptions(raw: Record<string, unknown>): CommonRunOptions {
  const k = integerFlag('k', String(raw['k']), 1, 1000);
  const model = String(raw['model']);
  const dispatch = resolveDispatchFlags(raw);
  const baseURL = raw['baseUrl'] === undefined ? undefined : String(raw['baseUrl']);
  if (baseURL !== undefined) checkBaseURLFlag(baseURL, model, dispatch);
  return {
    model,
    baseURL,
    apiKey: raw['apiKey'] === undefined ? undefined : String(raw['apiKey']),
    seed: integerFlag('seed', String(raw['seed']), 0),
    k,
    concurrency: raw['concurrency'] === undefined ? k : integerFlag('concurrency', String(raw['concurrency']), 1, 10_000),
    maxOutputTokens:
      raw['maxOutputTokens'] === undefined
        ? defaultOutputCapFor(dispatch.ensemble?.map((member) => member.spec) ?? [model])
        : integerFlag('max-output-tokens', String(raw['maxOutputTokens']), 1),
    contextBudget: integerFlag('context-budget', String(raw['contextBudget']), 1),
    maxSamplesPerStep: samplesAtLeastK(integerFlag('max-samples', String(raw['maxSamples']), 1), k),
    json: raw['json'] === true,
    progress: raw['progress'] !== false,
    dispatch,
  };
}

/** The per-step sample cap, which must allow k votes: ahead by k needs at least k of them. */
function samplesAtLeastK(maxSamples: number, k: number): number {
  if (maxSamples < k) {
    throw new InputError(`Expected --max-samples (${maxSamples}) to be at least --k (${k}): a step needs k votes for one answer to lead by k; raise --max-samples or lower --k`);
  }
  return maxSamples;
}

/**
 * Refuses a context budget the task's first prompt does not fit: every step would fail, and a journaled run could
 * not be resumed with a larger one (the budget is part of what a run is).
 */
export function checkFirstPrompt(task: StepTask<unknown, unknown> | GraphTask<unknown, unknown, any>, contextBudget: number): void {
  const graph = asGraphTask(task);
  let tokens = 0;
  for (const call of graph.ready(graph.initialState())) tokens = Math.max(tokens, countMessageTokens(call.messages));
  if (tokens > contextBudget) throw new InputError(`Expected --context-budget to fit the first prompt, which has ${tokens} tokens, got \`${contextBudget}\``);
}

/** `--base-url` must be a URL, and must have an `openai:` model to go to (else it would be silently ignored). */
export function checkBaseURLFlag(baseURL: string, model: string, dispatch: DispatchFlags): void {
  parseBaseURL(baseURL, '--base-url');
  if (dispatch.endpointsFile !== undefined) throw new InputError('Expected --base-url or --endpoints, got both; set each endpoint\'s `baseURL` in the endpoints file');
  const specs = dispatch.ensemble?.map((member) => member.spec) ?? [model];
  if (!specs.some((spec) => isEndpointSpec(spec))) {
    throw new InputError(`--base-url applies to openai: models only; --model is \`${specs.join(',')}\`, which runs in process (use --model openai:NAME)`);
  }
}

/** The `run` command, created on first use, that every task command hangs under. */
export function runCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'run') ??
    program.command('run').description('run a task on a model, one voted call per step')
  );
}
