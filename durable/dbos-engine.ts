/**
 * DBOS Transact, the durable-execution engine behind stored runs and sweeps: durable workflows and queues whose
 * only server is PostgreSQL. This file is the one place that configures it:
 *
 * - its tables live in the schema `maker_dbos` of the store's database, beside ours (`pg-store.ts`);
 * - every process is the application `maker` at the fixed version {@link ENGINE_VERSION}, never DBOS's default
 *   hash of the code: any process on any machine may then continue any workflow (a new version means a change
 *   to what a workflow does, and is the only reason to raise it);
 * - every process has its own executor id (`driver-HOST-PID-RANDOM`): DBOS recovers at launch only the
 *   workflows of its own executor id, so two processes sharing one would run the same workflow twice. Work a
 *   dead process left is taken over on purpose (`resumeWorkflow`), by the process that knows it is dead;
 * - its own logging is silenced unless `DBOS_VERBOSE` is set.
 *
 * DBOS is a process-wide singleton (`DBOS.launch` once, `DBOS.shutdown` before the process can exit), and is
 * loaded only when first launched: `maker --help` and file runs never load it.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { MakerError } from '../core/errors.ts';
import type pg from 'pg';
import { checkStoreUrl, connectStore, lockHeld, releaseLock, takeLock } from './pg-store.ts';

type DbosModule = typeof import('@dbos-inc/dbos-sdk');
/** The `DBOS` class. */
export type Dbos = DbosModule['DBOS'];

/** The application name every maker process shares. */
export const ENGINE_APP = 'maker';
/** The application version every maker process shares; raise it only when a workflow's meaning changes. */
export const ENGINE_VERSION = 'maker-durable-1';
/** The schema DBOS keeps its tables in, in the store's database. */
export const ENGINE_SCHEMA = 'maker_dbos';

let dbosModule: DbosModule | undefined;

/** Loads DBOS on first use. */
export async function loadDbos(): Promise<DbosModule> {
  dbosModule ??= await import('@dbos-inc/dbos-sdk');
  return dbosModule;
}

/** DBOS's own logging, silenced: errors go to stderr only with `DBOS_VERBOSE` set, like everything else. */
export function engineLogger() {
  const verbose = process.env['DBOS_VERBOSE'] !== undefined;
  const write = (level: string) => (message: unknown) => {
    if (verbose) process.stderr.write(`[dbos ${level}] ${String(message)}\n`);
  };
  return { info: write('info'), debug: write('debug'), warn: write('warn'), error: write('error') };
}

/**
 * The system database URL DBOS is given: the store's, with the idle-in-transaction timeout DBOS would otherwise
 * set in a way that makes `pg` print a deprecation warning.
 */
export function engineDatabaseUrl(url: string): string {
  const parsed = new URL(checkStoreUrl(url));
  if (!parsed.searchParams.has('options')) parsed.searchParams.set('options', '-c idle_in_transaction_session_timeout=60000');
  return parsed.toString();
}

/** A fresh executor id for this process, naming its role, machine and process. */
export function newExecutorId(role: string): string {
  return `${role}-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Workflow functions by name, registered with DBOS before its first launch in this process. */
type WorkflowBody = (...args: any[]) => Promise<unknown>;
const registered = new Map<string, WorkflowBody>();
const bodies = new Map<string, WorkflowBody>();

/**
 * Declares a workflow: its body, under a name every process shares. Registered with DBOS at the next launch;
 * returns the function to start it with (`DBOS.startWorkflow(fn, ...)`), once launched.
 */
export function defineWorkflow<Args extends unknown[], R>(name: string, body: (...args: Args) => Promise<R>): () => (...args: Args) => Promise<R> {
  bodies.set(name, body as WorkflowBody);
  return () => {
    const fn = registered.get(name);
    if (fn === undefined) throw new MakerError('E_ENGINE', `Workflow \`${name}\` is not registered: launch the engine first`);
    return fn as (...args: Args) => Promise<R>;
  };
}

/** Options of {@link launchEngine}. */
export interface LaunchEngineOptions {
  /** The store's URL. */
  readonly url: string;
  readonly executorId: string;
  /** Queues this process takes work from; none by default. */
  readonly listenQueues?: readonly string[];
}

let launched: { readonly url: string; readonly executorId: string } | undefined;

/** Launches DBOS in this process against the store; throws if it is already launched. Returns the `DBOS` class. */
export async function launchEngine(options: LaunchEngineOptions): Promise<Dbos> {
  if (launched !== undefined) throw new MakerError('E_ENGINE', `The engine is already launched in this process (executor ${launched.executorId})`);
  const { DBOS } = await loadDbos();
  for (const [name, body] of bodies) {
    if (!registered.has(name)) registered.set(name, DBOS.registerWorkflow(body, { name }) as WorkflowBody);
  }
  DBOS.setConfig({
    name: ENGINE_APP,
    systemDatabaseUrl: engineDatabaseUrl(options.url),
    systemDatabaseSchemaName: ENGINE_SCHEMA,
    applicationVersion: ENGINE_VERSION,
    executorID: options.executorId,
    listenQueues: [...(options.listenQueues ?? [])],
    logger: engineLogger(),
    systemDatabasePoolSize: 6,
  });
  // DBOS creates and migrates its schema at launch, which two processes must not do at once.
  const guard = await connectStore(options.url);
  try {
    await takeLock(guard, 'maker-engine-launch', true);
    await DBOS.launch();
  } catch (error) {
    await DBOS.shutdown().catch(() => {});
    throw new MakerError('E_ENGINE', `Cannot start DBOS on the store: ${(error as Error).message}`, { cause: error });
  } finally {
    await guard.end().catch(() => {});
  }
  launched = { url: options.url, executorId: options.executorId };
  return DBOS;
}

/** Shuts DBOS down (a process with DBOS launched never exits otherwise). Safe to call when not launched. */
export async function shutdownEngine(): Promise<void> {
  if (launched === undefined) return;
  launched = undefined;
  const { DBOS } = await loadDbos();
  await DBOS.shutdown();
}

/** The advisory lock a worker holds on its own store session for as long as it lives: free means dead. */
export const executorLockName = (executorId: string) => `maker-executor:${executorId}`;

/**
 * Takes over the work dead workers left: every PENDING workflow of `queueName` whose executor's life lock
 * ({@link executorLockName}) is free is resumed on that queue, for any live worker to run. One reaper at a
 * time (an advisory lock per queue), and each workflow is checked again just before it is resumed, so a
 * workflow another reaper already handed to a live worker is never run twice. Returns the ids resumed.
 */
export async function reapDeadExecutors(DBOS: Dbos, client: pg.Client, queueName: string, self: string): Promise<string[]> {
  const reaper = `maker-reaper:${queueName}`;
  if (!(await takeLock(client, reaper, false))) return [];
  const resumed: string[] = [];
  try {
    const pending = await DBOS.listWorkflows({ queueName, status: 'PENDING', loadInput: false, loadOutput: false });
    const byExecutor = new Map<string, string[]>();
    for (const workflow of pending) {
      const executor = workflow.executorId ?? '';
      if (executor === self) continue;
      byExecutor.set(executor, [...(byExecutor.get(executor) ?? []), workflow.workflowID]);
    }
    for (const [executor, ids] of byExecutor) {
      if (await lockHeld(client, executorLockName(executor))) continue;
      for (const id of ids) {
        const now = await DBOS.getWorkflowStatus(id);
        if (now?.status !== 'PENDING' || now.executorId !== executor) continue;
        await DBOS.resumeWorkflow(id, { queueName });
        resumed.push(id);
      }
    }
  } finally {
    await releaseLock(client, reaper);
  }
  return resumed;
}
