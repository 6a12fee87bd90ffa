/**
 * Stored runs: durable runs kept in PostgreSQL (`pg-store.ts`) instead of a run directory, so that any machine
 * can continue a run whose machine was lost. {@link startStoredRun} and {@link resumeStoredRun} give the same
 * guarantees as `startDurableRun` and `resumeDurableRun`: a decided call is in the store about 50 ms after it
 * is decided (its record batched with the others of that moment), and a resumed run decides every call as the
 * uninterrupted run would have, ending in the same state with the same totals.
 *
 * How a run is driven, on DBOS Transact (`dbos-engine.ts`):
 *
 * - One driver at a time. The driver holds the advisory lock `maker-run:ID` on its store connection for as long
 *   as it drives, and writes everything through that connection: a second driver is refused (or, with `wait`,
 *   waits for the lock), and a driver whose connection is lost can no longer write.
 * - Segments. The run is a chain of DBOS workflows `run:ID:segment:N`, each deciding the calls from step
 *   N × segmentSize up to the next multiple (10,000 by default), then writing a snapshot that carries the
 *   state and totals into the next. A segment is a workflow with no DBOS steps inside (a step costs about 3 ms;
 *   a decided call here costs microseconds): its progress is the store's records, which it reads back when it
 *   runs again, so it continues rather than repeats.
 * - Takeover. When a driver dies (SIGKILL, a lost machine) its advisory lock ends with its session, and the
 *   next driver (`maker resume --store URL --run-id ID`, or one already waiting) finds the segment it left
 *   PENDING and has DBOS resume it (`DBOS.resumeWorkflow`) on the run's own queue, which only the lock holder
 *   listens to: the engine's own recovery, with no other process able to pick the segment up.
 * - Early ends. A session stopped early (a signal, a budget, a step limit, an error) ends its segment's workflow
 *   with that status; the next session raises the run's attempt number and runs the rest of that segment as the
 *   workflow `run:ID:segment:N:attempt:A`, since DBOS answers a finished workflow's id with its recorded end.
 */
import type pg from 'pg';
import type { Spend } from '../dispatch/budget.ts';
import { createDispatcher, emptyDispatchStats, type Dispatcher } from '../dispatch/dispatcher.ts';
import { InputError, JournalCorruptError, MakerError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import type { GraphTask, StepTask } from '../core/task.ts';
import type { PassThroughRunOptions } from './durable-run.ts';
import { recordAbsorber, storedState, jsonSafe } from './durable-run.ts';
import { defineWorkflow, launchEngine, newExecutorId, shutdownEngine } from './dbos-engine.ts';
import { addRecord, decodeRecord, encodeStep } from './journal-record.ts';
import {
  connectStore,
  createRunRow,
  ensureStoreSchema,
  insertCalls,
  readCalls,
  readRunRow,
  readStoredSnapshot,
  redactUrl,
  runLockName,
  setRunAttempt,
  checkRunId,
  takeLock,
  writeStoredSnapshot,
} from './pg-store.ts';
import { diffRunConfig, type RunConfig } from './run-config.ts';
import { emptyTotals, isGraphTask, NO_DISPATCH_EVENTS, runTask, taskLength, type RunResult, type RunTotals } from '../run/run-task.ts';
import type { RunStatus, Snapshot } from './snapshot.ts';

/** Options of {@link startStoredRun} and {@link resumeStoredRun}. */
export interface StoredRunOptions<S, V> {
  /** The store: a `postgres://` URL. */
  readonly url: string;
  /** The run's name in the store. */
  readonly runId: string;
  /** A step task or a graph task; values must survive a JSON round trip (they are stored). */
  readonly task: StepTask<S, V> | GraphTask<S, V, any>;
  /** The model every call goes to; give this or `dispatcher`. */
  readonly model?: LanguageModel;
  /** Builds this session's dispatcher given what earlier sessions spent. @default a dispatcher over `model` */
  readonly dispatcher?: (alreadySpent: Spend) => Dispatcher;
  /** The run's configuration: what a new run records, and what a resume must match (its identity fields). */
  readonly config: RunConfig;
  /** Calls per segment, and between snapshots. A new run records it; a resume uses the recorded one. @default 10000 */
  readonly segmentSize?: number;
  /** Longest time a decided call's record waits before it is sent to the store, in milliseconds. @default 50 */
  readonly writeIntervalMs?: number;
  /** Wait for a live driver of the run to end instead of refusing at once. @default false */
  readonly wait?: boolean;
  /** Called when another process drives the run and this one, with `wait`, waits for it to end. */
  readonly onWaiting?: () => void;
  /** Called once this process drives the run (the lock is held), before any call is made. */
  readonly onDriving?: (info: { readonly executorId: string; readonly waitedMs: number }) => void;
  /** Stop conditions, step limit, abort signal, progress callback: passed to `runTask`. */
  readonly run?: PassThroughRunOptions<S, V>;
}

/** Options of {@link startStoredRun}. */
export interface StartStoredRunOptions<S, V> extends StoredRunOptions<S, V> {
  /** Replace a run of the same id already in the store. @default false */
  readonly force?: boolean;
}

/** How a session of a stored run went. */
export interface StoredRunResult<S> extends RunResult<S> {
  readonly runId: string;
  /** The store's URL, password hidden. */
  readonly store: string;
  /** Where the run stands now; every status but `finished` can be resumed. */
  readonly status: RunStatus;
  readonly session: {
    /** False when the run had already finished, so nothing ran. */
    readonly ran: boolean;
    /** Step this session started from (0 for a new run). */
    readonly startStep: number;
    /** Stored calls after the latest snapshot, replayed to rebuild state and totals. */
    readonly replayed: number;
    /** Segment workflows this session ran to their end or a stop. */
    readonly segments: number;
    /** Segment workflows a dead driver left unfinished, which this session had DBOS resume. */
    readonly tookOver: readonly string[];
    /** This session's wall time, in milliseconds. */
    readonly wallMs: number;
  };
}

/** A second driver of a run that has one. */
export class RunLockedError extends InputError {
  constructor(runId: string, store: string) {
    super(
      `Run ${runId} in the store ${store} is being driven by another process; wait for it to end, or pass --wait to continue the run when it does`,
      undefined,
      'E_RUN_LOCKED',
    );
  }
}

const NOTHING_SPENT: Spend = Object.freeze({ calls: 0, tokens: 0, dollars: 0, seconds: 0 });

interface Resolved {
  readonly segmentSize: number;
  readonly writeIntervalMs: number;
}

function resolve(options: StoredRunOptions<unknown, unknown>): Resolved {
  if (options.model === undefined && options.dispatcher === undefined) throw new InputError('Expected `model` or `dispatcher` in the stored run options, got neither');
  checkRunId(options.runId);
  const segmentSize = options.segmentSize ?? 10_000;
  if (!Number.isSafeInteger(segmentSize) || segmentSize < 1) throw new InputError(`Expected \`segmentSize\` to be an integer >= 1, got \`${segmentSize}\``);
  const writeIntervalMs = options.writeIntervalMs ?? 50;
  if (!(writeIntervalMs >= 0 && Number.isFinite(writeIntervalMs))) throw new InputError(`Expected \`writeIntervalMs\` to be a number >= 0, got \`${writeIntervalMs}\``);
  return { segmentSize, writeIntervalMs };
}

/** The queue only a run's driver listens to, where a dead driver's segment is resumed. */
export const runQueueName = (runId: string) => `maker-run-${runId}`;

/** The workflow id of segment `n` of a run at attempt `attempt`. */
export function segmentWorkflowId(runId: string, n: number, attempt: number): string {
  return `run:${runId}:segment:${n}${attempt === 0 ? '' : `:attempt:${attempt}`}`;
}

/** How a segment's workflow ended: what DBOS records as its output. */
export type SegmentEnd =
  | { readonly kind: 'segment'; readonly step: number }
  | { readonly kind: 'finished'; readonly step: number; readonly solved: boolean }
  | { readonly kind: 'stopped'; readonly step: number; readonly reason: string }
  | { readonly kind: 'failed'; readonly step: number; readonly error: string };

/** Where a run stands in this process: the state after `step` decided calls, and the totals. */
interface Position<S> {
  step: number;
  state: S;
  totals: RunTotals;
}

/** What the segment workflow needs from the process that drives the run. */
interface Driver {
  runSegment(n: number): Promise<SegmentEnd>;
}

const drivers = new Map<string, Driver>();

const segmentWorkflow = defineWorkflow('maker-run-segment', async (runId: string, n: number): Promise<SegmentEnd> => {
  const driver = drivers.get(runId);
  // Only the lock holder listens to the run's queue; anyone else is a bug, and must not touch the run.
  if (driver === undefined) throw new MakerError('E_ENGINE', `Segment ${n} of run ${runId} reached a process that does not drive that run`);
  return driver.runSegment(n);
});

/** Batches decided calls' records and sends each batch to the store through the driver's connection. */
class CallWriter {
  readonly #client: pg.Client;
  readonly #runId: string;
  readonly #intervalMs: number;
  readonly #onError: (error: unknown) => void;
  #lines: string[] = [];
  #first = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #error: unknown;

  constructor(client: pg.Client, runId: string, intervalMs: number, onError: (error: unknown) => void) {
    this.#client = client;
    this.#runId = runId;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  /** Adds a decided call's record; it goes out within the interval, or at once when the batch is large. */
  append(step: number, json: string): void {
    if (this.#lines.length === 0) this.#first = step;
    this.#lines.push(json);
    if (this.#lines.length >= 2000 || this.#intervalMs === 0) this.#send();
    else this.#timer ??= setTimeout(() => this.#send(), this.#intervalMs);
  }

  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#inFlight !== undefined || this.#lines.length === 0 || this.#error !== undefined) return;
    const lines = this.#lines;
    const first = this.#first;
    this.#lines = [];
    this.#inFlight = insertCalls(this.#client, this.#runId, first, first + lines.length - 1, lines.join('\n')).then(
      () => {
        this.#inFlight = undefined;
        if (this.#lines.length > 0) this.#timer ??= setTimeout(() => this.#send(), this.#intervalMs);
      },
      (error: unknown) => {
        this.#inFlight = undefined;
        this.#error = error;
        this.#onError(error);
      },
    );
  }

  /** Sends everything appended so far and waits until the store has it; throws what a write met. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.#inFlight !== undefined) await this.#inFlight;
      if (this.#error !== undefined) throw this.#error;
      if (this.#lines.length === 0) return;
      this.#send();
    }
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** Replays the stored calls after `position` into it; returns how many. */
async function catchUp<S, V>(client: pg.Client, runId: string, task: StepTask<S, V> | GraphTask<S, V, any>, position: Position<S>, spent?: { calls: number; tokens: number; dollars: number }): Promise<number> {
  const absorb = recordAbsorber(task);
  let replayed = 0;
  await readCalls(client, runId, position.step, (json, step) => {
    const decoded = decodeRecord<V>(json);
    if (!decoded.ok || decoded.record.step !== step) {
      throw new JournalCorruptError(`store run ${runId}`, step + 1, 0, decoded.ok ? `the record of step ${step} says it is step ${decoded.record.step}` : decoded.problem);
    }
    const { record } = decoded;
    addRecord(position.totals, record);
    if (spent !== undefined) {
      spent.calls += record.samples + record.aborted + record.retries;
      spent.tokens += record.promptTokens + record.completionTokens;
      spent.dollars += record.costUsd;
    }
    position.state = absorb(position.state, record);
    position.step = step + 1;
    replayed++;
  });
  return replayed;
}

/** A new run in the store: records its configuration and runs the task from its initial state. */
export function startStoredRun<S, V>(options: StartStoredRunOptions<S, V>): Promise<StoredRunResult<S>> {
  return drive(options, 'start');
}

/**
 * Continues a stored run from its last stored call, on any machine: refuses a configuration whose identity
 * fields differ from the stored one; takes over the segment a dead driver left; returns a finished run as it
 * ended.
 */
export function resumeStoredRun<S, V>(options: StoredRunOptions<S, V>): Promise<StoredRunResult<S>> {
  return drive(options, 'resume');
}

async function drive<S, V>(options: StartStoredRunOptions<S, V>, mode: 'start' | 'resume'): Promise<StoredRunResult<S>> {
  const resolved = resolve(options as StoredRunOptions<unknown, unknown>);
  const { task, runId, config } = options;
  const store = redactUrl(options.url);
  const initial = task.initialState();
  if (mode === 'start' && !isGraphTask(task) && !jsonSafe(initial)) {
    throw new InputError(`The ${task.name} task's state does not survive a JSON round trip, so it cannot be stored`);
  }
  const client = await connectStore(options.url);
  // A lost connection is a lost lock: the run must stop at once, even between writes, since another driver may
  // already be taking over. Queries on it fail from then on. So does a failed write: its calls would be decided
  // but not kept. The first error is the one reported.
  const storeFailed = new AbortController();
  client.on('error', (error) => storeFailed.abort(error));
  const waitStarted = performance.now();
  try {
    await ensureStoreSchema(client);
    if (!(await takeLock(client, runLockName(runId), false))) {
      if (options.wait !== true) throw new RunLockedError(runId, store);
      options.onWaiting?.();
      await takeLock(client, runLockName(runId), true);
    }
    const waitedMs = performance.now() - waitStarted;
    let row = await readRunRow(client, runId);
    if (mode === 'start') {
      if (row !== undefined && options.force !== true) {
        const snapshot = await readStoredSnapshot(client, runId);
        const where = snapshot === undefined ? 'not started' : `at step ${snapshot.step}, ${snapshot.status.kind}`;
        throw new InputError(
          `Run ${runId} already exists in the store ${store}: a ${row.config.task} run (${JSON.stringify(row.config.taskOptions)}, ${row.config.model}, seed ${row.config.seed}) ${where}; resume it with \`maker resume --store URL --run-id ${runId}\`, or pass --force to replace it`,
          undefined,
          'E_RUN_EXISTS',
        );
      }
      await createRunRow(client, runId, config, resolved.segmentSize, row !== undefined);
      await writeStoredSnapshot(client, runId, { step: 0, state: storedState(task, initial), totals: emptyTotals(), wallMs: 0, spent: NOTHING_SPENT, status: { kind: 'running' } });
      row = (await readRunRow(client, runId))!;
    } else {
      if (row === undefined) throw new InputError(`No run ${runId} in the store ${store}; start one with \`maker run hanoi --store URL --run-id ${runId} ...\``, undefined, 'E_RUN_MISSING');
      const differences = diffRunConfig(row.config, config).map((line) => line.replace('in the run directory', 'in the store'));
      if (differences.length > 0) throw new InputError(`Run ${runId} in the store holds a different run: ${differences.join('; ')}`, undefined, 'E_RUN_CONFIG_MISMATCH');
    }
    return await session(options, { ...resolved, segmentSize: row.segmentSize }, client, row.attempt, store, waitedMs, storeFailed);
  } finally {
    // Ending the session releases the run lock.
    await client.end().catch(() => {});
  }
}

async function session<S, V>(
  options: StoredRunOptions<S, V>,
  resolved: Resolved,
  client: pg.Client,
  startAttempt: number,
  store: string,
  waitedMs: number,
  storeFailed: AbortController,
): Promise<StoredRunResult<S>> {
  const { task, runId, config } = options;
  // The session's active time starts once it drives (after replay and the engine's launch), as a run directory's
  // does after its journal is read: what is timed is deciding calls.
  let began = performance.now();
  const stored = (await readStoredSnapshot<S | null>(client, runId)) ?? { step: 0, state: null, totals: emptyTotals(), wallMs: 0, spent: NOTHING_SPENT, status: { kind: 'running' } as RunStatus };
  const position: Position<S> = { step: stored.step, state: stored.state ?? task.initialState(), totals: structuredClone(stored.totals) };
  const spent: Spend = { ...NOTHING_SPENT, ...stored.spent };
  const replayed = await catchUp(client, runId, task, position, spent);
  const startStep = position.step;
  const common = { runId, store, task: task.name, model: options.model?.id ?? config.model, k: config.k, seed: config.seed };
  if (stored.status.kind === 'finished') {
    return {
      ...common,
      solved: stored.status.solved,
      stopReason: undefined,
      finalState: position.state,
      totals: position.totals,
      wallMs: stored.wallMs,
      ...(stored.spent === undefined ? {} : { dispatch: { ...emptyDispatchStats(), calls: stored.spent.calls } }),
      status: stored.status,
      session: { ran: false, startStep, replayed, segments: 0, tookOver: [], wallMs: 0 },
    };
  }

  const dispatcher = options.dispatcher?.(spent) ?? createDispatcher({ model: options.model!, concurrency: config.concurrency, alreadySpent: spent });
  const writer = new CallWriter(client, runId, resolved.writeIntervalMs, (error) => storeFailed.abort(error));
  const userSignal = options.run?.signal;
  const signal = userSignal === undefined ? storeFailed.signal : AbortSignal.any([userSignal, storeFailed.signal]);
  const limit = options.run?.maxSteps ?? taskLength(task) ?? Number.POSITIVE_INFINITY;
  const wallBefore = stored.wallMs;
  let failure: unknown;
  let finalSolved = false;
  let stopReason: string | undefined;

  const snapshot = async (status: RunStatus) => {
    await writer.drain();
    const stateless = storedState(task, position.state) === null;
    await writeStoredSnapshot(
      client,
      runId,
      stateless
        ? { step: 0, state: null, totals: emptyTotals(), wallMs: wallBefore + performance.now() - began, spent: NOTHING_SPENT, status }
        : { step: position.step, state: position.state, totals: position.totals, wallMs: wallBefore + performance.now() - began, spent: dispatcher.budget().spent, status },
    );
  };

  const driver: Driver = {
    runSegment: async (n) => {
      // A segment run again (its driver died) continues from what the store holds.
      await catchUp(client, runId, task, position);
      const end = Math.min((n + 1) * resolved.segmentSize, limit);
      const segmentLimit = end < limit;
      if (position.step < n * resolved.segmentSize) {
        throw new MakerError('E_STORE_CORRUPT', `Segment ${n} of run ${runId} starts at step ${n * resolved.segmentSize}, but the store holds calls only up to step ${position.step}`);
      }
      let retries = position.totals.retries ?? 0;
      let faults = position.totals.faults ?? {};
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
          maxSteps: end,
          signal,
          start: { step: position.step, state: position.state },
          startTotals: position.totals,
          onStep: (event) => {
            writer.append(event.step, encodeStep(event));
            position.step = event.step + 1;
            position.state = event.state;
            position.totals = event.totals;
            if (event.dispatch !== NO_DISPATCH_EVENTS) {
              retries = position.totals.retries;
              faults = { ...position.totals.faults };
            }
            onStep?.(event);
          },
        });
      } catch (error) {
        failure = storeFailed.signal.aborted ? storeFailed.signal.reason : error;
        const message = failure instanceof Error ? failure.message : String(failure);
        await snapshot({ kind: 'failed', error: message }).catch(() => {});
        return { kind: 'failed', step: position.step, error: message };
      }
      position.totals = { ...result.totals, retries, faults };
      if (storeFailed.signal.aborted) {
        failure = storeFailed.signal.reason;
        return { kind: 'failed', step: position.step, error: String((failure as Error).message ?? failure) };
      }
      if (result.stopReason === undefined) {
        finalSolved = result.solved;
        await snapshot({ kind: 'finished', solved: result.solved });
        return { kind: 'finished', step: position.step, solved: result.solved };
      }
      if (segmentLimit && position.step === end && result.stopReason === `reached the step limit of ${end}`) {
        await snapshot({ kind: 'running' });
        return { kind: 'segment', step: position.step };
      }
      stopReason = result.stopReason;
      await snapshot({ kind: 'stopped', reason: result.stopReason });
      return { kind: 'stopped', step: position.step, reason: result.stopReason };
    },
  };

  const tookOver: string[] = [];
  let segments = 0;
  let attempt = startAttempt;
  let status: RunStatus = { kind: 'running' };
  drivers.set(runId, driver);
  try {
    const DBOS = await launchEngine({ url: options.url, executorId: newExecutorId('driver'), listenQueues: [runQueueName(runId)] });
    options.onDriving?.({ executorId: DBOS.executorID, waitedMs });
    began = performance.now();
    const queue = runQueueName(runId);
    await DBOS.registerQueue(queue, { workerConcurrency: 1, minPollingIntervalMs: 200, onConflict: 'always_update' });
    for (;;) {
      const n = Math.floor(position.step / resolved.segmentSize);
      const id = segmentWorkflowId(runId, n, attempt);
      const found = await DBOS.getWorkflowStatus(id);
      let handle;
      if (found === null) {
        handle = await DBOS.startWorkflow(segmentWorkflow(), { workflowID: id })(runId, n);
      } else if (found.status === 'PENDING' || found.status === 'ENQUEUED') {
        // We hold the run lock, so the driver that left it is gone: let the engine continue it here.
        tookOver.push(`${id} (left by ${found.executorId ?? 'an unknown executor'})`);
        handle = await DBOS.resumeWorkflow<SegmentEnd>(id, { queueName: queue });
      } else {
        // Ended in an earlier session: early (a stop, a failure), or just before its driver died. Either way the
        // rest of the run goes on under the next attempt number.
        attempt++;
        await setRunAttempt(client, runId, attempt);
        continue;
      }
      const end = (await handle.getResult()) as SegmentEnd;
      segments++;
      if (end.kind === 'segment') continue;
      status = end.kind === 'finished' ? { kind: 'finished', solved: end.solved } : end.kind === 'stopped' ? { kind: 'stopped', reason: end.reason } : { kind: 'failed', error: end.error };
      break;
    }
  } finally {
    drivers.delete(runId);
    writer.close();
    await shutdownEngine();
  }
  if (status.kind === 'failed') throw failure ?? new MakerError('E_RUN_FAILED', status.error);
  const sessionMs = performance.now() - began;
  const budget = dispatcher.budget();
  return {
    ...common,
    solved: status.kind === 'finished' && finalSolved,
    stopReason,
    finalState: position.state,
    totals: position.totals,
    wallMs: wallBefore + sessionMs,
    budget,
    dispatch: { ...dispatcher.stats, calls: budget.spent.calls },
    status,
    session: { ran: true, startStep, replayed, segments, tookOver, wallMs: sessionMs },
  };
}

/** A snapshot as the store keeps it. */
export type StoredSnapshot<S> = Omit<Snapshot<S>, 'journalBytes'>;

/** The step of a stored run's latest snapshot (undefined when the store has none), for messages. */
export async function storedRunStep(url: string, runId: string): Promise<number | undefined> {
  const client = await connectStore(url);
  try {
    return (await readStoredSnapshot(client, runId))?.step;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A stored run's configuration, for `maker resume` and `maker report`; an `InputError` when the store has no such run. */
export async function readStoredRunConfig(url: string, runId: string): Promise<RunConfig & { readonly createdAt: string }> {
  const client = await connectStore(url);
  try {
    await ensureStoreSchema(client);
    const row = await readRunRow(client, checkRunId(runId));
    if (row === undefined) throw new InputError(`No run ${runId} in the store ${redactUrl(url)}; start one with \`maker run hanoi --store URL --run-id ${runId} ...\``, undefined, 'E_RUN_MISSING');
    return { ...row.config, createdAt: row.createdAt };
  } finally {
    await client.end().catch(() => {});
  }
}
