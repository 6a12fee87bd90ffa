/**
 * Stored runs against a real PostgreSQL server (`MAKER_PG_URL`), each test file in a database of its own:
 * exact resume across sessions and segments, the file journal's equal, and one driver at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHanoiTask, hanoiSim, type HanoiState } from '../tasks/hanoi/index.ts';
import { createSimModel } from '../models/sim-model.ts';
import { taskFingerprint, type RunConfig } from './run-config.ts';
import { runTask, type RunTotals } from '../run/run-task.ts';
import { connectStore, runLockName, takeLock } from './pg-store.ts';
import { createTestDatabase, storeTestsEnabled, type TestDatabase } from './pg-test-database.ts';
import { resumeStoredRun, RunLockedError, startStoredRun, type StoredRunOptions } from './stored-run.ts';
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
    expect(again.session).toMatchObject({ ran: false, startStep: 255, segments: 0 });
    expect(again.totals).toEqual(done.totals);
  });

  it('refuses a second driver while one drives the run, and with wait, continues the run once it is free', async () => {
    await startStoredRun({ ...options('locked'), run: stopAt(10) });
    const holder = await connectStore(database.url);
    try {
      expect(await takeLock(holder, runLockName('locked'), false)).toBe(true);
      await expect(resumeStoredRun(options('locked'))).rejects.toThrow(RunLockedError);
      await expect(resumeStoredRun(options('locked'))).rejects.toThrow(/Run locked in the store .* is being driven by another process; .*--wait/);
      let driving = false;
      const waiting = resumeStoredRun({ ...options('locked'), wait: true, onDriving: () => (driving = true) });
      await new Promise((resolve) => setTimeout(resolve, 800));
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
