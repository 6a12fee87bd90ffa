/**
 * Stored runs against a real PostgreSQL server (`MAKER_PG_URL`), each test file in a database of its own:
 * exact resume across sessions and segments, the file journal's equal, and one driver at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, JournalCorruptError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import type { StepTask } from '../core/task.ts';
import type { Spend } from '../dispatch/budget.ts';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { createHanoiTask, hanoiSim, type HanoiState } from '../tasks/hanoi/index.ts';
import { convexitySim, createConvexityTask } from '../tasks/convexity/index.ts';
import { flakyDispatcher as flaky, SAMPLE_RUN_CONFIG } from '../testing/durable-fixtures.ts';
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
const config: RunConfig = { ...SAMPLE_RUN_CONFIG, taskOptions: { disks: DISKS }, taskFingerprint: taskFingerprint(task), model: 'sim:gpt-oss-20b', seed: 11, maxOutputTokens: 2000 };
const flakyDispatcher = (every: number) => flaky(model, every);

/** A fresh model whose calls first wait for the promise `gate()` returns, when it returns one. */
function gatedModel(gate: () => Promise<unknown> | undefined): LanguageModel {
  const inner = model();
  return {
    ...inner,
    async generate(request) {
      const held = gate();
      if (held !== undefined) await held;
      return inner.generate(request);
    },
  };
}
const stopAt = (steps: number) => ({ shouldStop: (totals: RunTotals) => (totals.steps >= steps ? `paused at ${steps}` : undefined) });

describe.skipIf(!enabled)('a run kept in PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  /** Rows of one query on a connection of its own. */
  const query = async <R extends object>(sql: string, params: unknown[] = []): Promise<R[]> => {
    const client = await connectStore(database.url);
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
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

    const began = performance.now();
    const first = await startStoredRun({ ...options('stops'), run: stopAt(57) });
    const elapsed = performance.now() - began;
    expect(first.status).toEqual({ kind: 'stopped', reason: 'paused at 57' });
    expect(first).toMatchObject({ solved: false, stopReason: 'paused at 57' });
    expect(first.session.segments).toBe(2);
    expect(first.session.wallMs).toBeGreaterThan(0);
    expect(first.session.wallMs).toBeLessThanOrEqual(elapsed);
    expect(first.wallMs).toBe(first.session.wallMs);
    expect(first.dispatch?.calls).toBe(first.budget?.spent.calls);
    expect(first.dispatch?.calls).toBeGreaterThan(57);
    // A snapshot at the segment's end, marked running, and one at the stop.
    const snapshots = await query<{ step: string; snapshot: string }>(`SELECT step, snapshot FROM maker.snapshot WHERE run_id = 'stops' ORDER BY step`);
    expect(snapshots.map((row) => [row.step, JSON.parse(row.snapshot).status])).toEqual([
      ['0', { kind: 'running' }],
      ['40', { kind: 'running' }],
      ['57', { kind: 'stopped', reason: 'paused at 57' }],
    ]);
    const second = await resumeStoredRun({ ...options('stops'), run: stopAt(130) });
    expect(second.session.startStep).toBe(57);
    expect(second.status.kind).toBe('stopped');
    const last = await resumeStoredRun(options('stops'));

    expect(last.status).toEqual({ kind: 'finished', solved: true });
    expect(last).toMatchObject({ solved: true, stopReason: undefined });
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

  it('sends decided calls in batches of at most 2000, whatever the interval, and all of them by the end', async () => {
    const big = createHanoiTask({ disks: 11 });
    const result = await startStoredRun({ ...options('batches', { segmentSize: 10_000 }), task: big, config: { ...config, taskOptions: { disks: 11 }, taskFingerprint: taskFingerprint(big) }, writeIntervalMs: 3_600_000 });
    // This model errs on some step of 2047: finished, not solved.
    expect(result).toMatchObject({ solved: false, status: { kind: 'finished', solved: false } });
    const client = await connectStore(database.url);
    try {
      const { rows } = await client.query<{ first: string; last: string }>(`SELECT first_step AS first, last_step AS last FROM maker.call WHERE run_id = 'batches' ORDER BY first_step`);
      expect(rows).toEqual([
        { first: '0', last: '1999' },
        { first: '2000', last: '2046' },
      ]);
    } finally {
      await client.end();
    }
  });

  it('takes a dispatcher instead of a model, and names the run\'s model by the one that ran it', async () => {
    const { model: _, ...noModel } = options('dispatched');
    const viaDispatcher = await startStoredRun({ ...noModel, run: stopAt(5), dispatcher: (alreadySpent) => createDispatcher({ model: model(), concurrency: 3, alreadySpent }) });
    expect(viaDispatcher).toMatchObject({ model: 'sim:gpt-oss-20b', status: { kind: 'stopped', reason: 'paused at 5' } });
    const renamed = { ...model(), id: 'renamed-model' } as LanguageModel;
    expect((await resumeStoredRun({ ...options('dispatched'), model: renamed, run: stopAt(8) })).model).toBe('renamed-model');
  });

  it('runs segments of one call, and stops at a step limit on a segment end or inside a segment', async () => {
    const single = await startStoredRun({ ...options('single', { segmentSize: 1 }), run: stopAt(3) });
    expect(single.session.segments).toBe(3);
    expect(single.status).toEqual({ kind: 'stopped', reason: 'paused at 3' });
    const atEnd = await startStoredRun({ ...options('limit-80'), run: { maxSteps: 80 } });
    expect(atEnd.status).toEqual({ kind: 'stopped', reason: 'reached the step limit of 80' });
    expect(atEnd.totals.steps).toBe(80);
    const inside = await startStoredRun({ ...options('limit-50'), run: { maxSteps: 50 } });
    expect(inside.status).toEqual({ kind: 'stopped', reason: 'reached the step limit of 50' });
    expect(inside.totals.steps).toBe(50);
    const boundary = await startStoredRun({ ...options('stop-40'), run: stopAt(40) });
    expect(boundary.status).toEqual({ kind: 'stopped', reason: 'paused at 40' });
    expect(boundary.totals.steps).toBe(40);
  });

  it('stops when the caller\'s signal aborts, and resumes from there', async () => {
    const controller = new AbortController();
    const stopped = await startStoredRun({ ...options('signal'), run: { signal: controller.signal, onStep: (event) => void (event.step === 20 && controller.abort()) } });
    expect(stopped.status.kind).toBe('stopped');
    expect(stopped.totals.steps).toBeGreaterThanOrEqual(21);
    expect(stopped.totals.steps).toBeLessThan(255);
    const rest = await resumeStoredRun(options('signal'));
    expect(rest.status).toEqual({ kind: 'finished', solved: true });
  });

  it.each([20, 0])('has a decided call in the store within the write interval (%i ms), while the run waits on the next', async (writeIntervalMs) => {
    let open: () => void = () => {};
    let gate: Promise<void> | undefined;
    const stalling = gatedModel(() => gate);
    const stored: number[] = [];
    const runId = `stall-${writeIntervalMs}`;
    const running = startStoredRun({
      ...options(runId, { model: stalling, writeIntervalMs }),
      run: {
        maxSteps: 30,
        onStep: (event) => {
          if (event.step !== 19) return;
          gate = new Promise<void>((resolve) => (open = resolve));
          // Step 20 waits until the store holds steps 0 to 19 (or 10 s have passed).
          void (async () => {
            const until = Date.now() + 10_000;
            for (;;) {
              const [row] = await query<{ n: string | null }>(`SELECT sum(last_step - first_step + 1) AS n FROM maker.call WHERE run_id = $1`, [runId]);
              stored.push(Number(row?.n ?? 0));
              if (stored.at(-1)! >= 20 || Date.now() > until) break;
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
            gate = undefined;
            open();
          })();
        },
      },
    });
    const result = await running;
    expect(result.totals.steps).toBe(30);
    expect(stored.at(-1)).toBe(20);
  });

  it('keeps the faults and retries of a run stopped and resumed as the uninterrupted run counts them', async () => {
    const reference = await runTask({ task, dispatcher: flakyDispatcher(3)({ calls: 0, tokens: 0, dollars: 0, seconds: 0 }), k: config.k, seed: config.seed, maxOutputTokens: config.maxOutputTokens });
    const whole = await startStoredRun({ ...options('flaky-whole'), dispatcher: flakyDispatcher(3) });
    expect(whole.totals.retries).toBeGreaterThan(0);
    expect(whole.totals).toEqual(reference.totals);
    await startStoredRun({ ...options('flaky-parts'), run: stopAt(33), dispatcher: flakyDispatcher(3) });
    const rest = await resumeStoredRun({ ...options('flaky-parts'), dispatcher: flakyDispatcher(3) });
    expect(rest.totals).toEqual(whole.totals);
  });

  it('keeps the faults and retries of earlier sessions through a session whose steps met none', async () => {
    const parted = await startStoredRun({ ...options('flaky-then-clean'), run: stopAt(33), dispatcher: flakyDispatcher(3) });
    expect(parted.totals.retries).toBeGreaterThan(0);
    const clean = await resumeStoredRun({ ...options('flaky-then-clean'), run: stopAt(36) });
    expect(clean.totals.steps).toBe(36);
    expect({ retries: clean.totals.retries, faults: clean.totals.faults }).toEqual({ retries: parted.totals.retries, faults: parted.totals.faults });
  });

  it("takes over the segment a dead driver left PENDING, on the run's own queue, and ends as the uninterrupted run", async () => {
    const reference = await runTask({ task, model: model(), k: config.k, seed: config.seed, maxOutputTokens: config.maxOutputTokens, concurrency: config.concurrency });
    await startStoredRun({ ...options('take'), run: stopAt(10) });
    // As a driver killed mid-segment leaves it: the segment's workflow PENDING on that driver's executor.
    await query(`UPDATE maker_dbos.workflow_status SET status = 'PENDING', executor_id = 'driver-dead' WHERE workflow_uuid = 'run:take:segment:0'`);
    const taken = await resumeStoredRun(options('take'));
    expect(taken.session).toMatchObject({ startStep: 10, tookOver: ['run:take:segment:0 (left by driver-dead)'] });
    expect(taken.status).toEqual({ kind: 'finished', solved: true });
    expect(taken.totals).toEqual(reference.totals);
    const rows = await query<{ status: string; queue: string | null }>(`SELECT status, queue_name AS queue FROM maker_dbos.workflow_status WHERE workflow_uuid = 'run:take:segment:0'`);
    expect(rows).toEqual([{ status: 'SUCCESS', queue: runQueueName('take') }]);
    // One left ENQUEUED by a driver whose id the engine did not record.
    await startStoredRun({ ...options('take-queued'), run: stopAt(50) });
    await query(`UPDATE maker_dbos.workflow_status SET status = 'ENQUEUED', executor_id = NULL WHERE workflow_uuid = 'run:take-queued:segment:1'`);
    const queued = await resumeStoredRun(options('take-queued'));
    expect(queued.session.tookOver).toEqual(['run:take-queued:segment:1 (left by an unknown executor)']);
    expect(queued.totals).toEqual(reference.totals);
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
      const names = await client.query<{ name: string }>(`SELECT DISTINCT name FROM maker_dbos.workflow_status WHERE workflow_uuid LIKE 'run:attempts:%'`);
      expect(names.rows).toEqual([{ name: 'maker-run-segment' }]);
      const versions = await client.query<{ version: string }>(`SELECT DISTINCT application_version AS version FROM maker_dbos.workflow_status WHERE workflow_uuid LIKE 'run:attempts:%'`);
      expect(versions.rows).toEqual([{ version: 'maker-durable-1' }]);
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
    // Every third sample fails once with a 503, so records carry retries as well as samples.
    await startStoredRun({ ...options('replay'), run: stopAt(12), dispatcher: flakyDispatcher(3) });
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
      const [counted] = await query<{ retries: string }>(`SELECT count(*) AS retries FROM maker.call WHERE run_id = 'replay' AND records LIKE '%"rt":%'`);
      expect(Number(counted?.retries)).toBeGreaterThan(0);
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
    expect(await buildStoredRunReport(database.url, 'bare')).toMatchObject({ status: { kind: 'running' }, snapshotStep: 0, wallMs: 0, totals: { steps: 0 } });
    // A resume starts it from the initial state.
    const resumed = await resumeStoredRun({ ...options('bare'), run: stopAt(3) });
    expect(resumed.session).toMatchObject({ startStep: 0, replayed: 0 });
    expect(resumed.totals.steps).toBe(3);
    const absent = readStoredRunConfig(database.url, 'absent');
    await expect(absent).rejects.toThrow(`No run absent in the store ${database.url}; start one with \`maker run hanoi --store URL --run-id absent ...\``);
    await expect(absent).rejects.toMatchObject({ code: 'E_RUN_MISSING' });
    await expect(readStoredRunConfig(database.url, 'no spaces')).rejects.toThrow(InputError);
    await expect(storedRunStep('postgres://nobody@127.0.0.1:1/none', 'bare')).rejects.toMatchObject({ code: 'E_STORE_UNREACHABLE' });
  });

  it('fails a session whose model fails, with that error, a snapshot saying so, and a run the next session finishes', async () => {
    const reference = await runTask({ task, model: model(), k: config.k, seed: config.seed, maxOutputTokens: config.maxOutputTokens, concurrency: config.concurrency });
    const inner = model();
    let broken = false;
    const failing: LanguageModel = {
      ...inner,
      generate(request) {
        return broken ? Promise.reject(new Error('the model broke')) : inner.generate(request);
      },
    };
    await expect(startStoredRun({ ...options('broken', { model: failing }), run: { onStep: (event) => void (event.step === 20 && (broken = true)) } })).rejects.toThrow('the model broke');
    const snapshots = await query<{ step: string; snapshot: string }>(`SELECT step, snapshot FROM maker.snapshot WHERE run_id = 'broken' ORDER BY step DESC LIMIT 1`);
    expect(snapshots.map((row) => [row.step, JSON.parse(row.snapshot).status])).toEqual([['21', { kind: 'failed', error: 'the model broke' }]]);
    const rest = await resumeStoredRun(options('broken'));
    expect(rest.session.startStep).toBe(21);
    expect(rest.totals).toEqual(reference.totals);
  });

  it.each([0, 3_600_000])('fails a session whose store connection is lost (writes every %i ms), keeping what was stored for the next to finish exactly', async (writeIntervalMs) => {
    const runId = `cut-${writeIntervalMs}`;
    const reference = await runTask({ task, model: model(), k: config.k, seed: config.seed, maxOutputTokens: config.maxOutputTokens, concurrency: config.concurrency });
    const killer = await connectStore(database.url);
    // After step 30, the model waits until the driver's own session (the one holding the run's lock) is ended.
    let lastStep = -1;
    let gate: Promise<unknown> | undefined;
    const waiting = gatedModel(() => gate);
    const cut = async () => {
      // Waits (up to 5 s) for the session to end, then gives the driver's client a moment to hear of it.
      const ended = await killer.query(
        `SELECT pg_terminate_backend(l.pid, 5000) AS ended FROM pg_locks l, (SELECT hashtextextended($1, 0) AS k) h
         WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.classid::bigint = ((h.k >> 32) & 4294967295) AND l.objid::bigint = (h.k & 4294967295)`,
        [runLockName(runId)],
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      return ended;
    };
    try {
      // No segment end near: the failure lands mid-segment, in a write (every call sent at once) or between writes.
      const failed = await startStoredRun({
        ...options(runId, { model: waiting, writeIntervalMs, segmentSize: 1000 }),
        run: { onStep: (event) => void ((lastStep = event.step), event.step === 30 && gate === undefined && (gate = cut())) },
      }).catch((thrown: unknown) => thrown);
      // The lost connection stopped the run within a few calls, rather than deciding calls it could not keep.
      expect(lastStep).toBeLessThan(100);
      expect(((await gate) as { rows: unknown[] }).rows).toEqual([{ ended: true }]);
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toMatch(/^(terminating connection due to administrator command|Connection terminated unexpectedly)$/);
    } finally {
      await killer.end();
    }
    // The segment's workflow ended normally, saying the session failed; the store holds a prefix of the calls.
    const [segment] = await query<{ status: string }>(`SELECT status FROM maker_dbos.workflow_status WHERE workflow_uuid = $1`, [`run:${runId}:segment:0`]);
    expect(segment?.status).toBe('SUCCESS');
    const [stored] = await query<{ n: string }>(`SELECT sum(last_step - first_step + 1) AS n FROM maker.call WHERE run_id = $1`, [runId]);
    expect(Number(stored?.n)).toBeLessThan(255);
    const rest = await resumeStoredRun(options(runId));
    expect(rest.session.startStep).toBe(Number(stored?.n));
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
      await expect(resumeStoredRun(options('locked'))).rejects.toMatchObject({ code: 'E_RUN_LOCKED' });
      await expect(resumeStoredRun(options('locked'))).rejects.toThrow(/Run locked in the store .* is being driven by another process; .*--wait/);
      let driving = false;
      let waited = false;
      let waitedMs = -1;
      let executorId = '';
      const asked = performance.now();
      const waiting = resumeStoredRun({ ...options('locked'), wait: true, onWaiting: () => (waited = true), onDriving: (info) => ((driving = true), (waitedMs = info.waitedMs), (executorId = info.executorId)) });
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(waited).toBe(true);
      expect(driving).toBe(false);
      await holder.end();
      const end = await waiting;
      expect(driving).toBe(true);
      expect(executorId).toMatch(/^driver-/);
      expect(waitedMs).toBeGreaterThanOrEqual(700);
      expect(waitedMs).toBeLessThanOrEqual(performance.now() - asked);
      expect(end.status).toEqual({ kind: 'finished', solved: true });
      expect(end.session.ran).toBe(true);
      // Waiting needs no onWaiting.
      const second = await connectStore(database.url);
      expect(await takeLock(second, runLockName('locked'), false)).toBe(true);
      const quiet = resumeStoredRun({ ...options('locked'), wait: true });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await second.end();
      expect((await quiet).session.ran).toBe(false);
    } finally {
      await holder.end().catch(() => {});
    }
  });

  it('refuses a resume whose identity differs, a missing run, and a new run over an existing one without force', async () => {
    await startStoredRun({ ...options('refusals'), run: stopAt(5) });
    await expect(resumeStoredRun({ ...options('refusals'), config: { ...config, k: 4 } })).rejects.toThrow(
      'Run refusals in the store holds a different run: k: 3 in the store, 4 now',
    );
    await expect(resumeStoredRun({ ...options('refusals'), config: { ...config, k: 4 } })).rejects.toMatchObject({ code: 'E_RUN_CONFIG_MISMATCH' });
    await expect(resumeStoredRun(options('nobody'))).rejects.toMatchObject({ code: 'E_RUN_MISSING' });
    await expect(startStoredRun(options('refusals'))).rejects.toMatchObject({ code: 'E_RUN_EXISTS' });
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
    const report = await buildStoredRunReport(database.url, 'graph');
    expect(report.wallMs).toBeGreaterThan(0);
    expect(report.wallMs).toBeLessThanOrEqual(first.wallMs);
    const last = await resumeStoredRun(base);
    expect(last.status).toEqual({ kind: 'finished', solved: whole.solved });
    expect(last.totals).toEqual(whole.totals);
    expect(graph().answer(last.finalState)).toEqual(graph().answer(whole.finalState));
  });
});
