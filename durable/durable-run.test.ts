import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHanoiTask, type HanoiState, hanoiSim } from '../tasks/hanoi/index.ts';
import { resumeDurableRun, startDurableRun, type DurableRunOptions } from './durable-run.ts';
import type { Spend } from '../dispatch/budget.ts';
import { createDispatcher, emptyDispatchStats, type Dispatcher } from '../dispatch/dispatcher.ts';
import { InputError, JournalCorruptError, RunConfigMismatchError, RunDirExistsError } from '../core/errors.ts';
import { scanJournal } from './journal.ts';
import type { LanguageModel } from '../core/model.ts';
import { taskFingerprint, type RunConfig } from './run-config.ts';
import { runPaths } from './run-dir.ts';
import { runTask, type RunTotals } from '../run/run-task.ts';
import { createSimModel } from '../models/sim-model.ts';
import { readSnapshot, writeSnapshot } from './snapshot.ts';
import type { StepTask } from '../core/task.ts';
import { convexitySim, createConvexityTask } from '../tasks/convexity/index.ts';
import { flakyDispatcher as flaky, SAMPLE_RUN_CONFIG } from '../testing/durable-fixtures.ts';

const DISKS = 6;
const task = createHanoiTask({ disks: DISKS });
// A model that errs now and then, so records carry tallies with losers, red flags and several rounds.
const model = () => createSimModel({ profile: 'gpt-oss-20b', behaviour: hanoiSim, seed: 11 });
const config: RunConfig = { ...SAMPLE_RUN_CONFIG, taskOptions: { disks: DISKS }, taskFingerprint: taskFingerprint(task), model: 'sim:gpt-oss-20b', seed: 11, maxOutputTokens: 2000 };

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'maker-durable-'));
  dir = join(root, 'run');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const options = (extra: Partial<DurableRunOptions<HanoiState, unknown>> = {}): DurableRunOptions<HanoiState, unknown> => ({
  dir,
  task,
  model: model(),
  config,
  snapshotEvery: 7,
  ...extra,
});
const stopAt = (steps: number) => ({ shouldStop: (totals: RunTotals) => (totals.steps >= steps ? `paused at ${steps}` : undefined) });

/** The uninterrupted run, journaled in its own directory: its journal bytes, final state and totals. */
async function uninterrupted(): Promise<{ journal: Buffer; finalState: HanoiState; totals: RunTotals }> {
  const reference = join(root, 'reference');
  const result = await startDurableRun({ ...options(), dir: reference });
  return { journal: readFileSync(runPaths(reference).journal), finalState: result.finalState, totals: result.totals };
}

const flakyDispatcher = (every: number) => flaky(model, every);

describe('durable runs', () => {
  it('journals exactly the steps and totals of a plain run', async () => {
    const plain = await runTask({ task, model: model(), k: 3, seed: 11, maxOutputTokens: 2000 });
    const durable = await startDurableRun(options());
    expect(durable.totals).toEqual(plain.totals);
    expect(durable.finalState).toEqual(plain.finalState);
    expect(durable.status).toEqual({ kind: 'finished', solved: plain.solved });
    expect(scanJournal(runPaths(dir).journal).records).toBe(plain.totals.steps);
    expect(plain.totals.redFlags + plain.totals.maxRoundsInStep).toBeGreaterThan(1);
  });

  it('stopped at any steps and resumed each time, ends exactly as the uninterrupted run', async () => {
    const reference = await uninterrupted();
    const total = task.totalSteps!;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: total - 1 }), { minLength: 1, maxLength: 5 }), async (stops) => {
        rmSync(dir, { recursive: true, force: true });
        const sorted = [...stops].sort((a, b) => a - b);
        let result = await startDurableRun(options({ run: stopAt(sorted[0]!) }));
        for (const stop of [...sorted.slice(1), Number.POSITIVE_INFINITY]) {
          expect(result.status.kind).toBe('stopped');
          result = await resumeDurableRun(options(stop === Number.POSITIVE_INFINITY ? {} : { run: stopAt(stop) }));
        }
        expect(result.status.kind).toBe('finished');
        expect(readFileSync(runPaths(dir).journal).equals(reference.journal)).toBe(true);
        expect(result.finalState).toEqual(reference.finalState);
        expect(result.totals).toEqual(reference.totals);
      }),
      { numRuns: 8 },
    );
  });

  it('after a crash, replays the journal records past the latest snapshot', async () => {
    const reference = await uninterrupted();
    const saved = join(root, 'snapshot-at-14.json');
    // Keep the snapshot taken at step 14, then stop at 19 and put it back: as if the process died after step 19.
    await startDurableRun(
      options({ run: { ...stopAt(19), onStep: (event) => event.step === 13 && copyFileSync(runPaths(dir).snapshot, saved) } }),
    );
    copyFileSync(saved, runPaths(dir).snapshot);
    const result = await resumeDurableRun(options());
    expect(result.session).toMatchObject({ startStep: 19, replayed: 5, tornBytes: 0 });
    expect(readFileSync(runPaths(dir).journal).equals(reference.journal)).toBe(true);
    expect(result.totals).toEqual(reference.totals);
  });

  it('cuts a torn last record and goes on', async () => {
    const reference = await uninterrupted();
    await startDurableRun(options({ run: stopAt(30) }));
    const torn = '{"i":30,"k":"1,0,2|6,5';
    appendFileSync(runPaths(dir).journal, torn);
    const result = await resumeDurableRun(options());
    expect(result.session).toMatchObject({ startStep: 30, tornBytes: torn.length });
    expect(readFileSync(runPaths(dir).journal).equals(reference.journal)).toBe(true);
    expect(result.totals).toEqual(reference.totals);
  });

  it('refuses a journal damaged before its last record, naming the line', async () => {
    await startDurableRun(options({ run: stopAt(30) }));
    const journal = readFileSync(runPaths(dir).journal);
    const line10 = journal.indexOf('{"i":9,');
    journal[line10 + 20] = journal[line10 + 20]! ^ 0x01;
    writeFileSync(runPaths(dir).journal, journal);
    const attempt = resumeDurableRun(options());
    await expect(attempt).rejects.toBeInstanceOf(JournalCorruptError);
    await expect(resumeDurableRun(options())).rejects.toThrow(new RegExp(`journal.jsonl, line 10 \\(byte ${line10}\\): checksum mismatch`));
  });

  it('refuses a damaged snapshot', async () => {
    await startDurableRun(options({ run: stopAt(30) }));
    const snapshot = readFileSync(runPaths(dir).snapshot);
    snapshot[12] = snapshot[12]! ^ 0x01;
    writeFileSync(runPaths(dir).snapshot, snapshot);
    await expect(resumeDurableRun(options())).rejects.toThrow(/snapshot\.json, line 1 \(byte 0\): the snapshot is damaged: checksum mismatch/);
  });

  it('refuses to resume with a different configuration, saying what differs', async () => {
    await startDurableRun(options({ run: stopAt(10) }));
    const other = createHanoiTask({ disks: DISKS + 1 });
    const attempt = resumeDurableRun({
      ...options(),
      task: other,
      config: { ...config, taskOptions: { disks: DISKS + 1 }, taskFingerprint: taskFingerprint(other), k: 4, model: 'sim:qwen3' },
    });
    await expect(attempt).rejects.toBeInstanceOf(RunConfigMismatchError);
    await expect(resumeDurableRun({ ...options(), config: { ...config, k: 4, seed: 12 } })).rejects.toThrow(
      'holds a different run: k: 3 in the run directory, 4 now; seed: 11 in the run directory, 12 now',
    );
    await expect(resumeDurableRun({ ...options(), config: { ...config, taskFingerprint: 'abcd1234' } })).rejects.toThrow(/the task's prompt has changed/);
  });

  it('lets settings that do not change the decisions differ on resume', async () => {
    const reference = await uninterrupted();
    await startDurableRun(options({ run: stopAt(10) }));
    const result = await resumeDurableRun({ ...options(), config: { ...config, concurrency: 1, baseURL: 'http://127.0.0.1:1/v1' } });
    expect(result.totals).toEqual(reference.totals);
  });

  it('never overwrites a run directory without force, and never clears a foreign one', async () => {
    await startDurableRun(options({ run: stopAt(10) }));
    await expect(startDurableRun(options())).rejects.toBeInstanceOf(RunDirExistsError);
    await expect(startDurableRun(options())).rejects.toThrow(/at step 10, stopped; resume it with `maker resume .*`\. Pass --force to overwrite it/);
    const fresh = await startDurableRun({ ...options(), force: true });
    expect(fresh.session.startStep).toBe(0);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await expect(startDurableRun({ ...options(), force: true })).rejects.toThrow(/notes\.txt, so even --force will not clear it/);
  });

  it('refuses even with force a directory another live process is running, leaving it as it was', async () => {
    await startDurableRun(options({ run: stopAt(10) }));
    const journal = readFileSync(runPaths(dir).journal);
    writeFileSync(runPaths(dir).lock, `${process.ppid}\n`);
    await expect(startDurableRun({ ...options(), force: true })).rejects.toMatchObject({ code: 'E_RUN_DIR_LOCKED' });
    expect(readFileSync(runPaths(dir).journal).equals(journal)).toBe(true);
    expect(readFileSync(runPaths(dir).lock, 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('keeps the faults and retries of earlier sessions through a session whose steps met none, and adds up wall time', async () => {
    const parted = await startDurableRun(options({ run: stopAt(33), dispatcher: flakyDispatcher(3) }));
    expect(parted.totals.retries).toBeGreaterThan(0);
    const before = readSnapshot(runPaths(dir).snapshot)!.wallMs;
    const asked = performance.now();
    const clean = await resumeDurableRun(options({ run: stopAt(36) }));
    const took = performance.now() - asked;
    expect(clean.totals.steps).toBe(36);
    expect({ retries: clean.totals.retries, faults: clean.totals.faults }).toEqual({ retries: parted.totals.retries, faults: parted.totals.faults });
    const after = readSnapshot(runPaths(dir).snapshot)!.wallMs;
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after).toBeLessThanOrEqual(before + took);
  });

  it('refuses a directory another live process is running, and takes over a dead one', async () => {
    await startDurableRun(options({ run: stopAt(10) }));
    writeFileSync(runPaths(dir).lock, `${process.ppid}\n`);
    await expect(resumeDurableRun(options())).rejects.toThrow(/in use by process/);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(runPaths(dir).lock, `${dead}\n`);
    const result = await resumeDurableRun(options());
    expect(result.status.kind).toBe('finished');
  });

  it('records a failure, and resumes after it from the last decided step', async () => {
    const reference = await uninterrupted();
    const inner = model();
    let calls = 0;
    const failing: LanguageModel = {
      ...inner,
      generate: (request) => (++calls > 60 ? Promise.reject(new Error('endpoint down')) : inner.generate(request)),
    };
    await expect(startDurableRun({ ...options(), model: failing })).rejects.toThrow('endpoint down');
    const snapshot = readSnapshot(runPaths(dir).snapshot)!;
    expect(snapshot.status).toEqual({ kind: 'failed', error: 'endpoint down' });
    const result = await resumeDurableRun(options());
    expect(result.session.startStep).toBe(snapshot.step);
    expect(result.totals).toEqual(reference.totals);
  });

  it('journals faults and retries, and a resumed run ends with the uninterrupted run\'s, whatever was in flight at the stop', async () => {
    // Every fifth sample fails once with a 503, then succeeds: the same faults in every session.
    const flaky = flakyDispatcher(5);
    const whole = await startDurableRun({ ...options(), dir: join(root, 'reference'), dispatcher: flaky });
    expect(whole.totals.retries).toBeGreaterThan(0);
    expect(whole.totals.faults).toEqual({ 'server-error': whole.totals.retries });
    // The journal itself carries them: its records' retries and faults add up to the run's.
    let journaled = 0;
    const journaledFaults: Record<string, number> = {};
    scanJournal(runPaths(join(root, 'reference')).journal, {
      onRecord: (record) => {
        journaled += record.retries;
        for (const [kind, n] of Object.entries(record.faults)) journaledFaults[kind] = (journaledFaults[kind] ?? 0) + n;
      },
    });
    expect(journaled).toBe(whole.totals.retries);
    expect(journaledFaults).toEqual(whole.totals.faults);
    // Stop mid-step (a signal during a vote), so faults of an undecided step are in flight at the stop.
    const controller = new AbortController();
    let calls = 0;
    const stopping = (alreadySpent: Spend) => {
      const dispatcher = flaky(alreadySpent);
      return {
        ...dispatcher,
        id: dispatcher.id,
        stats: dispatcher.stats,
        endpoints: dispatcher.endpoints,
        exhausted: dispatcher.exhausted,
        budget: () => dispatcher.budget(),
        dispatch: (request, context) => {
          if (++calls === 100) controller.abort();
          return dispatcher.dispatch(request, context);
        },
      } satisfies Dispatcher;
    };
    const first = await startDurableRun({ ...options(), dispatcher: stopping, run: { signal: controller.signal } });
    expect(first.stopReason).toBe('interrupted');
    const rest = await resumeDurableRun({ ...options(), dispatcher: flaky });
    expect(rest.totals).toEqual(whole.totals);
    expect(readFileSync(runPaths(dir).journal).equals(readFileSync(runPaths(join(root, 'reference')).journal))).toBe(true);
  });

  it('carries spend across sessions, so a budget caps the whole run', async () => {
    const capped = (calls: number) => (alreadySpent: Spend) => createDispatcher({ model: model(), concurrency: 3, budget: { calls }, alreadySpent });
    const first = await startDurableRun({ ...options(), dispatcher: capped(60) });
    expect(first.stopReason).toBe('budget: calls');
    expect(first.budget?.spent.calls).toBeLessThanOrEqual(60);
    const again = await resumeDurableRun({ ...options(), dispatcher: capped(60) });
    expect(again.totals.steps).toBe(first.totals.steps);
    const more = await resumeDurableRun({ ...options(), dispatcher: capped(120) });
    expect(more.budget?.spent.calls).toBeGreaterThan(60);
    expect(more.budget?.spent.calls).toBeLessThanOrEqual(120);
    expect(more.totals.steps).toBeGreaterThan(first.totals.steps);
    expect(readSnapshot(runPaths(dir).snapshot)!.spent?.calls).toBe(more.budget?.spent.calls);
  });

  it('resumes a run killed before it wrote its journal or first snapshot from the start', async () => {
    const reference = await uninterrupted();
    await startDurableRun(options({ run: stopAt(5) }));
    rmSync(runPaths(dir).journal);
    rmSync(runPaths(dir).snapshot);
    const result = await resumeDurableRun(options());
    expect(result.session.startStep).toBe(0);
    expect(readFileSync(runPaths(dir).journal).equals(reference.journal)).toBe(true);
  });

  it('returns a finished run as it ended, running nothing', async () => {
    const first = await startDurableRun(options());
    const again = await resumeDurableRun(options());
    expect(again.session.ran).toBe(false);
    expect(again.totals).toEqual(first.totals);
    expect(again.solved).toBe(first.solved);
  });

  it('refuses a task whose state does not survive JSON', async () => {
    const dated: StepTask<{ at: Date }, unknown> = { ...(task as unknown as StepTask<{ at: Date }, unknown>), initialState: () => ({ at: new Date(0) }) };
    await expect(startDurableRun({ ...options(), task: dated } as never)).rejects.toBeInstanceOf(InputError);
  });

  it('validates its options, quoting the bad value', async () => {
    await expect(startDurableRun(options({ snapshotEvery: 0 }))).rejects.toThrow('Expected `snapshotEvery` to be an integer >= 1, got `0`');
    await expect(startDurableRun(options({ snapshotEvery: 1, run: stopAt(2) }))).resolves.toMatchObject({ status: { kind: 'stopped' } });
    await expect(startDurableRun(options({ syncIntervalMs: -1 }))).rejects.toThrow('Expected `syncIntervalMs` to be a number >= 0, got `-1`');
  });
});

describe('durable graph runs', () => {
  // A balanced sum of 16 atom terms: independent calls at every level, voted on several at a time.
  const expr = Array.from({ length: 16 }, (_, i) => `${['exp', 'square', 'log', 'sqrt'][i % 4]}(x${i})`).join(' + ');
  const graph = () => createConvexityTask({ expr, strategy: 'focused' });
  const graphModel = () => createSimModel({ profile: 'gpt-oss-20b', behaviour: convexitySim, seed: 5 });
  const graphConfig: RunConfig = { ...config, task: 'convexity', taskOptions: { expr }, taskFingerprint: taskFingerprint(graph()), concurrency: 6 };

  it('stopped anywhere and resumed, ends with the uninterrupted run\'s totals and answer, whatever the completion order', async () => {
    const whole = await runTask({ task: graph(), model: graphModel(), k: 3, seed: 11, concurrency: 6, maxOutputTokens: 2000 });
    for (const stops of [[3], [1, 10, 20], [25]]) {
      rmSync(dir, { recursive: true, force: true });
      const base = { dir, task: graph(), model: graphModel(), config: graphConfig, snapshotEvery: 4 };
      let result = await startDurableRun({ ...base, run: stopAt(stops[0]!) });
      for (const at of stops.slice(1)) result = await resumeDurableRun({ ...base, run: stopAt(at) });
      result = await resumeDurableRun(base);
      expect(result.status).toEqual({ kind: 'finished', solved: whole.solved });
      expect(result.totals).toEqual(whole.totals);
      expect(graph().answer(result.finalState)).toEqual(graph().answer(whole.finalState));
      const ids: string[] = [];
      scanJournal(runPaths(dir).journal, { onRecord: (record) => ids.push(record.id) });
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(whole.totals.steps);
    }
  });

  it('refuses a journal whose calls the task does not have ready', async () => {
    const base = { dir, task: graph(), model: graphModel(), config: graphConfig };
    await startDurableRun({ ...base, run: stopAt(5) });
    const other = createConvexityTask({ expr: 'exp(x) + log(y)', strategy: 'focused' });
    await expect(resumeDurableRun({ ...base, task: other })).rejects.toThrow(/does not have ready/);
    await expect(resumeDurableRun({ ...base, task: other })).rejects.toThrow(expect.objectContaining({ code: 'E_JOURNAL_MISMATCH' }));
  });
});

describe('durable runs, what a user sees of them', () => {
  it('validates the durations and needs a model or a dispatcher, saying which', async () => {
    await expect(startDurableRun(options({ writeIntervalMs: -1 }))).rejects.toThrow(new InputError('Expected `writeIntervalMs` to be a number >= 0, got `-1`'));
    await expect(startDurableRun(options({ writeIntervalMs: Number.NaN }))).rejects.toThrow('Expected `writeIntervalMs` to be a number >= 0, got `NaN`');
    await expect(startDurableRun(options({ syncIntervalMs: Number.POSITIVE_INFINITY }))).rejects.toThrow('Expected `syncIntervalMs` to be a number >= 0, got `Infinity`');
    const { model: _, ...noModel } = options();
    await expect(startDurableRun(noModel)).rejects.toThrow(new InputError('Expected `model` or `dispatcher` in the durable run options, got neither'));
    const zero = await startDurableRun(options({ writeIntervalMs: 0, syncIntervalMs: 0, run: stopAt(2) }));
    expect(zero.totals.steps).toBe(2);
  });

  it('names the task whose state does not survive JSON', async () => {
    const dated: StepTask<{ at: Date }, unknown> = { ...(task as unknown as StepTask<{ at: Date }, unknown>), initialState: () => ({ at: new Date(0) }) };
    await expect(startDurableRun({ ...options(), task: dated } as never)).rejects.toThrow(
      new InputError("The hanoi task's state does not survive a JSON round trip, so it cannot be snapshotted"),
    );
  });

  it('refuses a state JSON cannot even write (a BigInt), as one that does not survive JSON', async () => {
    const big: StepTask<{ n: bigint }, unknown> = { ...(task as unknown as StepTask<{ n: bigint }, unknown>), initialState: () => ({ n: 1n }) };
    await expect(startDurableRun({ ...options(), task: big } as never)).rejects.toThrow(
      new InputError("The hanoi task's state does not survive a JSON round trip, so it cannot be snapshotted"),
    );
  });

  it('says what an existing directory holds: a run not started, a finished one (no resume advice), or unreadable files', async () => {
    await startDurableRun(options({ run: stopAt(3) }));
    rmSync(runPaths(dir).snapshot);
    await expect(startDurableRun(options())).rejects.toThrow(
      new RunDirExistsError(dir, `it holds a hanoi run ({"disks":${DISKS}}, sim:gpt-oss-20b, seed 11) not started; resume it with \`maker resume ${dir}\``),
    );
    await startDurableRun({ ...options(), force: true });
    await expect(startDurableRun(options())).rejects.toThrow(
      new RunDirExistsError(dir, `it holds a hanoi run ({"disks":${DISKS}}, sim:gpt-oss-20b, seed 11) at step 63, finished`),
    );
    writeFileSync(runPaths(dir).config, '{');
    await expect(startDurableRun(options())).rejects.toThrow(new RunDirExistsError(dir, "it holds an earlier run's files"));
  });

  it('writes a final snapshot a resume reads, and a periodic one marked running', async () => {
    const statuses: unknown[] = [];
    const result = await startDurableRun(options({ run: { onStep: (event) => event.step === 8 && statuses.push(readSnapshot(runPaths(dir).snapshot)!.status) } }));
    expect(statuses).toEqual([{ kind: 'running' }]);
    const final = readSnapshot(runPaths(dir).snapshot)!;
    expect(final.step).toBe(63);
    expect(final.status).toEqual(result.status);
    expect(final.totals).toEqual(result.totals);
    expect(result.session).toEqual({ ran: true, startStep: 0, replayed: 0, tornBytes: 0, wallMs: expect.any(Number) });
  });

  it('snapshots after every snapshotEvery-th step, before the step is reported', async () => {
    const seen: (number | undefined)[] = [];
    await startDurableRun(options({ run: { onStep: () => seen.push(readSnapshot(runPaths(dir).snapshot)?.step) } }));
    // What the snapshot held when steps 1, 2, 3, ... were reported: 0 (the start) until the 7th step, then 7 until the 14th.
    const expected = seen.map((_, i) => Math.floor((i + 1) / 7) * 7);
    expect(seen).toEqual(expected);
  });

  it('counts wall time over sessions: the snapshot\'s plus this session\'s', async () => {
    const began = performance.now();
    const first = await startDurableRun(options({ run: stopAt(20) }));
    const elapsed = performance.now() - began;
    expect(first.session.wallMs).toBeGreaterThan(0);
    expect(first.session.wallMs).toBeLessThanOrEqual(elapsed);
    expect(first.wallMs).toBe(first.session.wallMs);
    const storedWall = readSnapshot(runPaths(dir).snapshot)!.wallMs;
    const second = await resumeDurableRun(options());
    expect(second.session.ran).toBe(true);
    expect(second.wallMs).toBeCloseTo(storedWall + second.session.wallMs, 6);
    expect(second.dispatch?.calls).toBe(second.budget?.spent.calls);
  });

  it('replays the spend of the records past the snapshot, so the dispatcher starts from it', async () => {
    const saved = join(root, 'snapshot-at-start.json');
    // The snapshot written at the start (before step 0 was decided), put back after 12 steps: a crash.
    // Every third sample fails once with a 503, so records carry retries as well as samples and aborted ones.
    const flaky = flakyDispatcher(3);
    await startDurableRun({ ...options({ run: { ...stopAt(12), onStep: (event) => event.step === 0 && copyFileSync(runPaths(dir).snapshot, saved) } }), dispatcher: flaky });
    copyFileSync(saved, runPaths(dir).snapshot);
    const start = readSnapshot(saved)!;
    expect(start).toMatchObject({ step: 0, journalBytes: 0, status: { kind: 'running' }, spent: { calls: 0, tokens: 0, dollars: 0, seconds: 0 } });
    const expected = { calls: 0, tokens: 0, dollars: 0, seconds: 0 };
    let retries = 0;
    scanJournal(runPaths(dir).journal, {
      onRecord: (record) => {
        expected.calls += record.samples + record.aborted + record.retries;
        expected.tokens += record.promptTokens + record.completionTokens;
        expected.dollars += record.costUsd;
        retries += record.retries;
      },
    });
    expect(expected.tokens).toBeGreaterThan(0);
    expect(retries).toBeGreaterThan(0);
    const seen: Spend[] = [];
    const result = await resumeDurableRun({ ...options(), run: stopAt(12), dispatcher: (alreadySpent) => (seen.push({ ...alreadySpent }), createDispatcher({ model: model(), concurrency: 3, alreadySpent })) });
    expect(seen).toEqual([expected]);
    expect(result.session).toMatchObject({ startStep: 12, replayed: 12 });
  });

  it("refuses a snapshot copied from another run, naming both", async () => {
    await startDurableRun(options({ run: stopAt(8) }));
    const path = runPaths(dir).snapshot;
    const snapshot = readSnapshot(path)!;
    const runId = snapshot.runId!;
    expect(runId).toMatch(/^[0-9a-f]{16}$/);
    writeSnapshot(path, { ...snapshot, runId: 'feedfeedfeedfeed' });
    const advice = "): was it copied from another run directory? Put this run's snapshot back, or delete it to replay the journal from the start";
    await expect(resumeDurableRun(options())).rejects.toThrow(`the snapshot belongs to another run (run feedfeedfeedfeed; this directory's run is ${runId}${advice}`);
    const { runId: _, ...anonymous } = snapshot;
    writeSnapshot(path, anonymous);
    await expect(resumeDurableRun(options())).rejects.toThrow(`the snapshot belongs to another run (one without an id; this directory's run is ${runId}${advice}`);
    await expect(resumeDurableRun(options())).rejects.toBeInstanceOf(JournalCorruptError);
  });

  it("refuses a journal copied from another run, and advises removing a snapshot past the damage", async () => {
    const other = join(root, 'other');
    await startDurableRun({ ...options({ run: stopAt(5) }), dir: other, config: { ...config, seed: 12 } });
    await startDurableRun(options({ run: stopAt(20) }));
    copyFileSync(runPaths(other).journal, runPaths(dir).journal);
    rmSync(runPaths(dir).snapshot);
    await expect(resumeDurableRun(options())).rejects.toBeInstanceOf(JournalCorruptError);
    // Damage in the third record, before the snapshot at step 20: the advice names the snapshot to remove.
    await startDurableRun({ ...options({ run: stopAt(20) }), force: true });
    const damaged = readFileSync(runPaths(dir).journal);
    const third = damaged.indexOf('{"i":2,');
    damaged[third + 10] = damaged[third + 10]! ^ 1;
    writeFileSync(runPaths(dir).journal, damaged);
    await expect(resumeDurableRun(options())).rejects.toThrow(`rm ${runPaths(dir).snapshot}`);
  });

  it('returns a finished run with the model that resumed it and the calls it spent', async () => {
    const first = await startDurableRun(options());
    const renamed = { ...model(), id: 'renamed-model' } as LanguageModel;
    const again = await resumeDurableRun(options({ model: renamed }));
    expect(again.model).toBe('renamed-model');
    expect(again.dispatch).toEqual({ ...emptyDispatchStats(), calls: readSnapshot(runPaths(dir).snapshot)!.spent!.calls });
    expect(again.dispatch?.calls).toBe(first.budget?.spent.calls);
    const { model: _, ...noModel } = options();
    const viaDispatcher = await resumeDurableRun({ ...noModel, dispatcher: (alreadySpent) => createDispatcher({ model: model(), concurrency: 3, alreadySpent }) });
    expect(viaDispatcher.model).toBe(config.model);
    const path = runPaths(dir).snapshot;
    const { spent: __, ...old } = readSnapshot(path)!;
    writeSnapshot(path, old);
    expect('dispatch' in (await resumeDurableRun(options()))).toBe(false);
  });
});
