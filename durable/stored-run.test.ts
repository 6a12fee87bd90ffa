/**
 * Stored runs against a real PostgreSQL server (`MAKER_PG_URL`), each test file in a database of its own:
 * exact resume across sessions and segments, the file journal's equal, and one driver at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, JournalCorruptError } from '../core/errors.ts';
import type { StepTask } from '../core/task.ts';
import type { Spend } from '../dispatch/budget.ts';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { createHanoiTask, hanoiSim, type HanoiState } from '../tasks/hanoi/index.ts';
import { convexitySim, createConvexityTask } from '../tasks/convexity/index.ts';
import { createSimModel } from '../models/sim-model.ts';
import { taskFingerprint, type RunConfig } from './run-config.ts';
import { runTask, type RunTotals } from '../run/run-task.ts';
import { connectStore, createRunRow, ensureStoreSchema, readRunRow, runLockName, takeLock } from './pg-store.ts';
import { createTestDatabase, storeTestsEnabled, type TestDatabase } from './pg-test-database.ts';
import { readStoredRunConfig, resumeStoredRun, RunLockedError, runQueueName, segmentWorkflowId, startStoredRun, storedRunStep, type StoredRunOptions } from './stored-run.ts';
import { buildStoredRunReport } from './stored-run-report.ts';

const enabled = await storeTestsEnabled();

const DISKS = 8;
const task = createHanoiTask({ disks: DISKS });
// A model that errs now and then, so records carry tallies with losers, red flags and several rounds.
const model = () => createSimModel({ profile: 'gpt-oss-20b', behaviour: hanoiSim, seed: 11 });
const config: RunConfig = {
  task: 'hanoi',
  taskOptions: { disks: DISKS },
  taskFingerprint: taskFingerprint(task),
  model: 'sim:gpt-oss-20b',
  ensemble: null,
  k: 3,
  seed: 11,
  maxOutputTokens: 2000,
  contextBudget: 8192,
  maxSamplesPerStep: 200,
  concurrency: 3,
  baseURL: null,
  apiKeyEnv: null,
  endpointsFile: null,
};
const stopAt = (steps: number) => ({ shouldStop: (totals: RunTotals) => (totals.steps >= steps ? `paused at ${steps}` : undefined) });

describe.skipIf(!enabled)('a run kept in PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  const options = (runId: string, extra: Partial<StoredRunOptions<HanoiState, unknown>> = {}): StoredRunOptions<HanoiState, unknown> => ({
    url: database.url,
    runId,
    task,
    model: model(),
    config,
    segmentSize: 40,
    ...extra,
  });

  it('stopped twice mid-segment and resumed, ends with the totals and final state of an uninterrupted run', async () => {
    const reference = await runTask({ task, model: model(), k: config.k, seed: config.seed, maxOutputTokens: config.maxOutputTokens, concurrency: config.concurrency });

    const first = await startStoredRun({ ...options('stops'), run: stopAt(57) });
    expect(first.status).toEqual({ kind: 'stopped', reason: 'paused at 57' });
    expect(first.session.segments).toBe(2);
    const second = await resumeStoredRun({ ...options('stops'), run: stopAt(130) });
    expect(second.session.startStep).toBe(57);
    expect(second.status.kind).toBe('stopped');
    const last = await resumeStoredRun(options('stops'));

    expect(last.status).toEqual({ kind: 'finished', solved: true });
    expect(last.session.startStep).toBe(130);
    expect(last.totals).toEqual(reference.totals);
    expect(last.finalState).toEqual(reference.finalState);
    // The store alone says the same: every call is there, once, in order.
    const report = await buildStoredRunReport(database.url, 'stops');
    expect(report.totals).toEqual(reference.totals);
    expect(report.status).toEqual({ kind: 'finished', solved: true });
  });

  it('returns a finished run as it ended without running anything', async () => {
    const done = await startStoredRun(options('finished'));
    const again = await resumeStoredRun(options('finished'));
    expect(again.session).toEqual({ ran: false, startStep: 255, replayed: 0, segments: 0, tookOver: [], wallMs: 0 });
    expect(again.totals).toEqual(done.totals);
    expect(again).toMatchObject({ runId: 'finished', solved: true, stopReason: undefined, status: { kind: 'finished', solved: true }, model: 'sim:gpt-oss-20b' });
    expect(again.finalState).toEqual(done.finalState);
    expect(again.dispatch?.calls).toBe(done.budget?.spent.calls);
    expect(again.wallMs).toBeGreaterThan(0);
    expect(again.wallMs).toBeLessThanOrEqual(done.wallMs);
    expect(await storedRunStep(database.url, 'finished')).toBe(255);
  });

  it("reports a stored run like a run directory: where it is kept, its configuration, latest snapshot and every call", async () => {
    const stopped = await startStoredRun({ ...options('report'), run: stopAt(30) });
    const report = await buildStoredRunReport(database.url, 'report', { hardest: 3 });
    expect(report).toMatchObject({
      dir: `${database.url}#report`,
      location: `Run \`report\` in the store \`${database.url}\``,
      config: { ...config, createdAt: expect.any(String) },
      status: { kind: 'stopped', reason: 'paused at 30' },
      snapshotStep: 30,
      tornTail: undefined,
    });
    expect(report.totals).toEqual(stopped.totals);
    expect(report.wallMs).toBeGreaterThan(0);
    expect(report.wallMs).toBeLessThanOrEqual(stopped.wallMs);
    expect(report.hardest).toHaveLength(3);
    await expect(buildStoredRunReport(database.url, 'unknown')).rejects.toThrow(`No run unknown in the store ${database.url}`);
    await expect(buildStoredRunReport(database.url, 'unknown')).rejects.toMatchObject({ code: 'E_RUN_MISSING' });
    await expect(buildStoredRunReport(database.url, 'no spaces')).rejects.toThrow(InputError);
  });

  it('validates its options before it touches the store', async () => {
    const { model: _, ...noModel } = options('valid');
    await expect(startStoredRun(noModel)).rejects.toThrow(new InputError('Expected `model` or `dispatcher` in the stored run options, got neither'));
    await expect(startStoredRun(options('valid', { segmentSize: 0 }))).rejects.toThrow(new InputError('Expected `segmentSize` to be an integer >= 1, got `0`'));
    await expect(startStoredRun(options('valid', { segmentSize: 1.5 }))).rejects.toThrow('Expected `segmentSize` to be an integer >= 1, got `1.5`');
    await expect(startStoredRun(options('valid', { writeIntervalMs: -1 }))).rejects.toThrow(new InputError('Expected `writeIntervalMs` to be a number >= 0, got `-1`'));
    await expect(startStoredRun(options('valid', { writeIntervalMs: Number.NaN }))).rejects.toThrow('Expected `writeIntervalMs` to be a number >= 0, got `NaN`');
    await expect(startStoredRun(options('valid', { writeIntervalMs: Number.POSITIVE_INFINITY }))).rejects.toThrow('Expected `writeIntervalMs` to be a number >= 0, got `Infinity`');
    const dated: StepTask<{ at: Date }, unknown> = { ...(task as unknown as StepTask<{ at: Date }, unknown>), initialState: () => ({ at: new Date(0) }) };
    await expect(startStoredRun({ ...options('valid'), task: dated } as never)).rejects.toThrow(
      new InputError("The hanoi task's state does not survive a JSON round trip, so it cannot be stored"),
    );
    expect(await storedRunStep(database.url, 'valid')).toBeUndefined();
  });

  it('names segment workflows by run, segment and attempt, and the queue by run', () => {
    expect(segmentWorkflowId('r', 3, 0)).toBe('run:r:segment:3');
    expect(segmentWorkflowId('r', 3, 2)).toBe('run:r:segment:3:attempt:2');
    expect(runQueueName('r.1')).toBe('maker-run-r.1');
  });

  it('runs the rest of a segment a session stopped as a new attempt, every session, and segments on from there', async () => {
    await startStoredRun({ ...options('attempts'), run: stopAt(10) });
    await resumeStoredRun({ ...options('attempts'), run: stopAt(90) });
    const last = await resumeStoredRun({ ...options('attempts'), writeIntervalMs: 0 });
    expect(last.status).toEqual({ kind: 'finished', solved: true });
    expect(last.session).toMatchObject({ startStep: 90, segments: 5, tookOver: [] });
    const client = await connectStore(database.url);
    try {
      expect((await readRunRow(client, 'attempts'))!.attempt).toBe(2);
      const { rows } = await client.query<{ id: string; status: string }>(
        `SELECT workflow_uuid AS id, status FROM maker_dbos.workflow_status WHERE workflow_uuid LIKE 'run:attempts:%' ORDER BY created_at, workflow_uuid`,
      );
      expect(rows).toEqual([
        { id: 'run:attempts:segment:0', status: 'SUCCESS' },
        { id: 'run:attempts:segment:0:attempt:1', status: 'SUCCESS' },
        { id: 'run:attempts:segment:1:attempt:1', status: 'SUCCESS' },
        { id: 'run:attempts:segment:2:attempt:1', status: 'SUCCESS' },
        { id: 'run:attempts:segment:2:attempt:2', status: 'SUCCESS' },
        { id: 'run:attempts:segment:3:attempt:2', status: 'SUCCESS' },
        { id: 'run:attempts:segment:4:attempt:2', status: 'SUCCESS' },
        { id: 'run:attempts:segment:5:attempt:2', status: 'SUCCESS' },
        { id: 'run:attempts:segment:6:attempt:2', status: 'SUCCESS' },
      ]);
    } finally {
      await client.end();
    }
  });

  it('replays the calls stored after the snapshot, spend included, and refuses a damaged one, naming its step', async () => {
    await startStoredRun({ ...options('replay'), run: stopAt(12) });
    const client = await connectStore(database.url);
    try {
      // The snapshot at step 12 lost (as when the process died before writing it): the one at the start remains.
      await client.query(`DELETE FROM maker.snapshot WHERE run_id = 'replay' AND step > 0`);
      const expected: Spend = { calls: 0, tokens: 0, dollars: 0, seconds: 0 };
      for (const json of (await client.query<{ records: string }>(`SELECT records FROM maker.call WHERE run_id = 'replay' ORDER BY first_step`)).rows.flatMap((row) => row.records.split('\n'))) {
        const record = JSON.parse(json) as { s: number; a?: number; rt?: number; pt: number; ct: number; c: number };
        expected.calls += record.s + (record.a ?? 0) + (record.rt ?? 0);
        expected.tokens += record.pt + record.ct;
        expected.dollars += record.c;
      }
      expect(expected.calls).toBeGreaterThan(12);
      const seen: Spend[] = [];
      const resumed = await resumeStoredRun({
        ...options('replay'),
        run: stopAt(15),
        dispatcher: (alreadySpent) => (seen.push({ ...alreadySpent }), createDispatcher({ model: model(), concurrency: 3, alreadySpent })),
      });
      expect(seen).toEqual([expected]);
      expect(resumed.session).toMatchObject({ startStep: 12, replayed: 12 });

      await client.query(`DELETE FROM maker.snapshot WHERE run_id = 'replay' AND step > 0`);
      await client.query(`UPDATE maker.call SET records = replace(records, '{"i":2,', '{"i":99,') WHERE run_id = 'replay'`);
      const wrongStep = await resumeStoredRun(options('replay')).catch((thrown: unknown) => thrown);
      expect(wrongStep).toBeInstanceOf(JournalCorruptError);
      expect((wrongStep as Error).message).toContain('the record of step 2 says it is step 99');
      await client.query(`UPDATE maker.call SET records = replace(records, '{"i":99,', '{"i":2,,') WHERE run_id = 'replay'`);
      await expect(resumeStoredRun(options('replay'))).rejects.toThrow(/^store run replay, line 3 \(byte 0\): the record is not JSON \(/);
      // The report reads every stored call, and says which is damaged, where.
      await expect(buildStoredRunReport(database.url, 'replay')).rejects.toThrow(new RegExp(`^store ${database.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, run replay, line 3 \\(byte 0\\): the record is not JSON \\(`));
      await client.query(`UPDATE maker.call SET records = replace(records, '{"i":2,,', '{"i":98,') WHERE run_id = 'replay'`);
      await expect(buildStoredRunReport(database.url, 'replay')).rejects.toThrow('run replay, line 3 (byte 0): the record of step 2 says it is step 98');
    } finally {
      await client.end();
    }
  });

  it('refuses to start over a run the store holds, saying where it stands, though it never got a snapshot', async () => {
    const client = await connectStore(database.url);
    try {
      await ensureStoreSchema(client);
      await createRunRow(client, 'bare', config, 40, false);
    } finally {
      await client.end();
    }
    await expect(startStoredRun(options('bare'))).rejects.toThrow(
      `Run bare already exists in the store ${database.url.replace(/\/$/, '')}: a hanoi run ({"disks":8}, sim:gpt-oss-20b, seed 11) not started; resume it with \`maker resume --store URL --run-id bare\`, or pass --force to replace it`,
    );
    expect(await readStoredRunConfig(database.url, 'bare')).toEqual({ ...config, createdAt: expect.any(String) });
    const absent = readStoredRunConfig(database.url, 'absent');
    await expect(absent).rejects.toThrow(`No run absent in the store ${database.url}; start one with \`maker run hanoi --store URL --run-id absent ...\``);
    await expect(absent).rejects.toMatchObject({ code: 'E_RUN_MISSING' });
    await expect(readStoredRunConfig(database.url, 'no spaces')).rejects.toThrow(InputError);
    await expect(storedRunStep('postgres://nobody@127.0.0.1:1/none', 'bare')).rejects.toMatchObject({ code: 'E_STORE_UNREACHABLE' });
  });

  it('fails a session whose store connection is lost, keeping what was stored for the next to finish exactly', async () => {
    const reference = await runTask({ task, model: model(), k: config.k, seed: config.seed, maxOutputTokens: config.maxOutputTokens, concurrency: config.concurrency });
    const killer = await connectStore(database.url);
    let killed = false;
    const cut = async () => {
      // The driver's own session: the one holding the run's advisory lock.
      await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()`);
    };
    try {
      const failed = await startStoredRun({
        ...options('cut'),
        run: { onStep: (event) => void (event.step === 30 && !killed && ((killed = true), cut())) },
      }).catch((thrown: unknown) => thrown);
      expect(killed).toBe(true);
      expect(failed).toBeInstanceOf(Error);
    } finally {
      await killer.end();
    }
    const rest = await resumeStoredRun(options('cut'));
    expect(rest.status).toEqual({ kind: 'finished', solved: true });
    expect(rest.totals).toEqual(reference.totals);
    expect(rest.finalState).toEqual(reference.finalState);
  });

  it('refuses a second driver while one drives the run, and with wait, continues the run once it is free', async () => {
    await startStoredRun({ ...options('locked'), run: stopAt(10) });
    const holder = await connectStore(database.url);
    try {
      expect(await takeLock(holder, runLockName('locked'), false)).toBe(true);
      await expect(resumeStoredRun(options('locked'))).rejects.toThrow(RunLockedError);
      await expect(resumeStoredRun(options('locked'))).rejects.toThrow(/Run locked in the store .* is being driven by another process; .*--wait/);
      let driving = false;
      let waited = false;
      const waiting = resumeStoredRun({ ...options('locked'), wait: true, onWaiting: () => (waited = true), onDriving: () => (driving = true) });
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(waited).toBe(true);
      expect(driving).toBe(false);
      await holder.end();
      const end = await waiting;
      expect(driving).toBe(true);
      expect(end.status).toEqual({ kind: 'finished', solved: true });
    } finally {
      await holder.end().catch(() => {});
    }
  });

  it('refuses a resume whose identity differs, a missing run, and a new run over an existing one without force', async () => {
    await startStoredRun({ ...options('refusals'), run: stopAt(5) });
    await expect(resumeStoredRun({ ...options('refusals'), config: { ...config, k: 4 } })).rejects.toThrow(
      'Run refusals in the store holds a different run: k: 3 in the store, 4 now',
    );
    await expect(resumeStoredRun(options('nobody'))).rejects.toThrow(/^No run nobody in the store .*; start one with `maker run hanoi --store URL --run-id nobody \.\.\.`$/);
    await expect(startStoredRun(options('refusals'))).rejects.toThrow(/Run refusals already exists in the store .* at step 5, stopped; resume it with .* or pass --force to replace it$/);
    const replaced = await startStoredRun({ ...options('refusals'), force: true, run: stopAt(3) });
    expect(replaced.totals.steps).toBe(3);
    expect((await buildStoredRunReport(database.url, 'refusals')).totals.steps).toBe(3);
  });

  it('rejects a malformed run id, quoting it', async () => {
    await expect(startStoredRun(options('no spaces'))).rejects.toThrow('Expected --run-id to be 1 to 100 letters, digits, `.`, `_` or `-` (starting with a letter or digit), got `no spaces`');
  });
});

describe.skipIf(!enabled)('a graph run kept in PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  // A balanced sum of 16 atom terms: independent calls at every level, voted on several at a time.
  const expr = Array.from({ length: 16 }, (_, i) => `${['exp', 'square', 'log', 'sqrt'][i % 4]}(x${i})`).join(' + ');
  const graph = () => createConvexityTask({ expr, strategy: 'focused' });
  const graphModel = () => createSimModel({ profile: 'gpt-oss-20b', behaviour: convexitySim, seed: 5 });
  const graphConfig: RunConfig = { ...config, task: 'convexity', taskOptions: { expr }, taskFingerprint: taskFingerprint(graph()), concurrency: 6 };

  it('stopped and resumed, ends with the uninterrupted run\'s totals and answer', async () => {
    // A database with no store tables yet: no step to tell.
    expect(await storedRunStep(database.url, 'graph')).toBeUndefined();
    const whole = await runTask({ task: graph(), model: graphModel(), k: 3, seed: 11, concurrency: 6, maxOutputTokens: 2000 });
    const base = { url: database.url, runId: 'graph', task: graph(), model: graphModel(), config: graphConfig, segmentSize: 8 };
    const first = await startStoredRun({ ...base, run: stopAt(5) });
    expect(first.status.kind).toBe('stopped');
    const last = await resumeStoredRun(base);
    expect(last.status).toEqual({ kind: 'finished', solved: whole.solved });
    expect(last.totals).toEqual(whole.totals);
    expect(graph().answer(last.finalState)).toEqual(graph().answer(whole.finalState));
  });
});
