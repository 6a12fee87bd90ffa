/**
 * The command-line side of durable runs, shared by `maker run hanoi --run-dir`, `maker resume` and `maker report`:
 * which tasks a run directory can hold, the configuration recorded from flags, the dispatcher rebuilt from a
 * configuration (budgets then cap the whole run: each session starts from what the earlier ones spent), and a
 * session with Ctrl-C handling, progress, the summary and the line that says how to resume.
 *
 * Exit codes: 0 solved; 1 not solved, or stopped early for a reason other than a signal (a budget, a step limit);
 * 130 interrupted by SIGINT (Ctrl-C) and 143 by SIGTERM, the shell's convention for death by those signals.
 * Every stop leaves a consistent journal and prints `resume with: maker resume DIR` on stderr.
 */
import { isEndpointSpec } from '../models/model-spec.ts';
import type { Command } from 'commander';
import { startDurableRun, resumeDurableRun, type DurableRunResult, type PassThroughRunOptions } from '../durable/durable-run.ts';
import { ContextBudgetError, InputError, JournalCorruptError, MakerError } from '../core/errors.ts';
import { runPaths } from '../durable/run-dir.ts';
import { readSnapshot } from '../durable/snapshot.ts';
import type { Spend } from '../dispatch/budget.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { taskFingerprint, type RunConfig } from '../durable/run-config.ts';
import { resolve } from 'node:path';
import { taskLength, type RunResult } from '../run/run-task.ts';
import type { RunnableTask, TaskDefinition, TaskReport } from '../tasks/definition.ts';
import { builtInTask, loadTaskModule } from '../tasks/registry.ts';
import { exitCodeOf, printRun } from './summary.ts';
import { buildDispatcher, type DispatchFlags } from './dispatch-options.ts';
import type { CommandContext } from './context.ts';
import { parseBaseURL } from '../models/openai-model.ts';
import { isSystemError } from './system-error.ts';
import { onInterrupt, signalExitCode } from './interrupt.ts';
import { createProgress } from './progress.ts';
import type { CommonRunOptions } from './run-options.ts';

/** A task a run directory holds: its definition, the task built from it, the options it was built with. */
export interface DurableTask {
  readonly definition: TaskDefinition<any>;
  readonly task: RunnableTask;
  /** The options the task was built with: plain JSON, recorded in the run's configuration. */
  readonly taskOptions: Readonly<Record<string, unknown>>;
  /** The task module's path, for a user's task (recorded as an absolute path, so resume finds it from anywhere). */
  readonly module?: string;
}

/** Rebuilds the task a configuration names: a built-in task, or the module it was loaded from. */
export async function taskFor(config: Pick<RunConfig, 'task' | 'taskOptions' | 'seed'> & { readonly taskModule?: string | null }): Promise<DurableTask> {
  const module = config.taskModule ?? undefined;
  const definition = module === undefined ? builtInTask(config.task) : await loadTaskModule(module);
  const task = definition.build(config.taskOptions, { seed: config.seed });
  return { definition, task, taskOptions: config.taskOptions, ...(module === undefined ? {} : { module }) };
}

/** The environment variable `--api-key` falls back to. */
export const API_KEY_ENV = 'OPENAI_API_KEY';

/** The configuration a new run records, from its task and the common run flags. */
export function runConfigFor(durable: DurableTask, options: CommonRunOptions): RunConfig {
  const { task, taskOptions } = durable;
  const base = options.baseURL === undefined ? undefined : parseBaseURL(options.baseURL, '--base-url');
  const queryNames = Object.keys(base?.query ?? {});
  return {
    task: durable.definition.name,
    ...(durable.module === undefined ? {} : { taskModule: resolve(durable.module) }),
    taskOptions,
    taskFingerprint: taskFingerprint(task),
    model: options.model,
    ensemble: options.dispatch.ensemble === undefined ? null : options.dispatch.ensemble.map(({ spec, weight }) => ({ spec, weight })),
    k: options.k,
    seed: options.seed,
    maxOutputTokens: options.maxOutputTokens,
    contextBudget: options.contextBudget,
    maxSamplesPerStep: options.maxSamplesPerStep,
    concurrency: options.concurrency,
    baseURL: base?.url ?? null,
    ...(queryNames.length === 0 ? {} : { baseURLQuery: queryNames }),
    ...(Object.keys(options.dispatch.pricing).length === 0 ? {} : { pricing: options.dispatch.pricing }),
    apiKeyEnv: isEndpointSpec(options.model) || options.dispatch.ensemble?.some(({ spec }) => isEndpointSpec(spec)) === true ? API_KEY_ENV : null,
    endpointsFile: options.dispatch.endpointsFile ?? null,
  };
}

/**
 * The dispatcher factory of a configuration, built exactly as `maker run` builds its dispatcher (the simulated
 * model's seed is the run seed), with this session's dispatch flags (retries, limits, budgets) and the spend of
 * earlier sessions; `notice` gets the line saying the endpoints stopped answering.
 */
export function dispatcherFor(
  config: RunConfig,
  definition: TaskDefinition<any>,
  apiKey: string | undefined,
  dispatch: DispatchFlags,
): (alreadySpent: Spend, notice?: (line: string) => void) => Dispatcher {
  return (alreadySpent, notice) =>
    buildDispatcher({
      model: config.model,
      baseURL: config.baseURL ?? undefined,
      apiKey,
      seed: config.seed,
      concurrency: config.concurrency,
      dispatch: {
        ...dispatch,
        // Prices given now win over those recorded at the start.
        pricing: { ...config.pricing, ...dispatch.pricing },
        ensemble: config.ensemble ?? undefined,
        endpointsFile: config.endpointsFile ?? undefined,
      },
      ...(definition.sim === undefined ? {} : { behaviour: definition.sim }),
      alreadySpent,
      ...(notice === undefined ? {} : { notice }),
    });
}

/** Quotes a path for a shell command line when it needs it. */
function shellQuote(path: string): string {
  return /^[\w./~:@%+=,-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}

/** The command that resumes the run in `dir`. */
export function resumeCommand(dir: string): string {
  return `maker resume ${shellQuote(dir)}`;
}

/** What a durable session needs from its command. */
export interface DurableSession {
  readonly mode: 'start' | 'resume';
  readonly dir: string;
  readonly force?: boolean;
  readonly task: RunnableTask;
  /** What the task adds to the summary, and whether the run met its goal. */
  readonly report?: (result: RunResult<any>) => TaskReport | undefined;
  /** Builds the session's dispatcher; `notice` prints a line without garbling the progress display. */
  readonly dispatcher: (alreadySpent: Spend, notice: (line: string) => void) => Dispatcher;
  readonly config: RunConfig;
  readonly json: boolean;
  readonly progress: boolean;
  /** Task fields for the JSON summary (`{ disks }`), as `maker run` prints them. */
  readonly extra: Record<string, unknown>;
  /** Stop conditions and other run options beyond the configuration. */
  readonly run?: PassThroughRunOptions<unknown, unknown>;
}

/**
 * Starts or resumes a journaled run. The first SIGINT or SIGTERM stops it after a clean journal and snapshot;
 * a second one exits at once (the journal is still consistent: each record is written whole). Prints the
 * summary as `maker run` does, and on stderr where a stopped run stands and how to resume it; a run ended by an
 * error (an undecided step, a failing endpoint) prints the error and the same line. Returns the result, or
 * undefined after such an error.
 */
export async function runDurableSession(context: CommandContext, session: DurableSession): Promise<DurableRunResult<unknown> | undefined> {
  const total = taskLength(session.task);
  const progress = createProgress(context.stderr, total, session.progress);
  // A second signal exits at once; the progress display is stopped first, so the terminal gets its cursor back.
  const interrupt = onInterrupt(() => progress.stop());
  const signals = session.run?.signal === undefined ? interrupt.signal : AbortSignal.any([session.run.signal, interrupt.signal]);
  const options = {
    dir: session.dir,
    task: session.task,
    dispatcher: (alreadySpent: Spend) => session.dispatcher(alreadySpent, (line) => progress.note(line)),
    config: session.config,
    run: {
      ...session.run,
      signal: signals,
      onStep: (event: Parameters<NonNullable<PassThroughRunOptions<unknown, unknown>['onStep']>>[0]) => {
        progress.update(event.totals);
        session.run?.onStep?.(event);
      },
    },
  };
  let result: DurableRunResult<unknown>;
  try {
    result = session.mode === 'start' ? await startDurableRun({ ...options, force: session.force ?? false }) : await resumeDurableRun(options);
  } catch (error) {
    // Refusals and damage stop before any step runs; an error during the run (a failing endpoint, an undecided
    // step, a full disk) leaves a snapshot to resume from.
    const during = (error instanceof MakerError && !(error instanceof InputError) && !(error instanceof JournalCorruptError)) || isSystemError(error);
    if (!during) throw error;
    let step: number | undefined;
    try {
      step = readSnapshot(runPaths(session.dir).snapshot)?.step;
    } catch {
      step = undefined;
    }
    context.stderr.write(`maker: ${(error as Error).message}\n`);
    // The context budget is part of what the run is: resuming cannot change it, so resuming would fail again.
    const next =
      error instanceof ContextBudgetError
        ? 'the context budget is part of the run, so it cannot be resumed with a larger one: start it again with a larger --context-budget and --force'
        : `resume with: ${resumeCommand(session.dir)}`;
    context.stderr.write(`maker: stopped at step ${step ?? '?'}${total === undefined ? '' : ` of ${total}`} by that error; ${next}\n`);
    context.exitCode = 1;
    return undefined;
  } finally {
    progress.stop();
    interrupt.dispose();
  }
  const received = interrupt.received();
  if (session.mode === 'resume' && !result.session.ran) {
    context.stderr.write(`maker: nothing to resume: the run in ${session.dir} finished at step ${result.totals.steps}\n`);
  } else if (session.mode === 'resume') {
    const { startStep, replayed, tornBytes } = result.session;
    const torn = tornBytes === 0 ? '' : `; cut a torn last record of ${tornBytes} bytes`;
    context.stderr.write(`maker: resumed ${session.dir} at step ${startStep} (replayed ${replayed} journal records after the latest snapshot${torn})\n`);
  }
  const extra = { ...session.extra, runDir: session.dir, ...(session.mode === 'resume' ? { resumedFrom: result.session.startStep } : {}) };
  const report = session.report?.(result);
  printRun(context, result, report, session.json, extra);
  if (result.status.kind === 'finished') {
    context.exitCode = exitCodeOf(result, report);
  } else {
    const reason = result.stopReason === 'interrupted' && received !== undefined ? `interrupted by ${received}` : (result.stopReason ?? result.status.kind);
    const of = total === undefined ? '' : ` of ${total}`;
    context.stderr.write(`maker: stopped at step ${result.totals.steps}${of} (${reason}); resume with: ${resumeCommand(session.dir)}\n`);
    context.exitCode = signalExitCode(received) ?? 1;
  }
  return result;
}

/** Adds `--run-dir` and `--force` to a `run` subcommand. */
export function addRunDirOptions(command: Command): Command {
  return command
    .option('--run-dir <dir>', 'journal the run in DIR so it survives its process: resume with `maker resume DIR`')
    .option('--force', 'with --run-dir: overwrite an existing run directory');
}

/** `maker run TASK --run-dir DIR`: a new journaled run. */
export async function runInDirectory(
  context: CommandContext,
  raw: Record<string, unknown>,
  durable: DurableTask,
  options: CommonRunOptions,
  run?: PassThroughRunOptions<unknown, unknown>,
): Promise<void> {
  if (raw['runDir'] === undefined) throw new InputError('Expected --force only with --run-dir');
  const config = runConfigFor(durable, options);
  await runDurableSession(context, {
    mode: 'start',
    dir: String(raw['runDir']),
    force: raw['force'] === true,
    task: durable.task,
    report: (result) => durable.definition.report?.(durable.task, result, durable.taskOptions),
    // The stored configuration leaves out the base URL's query string; the calls need it.
    dispatcher: dispatcherFor({ ...config, baseURL: options.baseURL ?? null }, durable.definition, options.apiKey, options.dispatch),
    config,
    json: options.json,
    progress: options.progress,
    extra: { maxOutputTokens: options.maxOutputTokens },
    ...(run === undefined ? {} : { run }),
  });
}
