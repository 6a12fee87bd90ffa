/**
 * The command-line side of durable runs, shared by `maker run hanoi --run-dir`, `maker resume` and `maker report`:
 * which tasks a run directory can hold, the configuration recorded from flags, the dispatcher rebuilt from a
 * configuration (budgets then cap the whole run: each session starts from what the earlier ones spent), and a
 * session with Ctrl-C handling, progress, the summary and the line that says how to resume.
 *
 * Exit codes: 0 solved; 1 not solved, or stopped early for a reason other than a signal (a budget, a step limit);
 * 130 interrupted by SIGINT (Ctrl-C) and 143 by SIGTERM, the shell's convention for death by those signals.
 * Every stop leaves a consistent journal and prints `resume with: maker resume DIR` on stderr.
 *
 * With `--store URL --run-id NAME` the run is kept in PostgreSQL instead (`durable/stored-run.ts`), loaded only
 * then; a second driver of the same run is refused (exit 2), or with `--wait` waits to take it over.
 */
import { isEndpointSpec } from '../models/model-spec.ts';
import { Option, type Command } from 'commander';
import { startDurableRun, resumeDurableRun, type DurableRunResult, type PassThroughRunOptions } from '../durable/durable-run.ts';
import type { StoredRunResult } from '../durable/stored-run.ts';
import { checkRunId, checkStoreUrl, redactUrl } from '../durable/pg-store.ts';
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
import { integerFlag } from './flags.ts';

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

/** A run kept in a PostgreSQL store (`--store URL --run-id NAME`) rather than a run directory. */
export interface StoreTarget {
  readonly url: string;
  readonly runId: string;
  /** Wait for a live driver of the run to end instead of refusing. */
  readonly wait: boolean;
  /** Calls per segment, for a new run. @default 10000 */
  readonly segmentSize?: number;
}

/** The command that resumes a stored run (with the URL's password, if any, hidden). */
export function storeResumeCommand(store: StoreTarget): string {
  return `maker resume --store ${shellQuote(redactUrl(store.url))} --run-id ${store.runId}`;
}

/** What a durable session needs from its command: a run directory, or a run in a store. */
export type DurableSession = DurableSessionCommon & ({ readonly dir: string; readonly store?: undefined } | { readonly dir?: undefined; readonly store: StoreTarget });

interface DurableSessionCommon {
  readonly mode: 'start' | 'resume';
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
export async function runDurableSession(context: CommandContext, session: DurableSession): Promise<DurableRunResult<unknown> | StoredRunResult<unknown> | undefined> {
  const total = taskLength(session.task);
  const progress = createProgress(context.stderr, total, session.progress);
  // A second signal exits at once; the progress display is stopped first, so the terminal gets its cursor back.
  const interrupt = onInterrupt(() => progress.stop());
  const signals = session.run?.signal === undefined ? interrupt.signal : AbortSignal.any([session.run.signal, interrupt.signal]);
  const options = {
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
  const { store } = session;
  const resumeLine = store === undefined ? resumeCommand(session.dir) : storeResumeCommand(store);
  let result: DurableRunResult<unknown> | StoredRunResult<unknown>;
  try {
    if (store === undefined) {
      const file = { ...options, dir: session.dir };
      result = session.mode === 'start' ? await startDurableRun({ ...file, force: session.force ?? false }) : await resumeDurableRun(file);
    } else {
      // Loaded only for stored runs: it brings in DBOS and pg.
      const { startStoredRun, resumeStoredRun } = await import('../durable/stored-run.ts');
      let waited = false;
      const stored = {
        ...options,
        url: store.url,
        runId: store.runId,
        wait: store.wait,
        ...(store.segmentSize === undefined ? {} : { segmentSize: store.segmentSize }),
        onWaiting: () => {
          waited = true;
          context.stderr.write(`maker: run ${store.runId} is driven by another process; waiting for it to end\n`);
        },
        onDriving: ({ waitedMs }: { readonly waitedMs: number }) => {
          if (waited) context.stderr.write(`maker: run ${store.runId} is free after waiting ${(waitedMs / 1000).toFixed(1)} s; driving it\n`);
        },
      };
      result = session.mode === 'start' ? await startStoredRun({ ...stored, force: session.force ?? false }) : await resumeStoredRun(stored);
    }
  } catch (error) {
    // Refusals and damage stop before any step runs; an error during the run (a failing endpoint, an undecided
    // step, a full disk) leaves a snapshot to resume from.
    const during = (error instanceof MakerError && !(error instanceof InputError) && !(error instanceof JournalCorruptError)) || isSystemError(error);
    if (!during) throw error;
    let step: number | undefined;
    try {
      step =
        store === undefined ? readSnapshot(runPaths(session.dir).snapshot)?.step : await (await import('../durable/stored-run.ts')).storedRunStep(store.url, store.runId);
    } catch {
      step = undefined;
    }
    context.stderr.write(`maker: ${(error as Error).message}\n`);
    // The context budget is part of what the run is: resuming cannot change it, so resuming would fail again.
    const next =
      error instanceof ContextBudgetError
        ? 'the context budget is part of the run, so it cannot be resumed with a larger one: start it again with a larger --context-budget and --force'
        : `resume with: ${resumeLine}`;
    context.stderr.write(`maker: stopped at step ${step ?? '?'}${total === undefined ? '' : ` of ${total}`} by that error; ${next}\n`);
    context.exitCode = 1;
    return undefined;
  } finally {
    progress.stop();
    interrupt.dispose();
  }
  const received = interrupt.received();
  const where = store === undefined ? session.dir : `run ${store.runId} of the store`;
  if (session.mode === 'resume' && !result.session.ran) {
    context.stderr.write(`maker: nothing to resume: the ${store === undefined ? `run in ${where}` : where} finished at step ${result.totals.steps}\n`);
  } else if (session.mode === 'resume' && 'tornBytes' in result.session) {
    const { startStep, replayed, tornBytes } = result.session;
    const torn = tornBytes === 0 ? '' : `; cut a torn last record of ${tornBytes} bytes`;
    context.stderr.write(`maker: resumed ${where} at step ${startStep} (replayed ${replayed} journal records after the latest snapshot${torn})\n`);
  } else if (session.mode === 'resume' && 'tookOver' in result.session) {
    const { startStep, replayed, tookOver } = result.session;
    const took = tookOver.length === 0 ? '' : `; took over ${tookOver.join(', ')}`;
    context.stderr.write(`maker: resumed ${where} at step ${startStep} (replayed ${replayed} stored calls after the latest snapshot${took})\n`);
  }
  const place = store === undefined ? { runDir: session.dir } : { store: redactUrl(store.url), runId: store.runId };
  const extra = { ...session.extra, ...place, ...(session.mode === 'resume' ? { resumedFrom: result.session.startStep } : {}) };
  const report = session.report?.(result);
  printRun(context, result, report, session.json, extra);
  if (result.status.kind === 'finished') {
    context.exitCode = exitCodeOf(result, report);
  } else {
    const reason = result.stopReason === 'interrupted' && received !== undefined ? `interrupted by ${received}` : (result.stopReason ?? result.status.kind);
    const of = total === undefined ? '' : ` of ${total}`;
    context.stderr.write(`maker: stopped at step ${result.totals.steps}${of} (${reason}); resume with: ${resumeLine}\n`);
    context.exitCode = signalExitCode(received) ?? 1;
  }
  return result;
}

/** Adds `--run-dir`, `--store`, `--run-id`, `--wait` and `--force` to a `run` subcommand. */
export function addRunDirOptions(command: Command): Command {
  return addStoreOptions(
    command.option('--run-dir <dir>', 'journal the run in DIR so it survives its process: resume with `maker resume DIR`'),
  )
    .option('--force', 'with --run-dir or --store: overwrite an existing run directory, or replace the stored run')
    .addOption(new Option('--segment-size <n>', 'with --store: calls per segment workflow and between snapshots').default('10000').hideHelp());
}

/** Adds `--store`, `--run-id` and `--wait` to a command. */
export function addStoreOptions(command: Command): Command {
  return command
    .option('--store <url>', 'keep the run in PostgreSQL at URL (postgres://USER@HOST:PORT/DB) so any machine can continue it')
    .option('--run-id <name>', "with --store: the run's name in the store")
    .option('--wait', 'with --store: if another process drives the run, wait for it to end, then continue the run');
}

/** The store a command's flags name, or undefined without `--store`; `--run-id` and `--wait` need `--store`. */
export function storeTargetOf(raw: Record<string, unknown>): StoreTarget | undefined {
  if (raw['store'] === undefined) {
    for (const flag of ['runId', 'wait'] as const) {
      if (raw[flag] !== undefined) throw new InputError(`Expected --${flag === 'runId' ? 'run-id' : 'wait'} only with --store URL`);
    }
    return undefined;
  }
  if (raw['runDir'] !== undefined) throw new InputError('Expected either --run-dir or --store, got both');
  if (raw['runId'] === undefined) throw new InputError('Expected --run-id NAME with --store (the run\'s name in the store)');
  return {
    url: checkStoreUrl(String(raw['store'])),
    runId: checkRunId(String(raw['runId'])),
    wait: raw['wait'] === true,
    ...(raw['segmentSize'] === undefined ? {} : { segmentSize: integerFlag('segment-size', String(raw['segmentSize']), 1) }),
  };
}

/** `maker run TASK --run-dir DIR` (or `--store URL --run-id NAME`): a new journaled run. */
export async function runInDirectory(
  context: CommandContext,
  raw: Record<string, unknown>,
  durable: DurableTask,
  options: CommonRunOptions,
  run?: PassThroughRunOptions<unknown, unknown>,
): Promise<void> {
  const store = storeTargetOf(raw);
  if (raw['runDir'] === undefined && store === undefined) throw new InputError('Expected --force only with --run-dir or --store');
  const config = runConfigFor(durable, options);
  await runDurableSession(context, {
    mode: 'start',
    ...(store === undefined ? { dir: String(raw['runDir']) } : { store }),
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
