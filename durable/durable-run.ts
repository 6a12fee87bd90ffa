/**
 * Durable runs: a run that outlives its process. {@link startDurableRun} runs a task while journaling every
 * decided step into a run directory (`run-dir.ts`) and snapshotting its state every N steps;
 * {@link resumeDurableRun} continues it from its last durable step after a crash, a SIGKILL, a reboot, a
 * budget stop or Ctrl-C. Nothing per step is held in memory.
 *
 * A resumed run with the same configuration decides every step as the uninterrupted run would have, and ends
 * in the same state with the same totals: per-sample randomness derives from (run seed, step, sample index),
 * and the state and totals come back exactly from the latest snapshot plus the journal records after it. Only
 * what is real differs: wall time, call latencies against a real endpoint, and spend. The totals leave out the
 * calls (and faults) of a step that was in progress when a session stopped, since that step is decided again
 * and counted once; budget spend (`snapshot.spent`, carried into each session's dispatcher) counts every call
 * made, so a budget caps what the whole run really spends.
 */
import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Spend } from '../dispatch/budget.ts';
import { createDispatcher, emptyDispatchStats, type Dispatcher } from '../dispatch/dispatcher.ts';
import { InputError, JournalCorruptError, RunConfigMismatchError } from '../core/errors.ts';
import { openJournalWriter, scanJournal, type JournalWriter } from './journal.ts';
import { addRecord, encodeStep, type JournalRecord } from './journal-record.ts';
import type { LanguageModel } from '../core/model.ts';
import { diffRunConfig, runIdOf, type RunConfig } from './run-config.ts';
import { lockRunDir, prepareRunDir, readRunConfig, removeDirectories, runPaths, writeRunConfig, type RunPaths } from './run-dir.ts';
import { emptyTotals, NO_DISPATCH_EVENTS, runTask, type RunOptions, type RunResult, type RunTotals } from '../run/run-task.ts';
import { readSnapshot, writeSnapshot, type RunStatus, type Snapshot } from './snapshot.ts';
import type { GraphTask, StepTask, TaskCall } from '../core/task.ts';
import { MakerError } from '../core/errors.ts';
import { isGraphTask } from '../run/run-task.ts';

/** Run options a durable run passes through to `runTask`; the settings that decide the run come from its config. */
export type PassThroughRunOptions<S, V> = Omit<
  RunOptions<S, V>,
  | 'task'
  | 'model'
  | 'dispatcher'
  | 'k'
  | 'seed'
  | 'maxOutputTokens'
  | 'contextBudget'
  | 'maxSamplesPerStep'
  | 'concurrency'
  | 'start'
  | 'startTotals'
>;

/** Options of {@link startDurableRun} and {@link resumeDurableRun}. */
export interface DurableRunOptions<S, V> {
  /** The run directory. */
  readonly dir: string;
  /**
   * A step task, or a graph task. Values must survive a JSON round trip (they are journaled). A state that does
   * not survive one is never snapshotted: a resume then replays the whole journal from the initial state.
   */
  readonly task: StepTask<S, V> | GraphTask<S, V, any>;
  /** The model every call goes to; give this or `dispatcher`. */
  readonly model?: LanguageModel;
  /**
   * Builds each session's dispatcher (endpoints, retries, limits, budgets) given what earlier sessions spent, so
   * budgets cap the whole run rather than each session. @default a dispatcher over `model` with the config's
   * concurrency
   */
  readonly dispatcher?: (alreadySpent: Spend) => Dispatcher;
  /**
   * The run's configuration: what a new run records, and what a resume must match (its identity fields). The
   * run takes k, seed, output cap, context budget, sample cap and concurrency from it.
   */
  readonly config: RunConfig;
  /** Steps between snapshots; a resume replays at most this many journal records. @default 10000 */
  readonly snapshotEvery?: number;
  /**
   * Longest time a decided step's record waits before it is handed to the operating system, in milliseconds:
   * what a killed process can lose (see `journal.ts`). 0 writes each record at once. @default 50
   */
  readonly writeIntervalMs?: number;
  /** Longest time a written record waits for `fsync`, in milliseconds: what a power loss can lose besides. @default 1000 */
  readonly syncIntervalMs?: number;
  /** Stop conditions, step limit, abort signal, progress callback: passed to `runTask`. */
  readonly run?: PassThroughRunOptions<S, V>;
}

const NOTHING_SPENT: Spend = Object.freeze({ calls: 0, tokens: 0, dollars: 0, seconds: 0 });

/** Options of {@link startDurableRun}. */
export interface StartDurableRunOptions<S, V> extends DurableRunOptions<S, V> {
  /** Overwrite an existing run directory (never a directory holding anything else). @default false */
  readonly force?: boolean;
}

/** How a session of a durable run went. */
export interface DurableRunResult<S> extends RunResult<S> {
  readonly dir: string;
  /** Where the run stands now; every status but `finished` can be resumed. */
  readonly status: RunStatus;
  /** This process's share of the run. `wallMs` of the result is the run's active time over every session. */
  readonly session: {
    /** False when the run had already finished, so nothing ran. */
    readonly ran: boolean;
    /** Step this session started from (0 for a new run). */
    readonly startStep: number;
    /** Journal records after the latest snapshot, replayed to rebuild state and totals. */
    readonly replayed: number;
    /** Bytes of a torn last record cut off the journal (0 when it ended cleanly). */
    readonly tornBytes: number;
    /** This session's wall time, in milliseconds. */
    readonly wallMs: number;
  };
}

interface ResolvedDurableOptions {
  readonly snapshotEvery: number;
  readonly writeIntervalMs: number;
  readonly syncIntervalMs: number;
}

function milliseconds(name: string, value: number): number {
  if (!(value >= 0 && Number.isFinite(value))) throw new InputError(`Expected \`${name}\` to be a number >= 0, got \`${value}\``);
  return value;
}

function resolveDurableOptions(
  options: Pick<DurableRunOptions<unknown, unknown>, 'model' | 'dispatcher' | 'snapshotEvery' | 'writeIntervalMs' | 'syncIntervalMs'>,
): ResolvedDurableOptions {
  if (options.model === undefined && options.dispatcher === undefined) throw new InputError('Expected `model` or `dispatcher` in the durable run options, got neither');
  const snapshotEvery = options.snapshotEvery ?? 10_000;
  if (!Number.isSafeInteger(snapshotEvery) || snapshotEvery < 1) {
    throw new InputError(`Expected \`snapshotEvery\` to be an integer >= 1, got \`${snapshotEvery}\``);
  }
  return {
    snapshotEvery,
    writeIntervalMs: milliseconds('writeIntervalMs', options.writeIntervalMs ?? 50),
    syncIntervalMs: milliseconds('syncIntervalMs', options.syncIntervalMs ?? 1000),
  };
}

/** One line on what a run directory holds, for refusals. */
function describeRun(paths: RunPaths): string {
  try {
    const config = readRunConfig(paths.dir);
    const snapshot = readSnapshot(paths.snapshot);
    const where = snapshot === undefined ? 'not started' : `at step ${snapshot.step}, ${snapshot.status.kind}`;
    const next = snapshot?.status.kind === 'finished' ? '' : `; resume it with \`maker resume ${paths.dir}\``;
    return `a ${config.task} run (${JSON.stringify(config.taskOptions)}, ${config.model}, seed ${config.seed}) ${where}${next}`;
  } catch {
    return "an earlier run's files";
  }
}

/** The session's dispatcher, built before anything is written so a bad model or endpoint refuses a run cleanly. */
function buildDispatcher(options: DurableRunOptions<unknown, unknown>, alreadySpent: Spend): Dispatcher {
  return options.dispatcher?.(alreadySpent) ?? createDispatcher({ model: options.model!, concurrency: options.config.concurrency, alreadySpent });
}

/** Removes what a start wrote before it failed: the run's files, then the directories it created. */
function undoStart(paths: RunPaths, created: readonly string[]): void {
  for (const path of [paths.config, paths.journal, paths.snapshot]) {
    for (const file of [path, join(dirname(path), `.${basename(path)}.tmp`)]) rmSync(file, { force: true });
  }
  removeDirectories(created);
}

/**
 * A new run: prepares the directory, records the configuration and runs the task from its initial state. A
 * start refused before its first step (a bad model spec or endpoints file, a directory that cannot be written)
 * leaves the directory as it found it.
 */
export async function startDurableRun<S, V>(options: StartDurableRunOptions<S, V>): Promise<DurableRunResult<S>> {
  const resolved = resolveDurableOptions(options);
  const { task, dir } = options;
  const paths = runPaths(dir);
  const initial = task.initialState();
  if (!isGraphTask(task) && !jsonSafe(initial)) {
    throw new InputError(`The ${task.name} task's state does not survive a JSON round trip, so it cannot be snapshotted`);
  }
  // A live run's lock refuses even --force; a dead one's is cleared with the rest.
  if (existsSync(paths.lock)) lockRunDir(dir)();
  const dispatcher = buildDispatcher(options as DurableRunOptions<unknown, unknown>, NOTHING_SPENT);
  const runId = runIdOf(options.config);
  const created = prepareRunDir(dir, options.force ?? false, describeRun);
  let release: () => void;
  let writer: JournalWriter;
  const start: Snapshot<S> = { step: 0, journalBytes: 0, state: initial, totals: emptyTotals(), wallMs: 0, spent: NOTHING_SPENT, status: { kind: 'running' }, runId };
  try {
    release = lockRunDir(dir);
  } catch (error) {
    removeDirectories(created);
    throw error;
  }
  try {
    writeRunConfig(dir, { ...options.config, runId });
    writer = openJournalWriter({ path: paths.journal, writeIntervalMs: resolved.writeIntervalMs, syncIntervalMs: resolved.syncIntervalMs });
    writeSnapshot(paths.snapshot, { ...start, state: storedState(task, initial) });
  } catch (error) {
    release();
    undoStart(paths, created);
    throw error;
  }
  try {
    return await session(options, resolved, writer, dispatcher, start, { replayed: 0, tornBytes: 0 }, runId);
  } finally {
    release();
  }
}

/**
 * Continues a run from its last durable step: loads the latest snapshot, verifies the whole journal, replays the
 * records after the snapshot, cuts a torn last record, and runs on. Refuses (`RunConfigMismatchError`) when the
 * identity fields of `config` differ from the directory's. A finished run is returned as it ended.
 */
export async function resumeDurableRun<S, V>(options: DurableRunOptions<S, V>): Promise<DurableRunResult<S>> {
  const resolved = resolveDurableOptions(options);
  const { task, dir } = options;
  const paths = runPaths(dir);
  const stored = readRunConfig(dir);
  const differences = diffRunConfig(stored, options.config);
  if (differences.length > 0) throw new RunConfigMismatchError(dir, differences);
  const { runId } = stored;
  const release = lockRunDir(dir);
  try {
    const saved = readSnapshot<S | null>(paths.snapshot);
    const snapshot: Snapshot<S> =
      saved === undefined
        ? { step: 0, journalBytes: 0, state: task.initialState(), totals: emptyTotals(), wallMs: 0, status: { kind: 'running' } }
        : { ...saved, state: saved.state ?? task.initialState() };
    if (runId !== undefined && saved !== undefined && saved.runId !== runId) {
      throw new JournalCorruptError(
        paths.snapshot,
        1,
        0,
        `the snapshot belongs to another run (${snapshot.runId === undefined ? 'one without an id' : `run ${snapshot.runId}`}; this directory's run is ${runId}): was it copied from another run directory? Put this run's snapshot back, or delete it to replay the journal from the start`,
      );
    }
    let step = snapshot.step;
    let state = snapshot.state;
    const absorbRecord = recordAbsorber(task);
    const totals: RunTotals = structuredClone(snapshot.totals);
    // Spend of the steps after the snapshot, from their records: a lower bound (calls for a step in progress
    // when the process died, and the time it ran, are not in the journal).
    const spent: Spend = { ...NOTHING_SPENT, ...snapshot.spent };
    let replayed = 0;
    const scan = scanJournal<V>(paths.journal, {
      ...(runId === undefined ? {} : { runId }),
      ...(saved === undefined ? {} : { snapshotPath: paths.snapshot }),
      from: { offset: snapshot.journalBytes, step: snapshot.step },
      onRecord: (record) => {
        addRecord(totals, record);
        spent.calls += record.samples + record.aborted + record.retries;
        spent.tokens += record.promptTokens + record.completionTokens;
        spent.dollars += record.costUsd;
        state = absorbRecord(state, record);
        step = record.step + 1;
        replayed++;
      },
    });
    const tornBytes = scan.tornTail?.bytes ?? 0;
    if (snapshot.status.kind === 'finished') {
      return {
        task: task.name,
        model: options.model?.id ?? options.config.model,
        k: options.config.k,
        seed: options.config.seed,
        solved: snapshot.status.solved,
        stopReason: undefined,
        finalState: state,
        totals,
        wallMs: snapshot.wallMs,
        ...(snapshot.spent === undefined ? {} : { dispatch: { ...emptyDispatchStats(), calls: snapshot.spent.calls } }),
        dir,
        status: snapshot.status,
        session: { ran: false, startStep: step, replayed, tornBytes, wallMs: 0 },
      };
    }
    const dispatcher = buildDispatcher(options as DurableRunOptions<unknown, unknown>, spent);
    const writer = openJournalWriter({ path: paths.journal, validBytes: scan.validBytes, writeIntervalMs: resolved.writeIntervalMs, syncIntervalMs: resolved.syncIntervalMs });
    return await session(options, resolved, writer, dispatcher, { ...snapshot, step, state, totals, spent }, { replayed, tornBytes }, runId);
  } finally {
    release();
  }
}

/** Whether a value survives a JSON round trip unchanged (so it can be snapshotted). */
export function jsonSafe(value: unknown): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(JSON.stringify(value)), value);
  } catch {
    return false;
  }
}

/** What a snapshot stores of a state: the state, or null when a graph task's state does not survive JSON. */
export function storedState<S>(task: StepTask<S, unknown> | GraphTask<S, unknown, any>, state: S): S | null {
  return isGraphTask(task) && !jsonSafe(state) ? null : state;
}

/** Folds a journal record back into the state: a step task by its step, a graph task by the call its id names. */
export function recordAbsorber<S, V>(task: StepTask<S, V> | GraphTask<S, V, any>): (state: S, record: JournalRecord<V>) => S {
  if (!isGraphTask(task)) return (state, record) => task.absorb(state, record.value, record.step);
  return (state, record) => {
    let call: TaskCall<unknown> | undefined;
    for (const ready of task.ready(state)) {
      if (ready.id === record.id) {
        call = ready;
        break;
      }
    }
    if (call === undefined) {
      throw new MakerError('E_JOURNAL_MISMATCH', `Journal record ${record.step} decides call \`${record.id}\`, which the ${task.name} task does not have ready at that point: the journal belongs to another run or task`);
    }
    return task.absorb(state, call, record.value);
  };
}

/** Runs from `start` to the end or a stop, journaling each step, snapshotting every N steps and at the end. */
async function session<S, V>(
  options: DurableRunOptions<S, V>,
  resolved: ResolvedDurableOptions,
  writer: JournalWriter,
  dispatcher: Dispatcher,
  start: Snapshot<S>,
  recovered: { readonly replayed: number; readonly tornBytes: number },
  runId: string | undefined,
): Promise<DurableRunResult<S>> {
  const { task, config, dir } = options;
  const paths = runPaths(dir);
  const began = performance.now();
  let step = start.step;
  let state = start.state;
  let totals = start.totals;
  // Faults and retries as of the last decided step: those of a step a stop leaves undecided are not kept, as
  // that step's calls are not, so the totals stay those of decided steps (and of an uninterrupted run).
  let retries = totals.retries ?? 0;
  let faults = totals.faults ?? {};
  let lastSnapshot = step;
  const snapshot = (status: RunStatus) => {
    // The journal first: a snapshot must never name records that are not yet on disk.
    writer.sync();
    const wallMs = start.wallMs + performance.now() - began;
    const stateless = storedState(task, state) === null;
    const id = runId === undefined ? {} : { runId };
    // A state JSON cannot carry is left out: the snapshot then stands at the start, and a resume replays it all.
    writeSnapshot(
      paths.snapshot,
      stateless
        ? { step: 0, journalBytes: 0, state: null, totals: emptyTotals(), wallMs, spent: NOTHING_SPENT, status, ...id }
        : { step, journalBytes: writer.bytes, state, totals, wallMs, spent: dispatcher.budget().spent, status, ...id },
    );
    lastSnapshot = step;
  };
  const onStep = options.run?.onStep;
  let result: RunResult<S>;
  try {
    result = await runTask({
      ...options.run,
      task,
      dispatcher,
      k: config.k,
      seed: config.seed,
      maxOutputTokens: config.maxOutputTokens,
      contextBudget: config.contextBudget,
      maxSamplesPerStep: config.maxSamplesPerStep,
      start: { step, state },
      startTotals: totals,
      onStep: (event) => {
        writer.append(encodeStep(event, runId));
        step = event.step + 1;
        state = event.state;
        totals = event.totals;
        if (event.dispatch !== NO_DISPATCH_EVENTS) {
          retries = totals.retries;
          faults = { ...totals.faults };
        }
        if (step - lastSnapshot >= resolved.snapshotEvery) snapshot({ kind: 'running' });
        onStep?.(event);
      },
    });
  } catch (error) {
    // Best effort: when the disk is full these fail too, and the error to report is the first one.
    try {
      snapshot({ kind: 'failed', error: error instanceof Error ? error.message : String(error) });
    } catch {
      // The latest snapshot on disk stays valid: a resume starts from it and replays the journal.
    }
    try {
      writer.close();
    } catch {
      // As above.
    }
    throw error;
  }
  totals = { ...result.totals, retries, faults };
  const status: RunStatus = result.stopReason === undefined ? { kind: 'finished', solved: result.solved } : { kind: 'stopped', reason: result.stopReason };
  try {
    snapshot(status);
  } finally {
    writer.close();
  }
  const sessionMs = performance.now() - began;
  const budget = dispatcher.budget();
  return {
    ...result,
    totals,
    wallMs: start.wallMs + sessionMs,
    budget,
    // Calls over every session, like the budget's spend (`result.dispatch` counts this session's).
    dispatch: { ...dispatcher.stats, calls: budget.spent.calls },
    dir,
    status,
    session: { ran: true, startStep: start.step, replayed: recovered.replayed, tornBytes: recovered.tornBytes, wallMs: sessionMs },
  };
}
