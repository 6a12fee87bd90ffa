/**
 * Sweeps across machines, kept in a PostgreSQL store (`durable/pg-store.ts`) and drained through a DBOS queue:
 *
 * - `maker bench SCENARIO --store URL` plans the sweep, records it (`maker.sweep`, settings without any key),
 *   enqueues each case not yet done as the workflow `sweep:SWEEP:case:CASE` on the queue `maker-sweep`
 *   (heaviest first), waits for the cases to be done, and writes the usual results files from the store. The
 *   same command run again (after Ctrl-C, or on another machine) attaches to the same sweep: its id is the
 *   scenario's name and a hash of its fingerprint (scenario, settings, planned parameters).
 * - `maker worker --store URL` (any number, on any machines) runs cases, a few at once. Each worker holds the
 *   advisory lock naming its executor id for as long as it lives, and every few seconds resumes the cases
 *   that dead workers left PENDING (`reapDeadExecutors`). A case's result is written once (`maker.sweep_case`,
 *   first writer wins); a case cut short by a worker's death runs again from its start elsewhere (cases are
 *   seeded, so it gives the same result), and nothing a finished case decided is lost.
 *
 * Results are identical to a single-process sweep with the same seed: cases are independent and carry their
 * own seeds, and results are read back through the same JSON round trip a checkpoint uses.
 */
import type pg from 'pg';
import { hashString } from '../../core/rng.ts';
import { InputError, MakerError } from '../../core/errors.ts';
import { defineWorkflow, ENGINE_VERSION, executorLockName, launchEngine, newExecutorId, reapDeadExecutors, shutdownEngine } from '../../durable/dbos-engine.ts';
import { connectStore, ensureStoreSchema, redactUrl, STORE_SCHEMA, takeLock } from '../../durable/pg-store.ts';
import { commandFor, loadAverage, machine, versions, type Provenance } from './provenance.ts';
import { caseContext, fingerprintOf, plain, writeResults } from './run.ts';
import type { AnyScenario, BenchCase, BenchSettings, CaseOutcome } from './scenario.ts';
import { recordedSettings, type ResultDocument, type ScenarioFiles } from './write.ts';

/** The queue every sweep's cases go through. */
export const SWEEP_QUEUE = 'maker-sweep';

/** A sweep's id in the store: the scenario's name and a hash of the sweep's fingerprint. */
export function sweepIdOf(scenario: AnyScenario, fingerprint: string): string {
  return `${scenario.name}-${hashString(fingerprint).toString(16).padStart(8, '0')}`;
}

/** The workflow id of a case of a sweep. */
export const caseWorkflowId = (sweepId: string, caseId: string) => `sweep:${sweepId}:case:${caseId}`;

/** What a case's workflow returns (its result is in the store). */
interface CaseEnd {
  readonly caseId: string;
  /** The run of the case this was (1 the first time; 0 when its result was already stored). */
  readonly attempt: number;
}

/** The sweep a worker is running cases of: its scenario, settings and planned cases. */
interface LoadedSweep {
  readonly scenario: AnyScenario;
  readonly settings: BenchSettings;
  readonly params: unknown;
  readonly cases: ReadonlyMap<string, BenchCase<unknown>>;
}

/** What the case workflow needs from the worker process it runs in. */
interface WorkerContext {
  runCase(sweepId: string, caseId: string): Promise<CaseEnd>;
}

let worker: WorkerContext | undefined;

const caseWorkflow = defineWorkflow('maker-sweep-case', async (sweepId: string, caseId: string): Promise<CaseEnd> => {
  if (worker === undefined) throw new MakerError('E_ENGINE', `Case ${caseId} of sweep ${sweepId} reached a process that is not a worker`);
  return worker.runCase(sweepId, caseId);
});
// Registered by name: the bench process enqueues it by name, workers run it.
void caseWorkflow;

/** Options of {@link runStoreSweep}. */
export interface StoreSweepOptions {
  readonly settings: BenchSettings;
  /** The store's URL. */
  readonly url: string;
  /** Where the results go once every case is done. */
  readonly outDir: string;
  /** Where progress lines go. @default none */
  readonly progress?: NodeJS.WritableStream;
  /** Stops waiting (the sweep goes on in the store; the same command attaches to it again). */
  readonly signal?: AbortSignal;
  /** How often to look at the store while waiting, in milliseconds. @default 500 */
  readonly pollMs?: number;
}

/** How waiting for a stored sweep ended. */
export type StoreSweepRun =
  | { readonly kind: 'complete'; readonly sweepId: string; readonly files: ScenarioFiles; readonly document: ResultDocument; readonly markdown: string }
  | { readonly kind: 'interrupted'; readonly sweepId: string; readonly done: number; readonly total: number }
  | { readonly kind: 'failed'; readonly sweepId: string; readonly failures: readonly string[] };

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Records the sweep in the store (or finds it there), refusing a different sweep under the same id. */
async function recordSweep(client: pg.Client, sweepId: string, scenario: AnyScenario, fingerprint: string, settings: BenchSettings, cases: number): Promise<Date> {
  await client.query(
    `INSERT INTO ${STORE_SCHEMA}.sweep (sweep_id, scenario, fingerprint, settings, cases) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [sweepId, scenario.name, fingerprint, JSON.stringify(recordedSettings(settings)), cases],
  );
  const { rows } = await client.query<{ fingerprint: string; created_at: Date }>(`SELECT fingerprint, created_at FROM ${STORE_SCHEMA}.sweep WHERE sweep_id = $1`, [sweepId]);
  if (rows[0]?.fingerprint !== fingerprint) throw new MakerError('E_STORE_CORRUPT', `Sweep ${sweepId} in the store was planned differently; its id collides with this sweep's`);
  return rows[0].created_at;
}

/** Cases of a sweep with a stored result. */
async function doneCases(client: pg.Client, sweepId: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ case_id: string; result: string }>(
    `SELECT case_id, result FROM ${STORE_SCHEMA}.sweep_case WHERE sweep_id = $1 AND result IS NOT NULL`,
    [sweepId],
  );
  return new Map(rows.map((row) => [row.case_id, row.result]));
}

/**
 * Enqueues a scenario's sweep in the store, waits until workers have done every case, and writes its results
 * as `runScenario` would. Cases a worker failed on are reported (and enqueued again by the next run of the
 * same command).
 */
export async function runStoreSweep(scenario: AnyScenario, options: StoreSweepOptions): Promise<StoreSweepRun> {
  const { settings } = options;
  const startLoad = loadAverage();
  const startVersions = versions();
  const plan = scenario.plan(settings);
  const fingerprint = fingerprintOf(scenario, settings, plan.params);
  const sweepId = sweepIdOf(scenario, fingerprint);
  const client = await connectStore(options.url);
  const say = (line: string) => options.progress?.write(`${line}\n`);
  try {
    await ensureStoreSchema(client);
    const createdAt = await recordSweep(client, sweepId, scenario, fingerprint, settings, plan.cases.length);
    let done = await doneCases(client, sweepId);
    const DBOS = await launchEngine({ url: options.url, executorId: newExecutorId('bench'), listenQueues: [] });
    try {
      await DBOS.registerQueue(SWEEP_QUEUE, { workerConcurrency: 1, minPollingIntervalMs: 250, onConflict: 'never_update' });
      const byWeight = [...plan.cases].sort((a, b) => b.weight - a.weight);
      let enqueued = 0;
      for (const item of byWeight) {
        if (done.has(item.id)) continue;
        const id = caseWorkflowId(sweepId, item.id);
        const status = await DBOS.getWorkflowStatus(id);
        if (status === null) {
          await DBOS.enqueueWorkflowWithOptions({ queueName: SWEEP_QUEUE, workflowName: 'maker-sweep-case', workflowID: id, appVersion: ENGINE_VERSION }, sweepId, item.id);
          enqueued++;
        } else if (status.status === 'ERROR' || status.status === 'CANCELLED') {
          // A case a worker failed on, in an earlier run of this command: try it again.
          await DBOS.resumeWorkflow(id, { queueName: SWEEP_QUEUE });
          enqueued++;
        }
      }
      say(`${scenario.name}: sweep ${sweepId} in the store ${redactUrl(options.url)}: ${plan.cases.length} cases, ${done.size} done, ${enqueued} enqueued; waiting for workers (maker worker --store URL)`);
      let shown = done.size;
      while (done.size < plan.cases.length) {
        if (options.signal?.aborted === true) return { kind: 'interrupted', sweepId, done: done.size, total: plan.cases.length };
        const failed = await DBOS.listWorkflows({ workflow_id_prefix: `sweep:${sweepId}:`, status: 'ERROR', loadInput: false, loadOutput: false });
        if (failed.length > 0) {
          const { rows } = await client.query<{ case_id: string; error: string | null }>(`SELECT case_id, error FROM ${STORE_SCHEMA}.sweep_case WHERE sweep_id = $1`, [sweepId]);
          const errors = new Map(rows.map((row) => [row.case_id, row.error]));
          const failures = failed.map((workflow) => {
            const caseId = workflow.workflowID.slice(`sweep:${sweepId}:case:`.length);
            return `${caseId}: ${errors.get(caseId) ?? 'failed before it started (see the worker\'s output)'}`;
          });
          return { kind: 'failed', sweepId, failures };
        }
        await sleep(options.pollMs ?? 500, options.signal);
        done = await doneCases(client, sweepId);
        if (done.size !== shown) {
          shown = done.size;
          say(`${scenario.name}: ${done.size} of ${plan.cases.length} cases done`);
        }
      }
    } finally {
      await shutdownEngine();
    }
    const { rows } = await client.query<{ executors: string[]; last: Date }>(
      `SELECT array_agg(DISTINCT executor) AS executors, max(finished_at) AS last FROM ${STORE_SCHEMA}.sweep_case WHERE sweep_id = $1`,
      [sweepId],
    );
    const outcomes: CaseOutcome<unknown, unknown>[] = plan.cases.map((item) => ({ id: item.id, input: plain(item.input), result: JSON.parse(done.get(item.id)!) as unknown }));
    const provenance: Provenance = {
      command: `${commandFor(scenario.name, settings)} --store URL`,
      seed: settings.seed,
      size: settings.size,
      date: createdAt.toISOString(),
      durationMs: Math.max(0, (rows[0]?.last ?? new Date()).getTime() - createdAt.getTime()),
      versions: startVersions,
      machine: machine(),
      loadAverage: { start: startLoad, end: loadAverage() },
    };
    say(`${scenario.name}: every case done, by ${rows[0]?.executors.length ?? 0} worker process(es)`);
    const written = await writeResults(scenario, settings, plan.params, outcomes, provenance, undefined, options.outDir);
    if (written.kind !== 'complete') throw new MakerError('E_BENCH', `Could not write the results of sweep ${sweepId}`);
    return { ...written, sweepId };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Options of {@link runSweepWorker}. */
export interface SweepWorkerOptions {
  /** The store's URL. */
  readonly url: string;
  /** Finds a scenario by name. */
  readonly lookup: (name: string) => AnyScenario | undefined;
  /**
   * Cases this worker runs at once. DBOS keeps one such limit per queue, so the latest worker to start sets it
   * for every worker. @default 1
   */
  readonly concurrency?: number;
  /** The API key for `openai:` models (never stored). */
  readonly apiKey?: string;
  /** Leave once no case is queued or running anywhere. @default false: run until stopped */
  readonly exitWhenIdle?: boolean;
  /** How often to take over dead workers' cases (and check for idleness), in milliseconds. @default 2000 */
  readonly reapEveryMs?: number;
  /** Stops the worker: cases in flight are left to other workers (as if this one had died). */
  readonly signal?: AbortSignal;
  /** Where the worker's lines go (cases started, done, taken over). @default none */
  readonly log?: (line: string) => void;
}

/** How a worker's life went. */
export interface SweepWorkerEnd {
  readonly executorId: string;
  /** Cases this worker finished. */
  readonly cases: number;
  /** Cases of dead workers it put back on the queue. */
  readonly reaped: number;
  /** Cases it left in flight when stopped. */
  readonly abandoned: number;
}

/** Runs a worker: takes cases from the store's sweep queue until stopped (or idle, with `exitWhenIdle`). */
export async function runSweepWorker(options: SweepWorkerOptions): Promise<SweepWorkerEnd> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InputError(`Expected \`concurrency\` to be an integer >= 1, got \`${concurrency}\``);
  if (worker !== undefined) throw new MakerError('E_ENGINE', 'A sweep worker already runs in this process');
  const log = options.log ?? (() => {});
  const executorId = newExecutorId('worker');
  // The life lock: its own session, held until this process ends (or its machine stops answering keepalives).
  const life = await connectStore(options.url);
  const store = await connectStore(options.url);
  let lost: unknown;
  life.on('error', (error) => (lost ??= error));
  store.on('error', (error) => (lost ??= error));
  const sweeps = new Map<string, Promise<LoadedSweep>>();
  const inFlight = new Set<string>();
  let finished = 0;
  let reaped = 0;
  const never = new AbortController().signal;

  const loadSweep = async (sweepId: string): Promise<LoadedSweep> => {
    const { rows } = await store.query<{ scenario: string; settings: Omit<BenchSettings, 'apiKey'>; fingerprint: string }>(
      `SELECT scenario, settings, fingerprint FROM ${STORE_SCHEMA}.sweep WHERE sweep_id = $1`,
      [sweepId],
    );
    const row = rows[0];
    if (row === undefined) throw new MakerError('E_STORE_CORRUPT', `Sweep ${sweepId} is not in the store`);
    const scenario = options.lookup(row.scenario);
    if (scenario === undefined) throw new MakerError('E_BENCH', `Sweep ${sweepId} is of the scenario \`${row.scenario}\`, which this version of maker does not have`);
    // Field by field, in the order the command line builds them: jsonb keeps its own key order, and the
    // fingerprint is the settings' JSON text.
    const stored = row.settings;
    const settings: BenchSettings = {
      size: stored.size,
      seed: stored.seed,
      model: stored.model ?? undefined,
      baseURL: stored.baseURL ?? undefined,
      apiKey: options.apiKey,
      errorRate: stored.errorRate ?? undefined,
      maxOutputTokens: stored.maxOutputTokens ?? undefined,
    };
    const plan = scenario.plan(settings);
    if (fingerprintOf(scenario, settings, plan.params) !== row.fingerprint) {
      throw new MakerError('E_BENCH', `Sweep ${sweepId} was planned by a different version of the \`${row.scenario}\` scenario than this worker's`);
    }
    return { scenario, settings, params: plan.params, cases: new Map(plan.cases.map((item) => [item.id, item])) };
  };

  worker = {
    runCase: async (sweepId, caseId) => {
      let sweep = sweeps.get(sweepId);
      if (sweep === undefined) {
        sweep = loadSweep(sweepId);
        sweeps.set(sweepId, sweep);
        sweep.catch(() => sweeps.delete(sweepId));
      }
      const { scenario, settings, params, cases } = await sweep;
      const item = cases.get(caseId);
      if (item === undefined) throw new MakerError('E_BENCH', `Sweep ${sweepId} has no case \`${caseId}\``);
      const { rows } = await store.query<{ attempts: number }>(
        `INSERT INTO ${STORE_SCHEMA}.sweep_case (sweep_id, case_id, executor) VALUES ($1, $2, $3)
         ON CONFLICT (sweep_id, case_id) DO UPDATE SET attempts = ${STORE_SCHEMA}.sweep_case.attempts + 1, executor = EXCLUDED.executor, started_at = now()
         WHERE ${STORE_SCHEMA}.sweep_case.result IS NULL RETURNING attempts`,
        [sweepId, caseId, executorId],
      );
      const attempt = rows[0]?.attempts;
      if (attempt === undefined) return { caseId, attempt: 0 };
      const key = `${sweepId} ${caseId}`;
      inFlight.add(key);
      const began = performance.now();
      log(`${scenario.name}: case ${item.label} started${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
      try {
        let result: unknown;
        try {
          // Cases are never aborted: a stopped worker leaves them to others, as a dead one would.
          result = plain(await scenario.runCase(item.input, params, caseContext(settings, never, () => {})));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          await store.query(`UPDATE ${STORE_SCHEMA}.sweep_case SET error = $3 WHERE sweep_id = $1 AND case_id = $2`, [sweepId, caseId, message]).catch(() => {});
          log(`${scenario.name}: case ${item.label} failed: ${message}`);
          throw error;
        }
        await store.query(
          `UPDATE ${STORE_SCHEMA}.sweep_case SET result = $3, error = NULL, finished_at = now(), executor = $4 WHERE sweep_id = $1 AND case_id = $2 AND result IS NULL`,
          [sweepId, caseId, JSON.stringify(result), executorId],
        );
      } finally {
        inFlight.delete(key);
      }
      finished++;
      log(`${scenario.name}: case ${item.label} done in ${((performance.now() - began) / 1000).toFixed(1)} s`);
      return { caseId, attempt };
    },
  };

  try {
    await ensureStoreSchema(store);
    await takeLock(life, executorLockName(executorId), true);
    const DBOS = await launchEngine({ url: options.url, executorId, listenQueues: [SWEEP_QUEUE] });
    try {
      await DBOS.registerQueue(SWEEP_QUEUE, { workerConcurrency: concurrency, minPollingIntervalMs: 250, onConflict: 'always_update' });
      log(`worker ${executorId}: taking cases from ${redactUrl(options.url)}, ${concurrency} at once`);
      const every = options.reapEveryMs ?? 2000;
      for (;;) {
        await sleep(every, options.signal);
        if (options.signal?.aborted === true) break;
        if (lost !== undefined) throw new MakerError('E_STORE_LOST', `Lost the connection to the store: ${(lost as Error).message}`, { cause: lost });
        const resumed = await reapDeadExecutors(DBOS, life, SWEEP_QUEUE, executorId);
        reaped += resumed.length;
        for (const id of resumed) log(`took over ${id}, left by a worker that died`);
        if (options.exitWhenIdle === true && inFlight.size === 0) {
          const left = await DBOS.listWorkflows({ queueName: SWEEP_QUEUE, status: ['ENQUEUED', 'PENDING'], loadInput: false, loadOutput: false, limit: 1 });
          if (left.length === 0) break;
        }
      }
    } finally {
      await shutdownEngine();
    }
  } finally {
    worker = undefined;
    await store.end().catch(() => {});
    // Ending the life session tells every other worker this one is gone.
    await life.end().catch(() => {});
  }
  return { executorId, cases: finished, reaped, abandoned: inFlight.size };
}
