/**
 * `maker run multiplication` and `maker run sorting`: a set of problems (the MAKER authors' file, or a seeded set
 * of our own) run as one batch, decomposed or flat, scored by exact answers, with calls and cost. With
 * `--run-dir DIR` the set is journaled call by call; running the same command again with the same directory
 * resumes it where it stopped.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../core/errors.ts';
import type { SimBehaviour } from '../models/sim-behaviour.ts';
import { resumeDurableRun, startDurableRun, type DurableRunResult } from '../durable/durable-run.ts';
import { taskFingerprint, type RunConfig } from '../durable/run-config.ts';
import { runPaths } from '../durable/run-dir.ts';
import type { BatchState } from '../run/batch.ts';
import { runTask, type RunResult } from '../run/run-task.ts';
import { buildMultiplicationRun, MAX_GENERATED_PROBLEMS, MAX_OPERAND_DIGITS, MULTIPLICATION_STRATEGIES, multiplicationSim, multiplicationSource } from '../tasks/multiplication/index.ts';
import { setOutputCap, setSummaryJson, setSummaryLines, type ProblemSetTask } from '../tasks/problem-sets/index.ts';
import { buildSortingRun, MAX_GENERATED_LISTS, MAX_LIST_LENGTH, SORTING_STRATEGIES, sortingSim, sortingSource } from '../tasks/sorting/index.ts';
import { buildDispatcher } from './dispatch-options.ts';
import { addRunDirOptions, API_KEY_ENV } from './durable.ts';
import { choiceFlag, integerFlag } from './flags.ts';
import type { CommandContext } from './main.ts';
import { createProgress } from './progress.ts';
import { addCommonRunOptions, resolveCommonRunOptions, runCommand, type CommonRunOptions } from './run-options.ts';

/** How one problem-set task is put on the command line. */
interface ProblemSetCommand<O extends Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  /** The size flag of a generated set (`digits`, `length`), its help and its largest value. */
  readonly size: { readonly flag: string; readonly description: string; readonly max: number };
  readonly maxCount: number;
  readonly strategies: readonly string[];
  readonly sim: SimBehaviour;
  /** The recorded options from the parsed flags. */
  options(strategy: string, source: { data: string; limit: number | null } | { size: number; count: number }): O;
  build(options: O, context: { readonly seed: number }): ProblemSetTask;
  source(options: O): string;
}

const MULTIPLICATION: ProblemSetCommand<ReturnType<typeof multiplicationOptions>> = {
  name: 'multiplication',
  description: "long multiplication on the MAKER authors' products (--data) or a seeded set (--digits): one voted call per digit, or flat",
  size: { flag: 'digits', description: `a seeded set of our own: digits per operand, 1 to ${MAX_OPERAND_DIGITS}`, max: MAX_OPERAND_DIGITS },
  maxCount: MAX_GENERATED_PROBLEMS,
  strategies: MULTIPLICATION_STRATEGIES,
  sim: multiplicationSim,
  options: multiplicationOptions,
  build: buildMultiplicationRun,
  source: multiplicationSource,
};

function multiplicationOptions(strategy: string, source: { data: string; limit: number | null } | { size: number; count: number }) {
  const chosen = choiceFlag('strategy', strategy, MULTIPLICATION_STRATEGIES);
  return 'data' in source
    ? { strategy: chosen, data: source.data, limit: source.limit, digits: null, count: null }
    : { strategy: chosen, data: null, limit: null, digits: source.size, count: source.count };
}

const SORTING: ProblemSetCommand<ReturnType<typeof sortingOptions>> = {
  name: 'sorting',
  description: "sorting on the MAKER authors' lists (--data) or a seeded set (--length): one voted call per comparator of a sorting network, or flat",
  size: { flag: 'length', description: `a seeded set of our own: elements per list, 1 to ${MAX_LIST_LENGTH}`, max: MAX_LIST_LENGTH },
  maxCount: MAX_GENERATED_LISTS,
  strategies: SORTING_STRATEGIES,
  sim: sortingSim,
  options: sortingOptions,
  build: buildSortingRun,
  source: sortingSource,
};

function sortingOptions(strategy: string, source: { data: string; limit: number | null } | { size: number; count: number }) {
  const chosen = choiceFlag('strategy', strategy, SORTING_STRATEGIES);
  return 'data' in source
    ? { strategy: chosen, data: source.data, limit: source.limit, length: null, count: null }
    : { strategy: chosen, data: null, limit: null, length: source.size, count: source.count };
}

/** The set's source from the flags: `--data FILE [--limit N]` or `--SIZE S [--count C]`, never both. */
function sourceFlags(spec: ProblemSetCommand<any>, raw: Record<string, unknown>): { data: string; limit: number | null } | { size: number; count: number } {
  const size = raw[spec.size.flag];
  if (raw['data'] !== undefined) {
    if (size !== undefined) throw new InputError(`Expected --data FILE or --${spec.size.flag} N, got both`);
    if (raw['count'] !== undefined) throw new InputError(`Expected --count only with --${spec.size.flag}; use --limit with --data`);
    return { data: String(raw['data']), limit: raw['limit'] === undefined ? null : integerFlag('limit', String(raw['limit']), 1) };
  }
  if (size === undefined) throw new InputError(`Expected --data FILE (the authors' set) or --${spec.size.flag} N --count C (a seeded set), got neither`);
  if (raw['limit'] !== undefined) throw new InputError(`Expected --limit only with --data; use --count with --${spec.size.flag}`);
  return { size: integerFlag(spec.size.flag, String(size), 1, spec.size.max), count: integerFlag('count', String(raw['count'] ?? '20'), 1, spec.maxCount) };
}

/** The configuration a journaled set records. */
function setRunConfig(task: ProblemSetTask, taskOptions: Record<string, unknown>, options: CommonRunOptions, maxOutputTokens: number): RunConfig {
  return {
    task: task.name,
    taskOptions,
    taskFingerprint: taskFingerprint(task),
    model: options.model,
    ensemble: options.dispatch.ensemble === undefined ? null : options.dispatch.ensemble.map(({ spec, weight }) => ({ spec, weight })),
    k: options.k,
    seed: options.seed,
    maxOutputTokens,
    contextBudget: options.contextBudget,
    maxSamplesPerStep: options.maxSamplesPerStep,
    concurrency: options.concurrency,
    baseURL: options.baseURL ?? null,
    apiKeyEnv: options.model.startsWith('openai:') || options.dispatch.ensemble?.some(({ spec }) => spec.startsWith('openai:')) === true ? API_KEY_ENV : null,
    endpointsFile: options.dispatch.endpointsFile ?? null,
  };
}

function register<O extends Record<string, unknown>>(program: Command, context: CommandContext, spec: ProblemSetCommand<O>): void {
  const command = runCommand(program)
    .command(spec.name)
    .description(spec.description)
    .option('--data <file>', "the MAKER authors' file (JSON lines with question and answer), read as it is")
    .option('--limit <n>', 'with --data: only the first N problems')
    .option(`--${spec.size.flag} <n>`, spec.size.description)
    .option('--count <n>', `with --${spec.size.flag}: number of problems (default 20)`)
    .option('--strategy <name>', spec.strategies.join(' | '), 'decomposed');
  addRunDirOptions(addCommonRunOptions(command)).action(async (raw: Record<string, unknown>, self: Command) => {
    const taskOptions = spec.options(String(raw['strategy']), sourceFlags(spec, raw));
    const options = resolveCommonRunOptions(raw);
    const task = spec.build(taskOptions, { seed: options.seed });
    // A flat call writes the whole answer: unless a cap was given, it gets room for it.
    const maxOutputTokens = self.getOptionValueSource('maxOutputTokens') === 'default' ? setOutputCap(task, undefined) : options.maxOutputTokens;
    const dispatcherFor = (alreadySpent?: Parameters<typeof buildDispatcher>[0]['alreadySpent']) =>
      buildDispatcher({ ...options, behaviour: spec.sim, ...(alreadySpent === undefined ? {} : { alreadySpent }) });
    const progress = createProgress(context.stderr, task.totalCalls, options.progress);
    const controller = new AbortController();
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received !== undefined) process.exit(signal === 'SIGINT' ? 130 : 143);
      received = signal;
      controller.abort();
    };
    const runDir = raw['runDir'] === undefined ? undefined : String(raw['runDir']);
    if (runDir === undefined && raw['force'] === true) throw new InputError('Expected --force only with --run-dir');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let result: RunResult<BatchState> | DurableRunResult<BatchState>;
    try {
      const run = {
        signal: controller.signal,
        onStep: (event: Parameters<ProblemSetTask['observe']>[0]) => {
          task.observe(event);
          progress.update(event.totals);
        },
      };
      if (runDir === undefined) {
        result = await runTask({
          task,
          dispatcher: dispatcherFor(),
          k: options.k,
          seed: options.seed,
          concurrency: options.concurrency,
          maxOutputTokens,
          contextBudget: options.contextBudget,
          maxSamplesPerStep: options.maxSamplesPerStep,
          ...run,
        });
      } else {
        const config = setRunConfig(task, taskOptions, options, maxOutputTokens);
        const durable = { dir: runDir, task, dispatcher: (spent: Parameters<typeof dispatcherFor>[0]) => dispatcherFor(spent), config, run };
        // The same command on the same directory resumes it; --force starts over.
        const resuming = existsSync(runPaths(runDir).config) && raw['force'] !== true;
        result = resuming ? await resumeDurableRun(durable) : await startDurableRun({ ...durable, force: raw['force'] === true });
        if (resuming && 'session' in result) context.stderr.write(`maker: resumed ${runDir} at call ${result.session.startStep}\n`);
      }
    } finally {
      progress.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const scored = task.score(result);
    const source = spec.source(taskOptions);
    const extra = { source, ...taskOptions, ...(runDir === undefined ? {} : { runDir }) };
    context.stdout.write(options.json ? `${JSON.stringify(setSummaryJson(scored, extra))}\n` : `${setSummaryLines(scored, source).join('\n')}\n`);
    if (scored.stopReason !== undefined) {
      if (runDir !== undefined) context.stderr.write(`maker: stopped (${scored.stopReason}); run the same command again to resume ${runDir}\n`);
      context.exitCode = received === 'SIGINT' ? 130 : received === 'SIGTERM' ? 143 : 1;
    }
  });
}

/** Registers `maker run multiplication` and `maker run sorting`. */
export function registerRunProblemSets(program: Command, context: CommandContext): void {
  register(program, context, MULTIPLICATION);
  register(program, context, SORTING);
}
