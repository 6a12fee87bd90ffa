import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHanoiTask, hanoiSim } from '../tasks/hanoi/index.ts';
import { startDurableRun } from './durable-run.ts';
import { JournalCorruptError } from '../core/errors.ts';
import { scanJournal } from './journal.ts';
import type { JournalRecord } from './journal-record.ts';
import { frameLine } from './framed-line.ts';
import { taskFingerprint, type RunConfig } from './run-config.ts';
import { runPaths, writeRunConfig } from './run-dir.ts';
import { buildRunReport, describeStatus, renderRunReport, reportAccumulator, type RunReport } from './run-report.ts';
import { emptyTotals, type RunTotals } from '../run/run-task.ts';
import { createSimModel } from '../models/sim-model.ts';
import { readSnapshot, writeSnapshot } from './snapshot.ts';

const task = createHanoiTask({ disks: 6 });
const root = mkdtempSync(join(tmpdir(), 'maker-report-'));
const dir = join(root, 'run');
let recorded: Promise<unknown> | undefined;

/**
 * The run every report is built from, made once by the first test that needs it (not in `beforeAll`: run there,
 * every line of the engine it reaches would count as covered by no test, and mutation testing would run every
 * test against every mutant of it).
 */
function recordedRun(): Promise<unknown> {
  recorded ??= startDurableRun({
    dir,
    task,
    model: createSimModel({ profile: 'gpt-oss-20b', behaviour: hanoiSim, seed: 3 }),
    config: {
      task: 'hanoi',
      taskOptions: { disks: 6 },
      taskFingerprint: taskFingerprint(task),
      model: 'sim:gpt-oss-20b',
      k: 3,
      seed: 3,
      maxOutputTokens: 2000,
      contextBudget: 8192,
      maxSamplesPerStep: 200,
      concurrency: 3,
      baseURL: null,
      apiKeyEnv: null,
      ensemble: null,
      endpointsFile: null,
    },
  });
  return recorded;
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('run reports', () => {
  it('keeps the hardest steps: most samples, then most rounds, then earliest', async () => {
    await recordedRun();
    const all: JournalRecord[] = [];
    scanJournal(runPaths(dir).journal, { onRecord: (record) => all.push(record) });
    const expected = [...all]
      .sort((a, b) => b.samples - a.samples || b.rounds - a.rounds || a.step - b.step)
      .slice(0, 5)
      .map((record) => record.step);
    const report = buildRunReport(dir, { hardest: 5 });
    expect(report.hardest.map((step) => step.step)).toEqual(expected);
    expect(report.totals).toEqual(readSnapshot(runPaths(dir).snapshot)!.totals);
  });

  it('escapes the pipes in answer keys so Markdown tables keep their columns', async () => {
    await recordedRun();
    const markdown = renderRunReport(buildRunReport(dir, { hardest: 3 }), { totalSteps: 63, now: new Date(0) });
    const rows = markdown.split('\n').filter((line) => /^\| \d+ \| \d+ \| \d+ \|/.test(line) && line.includes('×'));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.replaceAll('\\|', '').split('|')).toHaveLength(9);
  });

  it('refuses a snapshot whose totals disagree with the journal', async () => {
    await recordedRun();
    const path = runPaths(dir).snapshot;
    const snapshot = readSnapshot(path)!;
    try {
      writeSnapshot(path, { ...snapshot, totals: { ...snapshot.totals, samples: snapshot.totals.samples + 1 } });
      expect(() => buildRunReport(dir)).toThrow(JournalCorruptError);
      expect(() => buildRunReport(dir)).toThrow(/totals at step 63 disagree with the journal/);
    } finally {
      writeSnapshot(path, snapshot);
    }
  });
});

/** A run directory written by hand: five records whose report figures are worked out below, by hand. */
describe('the report of a small hand-written run', () => {
  const at = join(root, 'small');
  const wires = [
    { i: 0, k: 'a', v: 0, w: 3, s: 3, r: 1, pt: 100, ct: 20, c: 0.001, l: 1500, ok: 1, u: 'run-x' },
    { i: 1, k: 'b|c', v: 1, w: 3, o: [['x', 1]], s: 6, r: 2, f: { alpha: 1 }, pt: 200, ct: 50, c: 0.0025, l: 2500, ok: 0, x: 1 },
    { i: 2, k: 'a', v: 2, w: 3, s: 3, r: 1, a: 1, pt: 100, ct: 20, c: 0.001, l: 1000, ok: 1 },
    { i: 3, k: 'd', v: 3, w: 4, o: [['e', 2], ['f', 1]], s: 9, r: 3, f: { zeta: 3 }, pt: 300, ct: 60, c: 0.004, l: 3000, ok: 1, rt: 1, fx: { http: 1 } },
    { i: 4, k: 'g', v: 4, w: 3, o: [['h', 2]], s: 6, r: 3, a: 1, pt: 150, ct: 30, c: 0.002 },
  ];
  const smallConfig: RunConfig = {
    task: 'hanoi',
    taskOptions: { disks: 4, label: 'x' },
    taskFingerprint: 'f',
    model: 'sim:m',
    k: 3,
    seed: 7,
    maxOutputTokens: 100,
    contextBudget: 1000,
    maxSamplesPerStep: 50,
    concurrency: 1,
    baseURL: null,
    apiKeyEnv: null,
    ensemble: null,
    endpointsFile: null,
    runId: 'run-x',
  };
  // Worked out by hand from the five records.
  const totals: RunTotals = {
    steps: 5,
    errors: 1,
    samples: 27,
    votes: 22,
    redFlags: 4,
    redFlagsByRule: { alpha: 1, zeta: 3 },
    aborted: 2,
    promptTokens: 850,
    completionTokens: 180,
    costUsd: 0.001 + 0.0025 + 0.001 + 0.004 + 0.002,
    maxSamplesInStep: 9,
    maxRoundsInStep: 3,
    firstTwoWrong: 1,
    samplesPerStep: { 3: 2, 6: 2, 9: 1 },
    retries: 1,
    faults: { http: 1 },
  };
  const torn = Buffer.from('{"i":5,"k"');
  const journalBytes = () => wires.reduce((sum, wire) => sum + frameLine(JSON.stringify(wire)).length, 0);

  function write(options: { config?: RunConfig; snapshot?: boolean; torn?: boolean; wires?: readonly object[] } = {}): string {
    rmSync(at, { recursive: true, force: true });
    mkdirSync(at, { recursive: true });
    writeRunConfig(at, options.config ?? smallConfig, new Date(0));
    const lines = (options.wires ?? wires).map((wire) => frameLine(JSON.stringify(wire)));
    writeFileSync(runPaths(at).journal, Buffer.concat([...lines, ...(options.torn === true ? [torn] : [])]));
    if (options.snapshot !== false) {
      writeSnapshot(runPaths(at).snapshot, { step: 5, journalBytes: journalBytes(), state: null, totals, wallMs: 12_300, status: { kind: 'stopped', reason: 'budget' }, runId: 'run-x' });
    }
    return at;
  }

  it('rebuilds the totals, latency, status and hardest steps from the records', () => {
    const report = buildRunReport(write({ torn: true }), { hardest: 4 });
    expect(report.totals).toEqual(totals);
    expect(report.latencyMs).toBe(8000);
    expect(report.wallMs).toBe(12_300);
    expect(report.snapshotStep).toBe(5);
    expect(report.status).toEqual({ kind: 'stopped', reason: 'budget' });
    expect(report.config.createdAt).toBe('1970-01-01T00:00:00.000Z');
    expect(report.tornTail).toMatchObject({ offset: journalBytes(), bytes: torn.length });
    // Most samples (9), then of the two with 6 the one with more rounds, then of the two with 3 the earlier.
    expect(report.hardest.map((step) => step.step)).toEqual([3, 4, 1, 0]);
    expect(report.hardest[0]).toEqual({ step: 3, samples: 9, rounds: 3, votes: 7, redFlags: { zeta: 3 }, tally: [['d', 4], ['e', 2], ['f', 1]], correct: true, costUsd: 0.004 });
    expect(buildRunReport(at).hardest.map((step) => step.step)).toEqual([3, 4, 1, 0, 2]);
    expect(buildRunReport(at, { hardest: 1 }).hardest.map((step) => step.step)).toEqual([3]);
  });

  it('reads a run without a snapshot as running from step 0, with no wall time', () => {
    const report = buildRunReport(write({ snapshot: false }));
    expect(report.status).toEqual({ kind: 'running' });
    expect(report.snapshotStep).toBe(0);
    expect(report.wallMs).toBe(0);
    expect(report.totals).toEqual(totals);
    expect(report.tornTail).toBeUndefined();
  });

  it("refuses a journal whose first record carries another run's id", () => {
    write({ wires: [{ ...wires[0], u: 'run-y' }, ...wires.slice(1)], snapshot: false });
    expect(() => buildRunReport(at)).toThrow(JournalCorruptError);
    // A directory from before run ids checks nothing.
    const { runId: _runId, ...old } = smallConfig;
    write({ config: old, wires: [{ ...wires[0], u: 'run-y' }, ...wires.slice(1)], snapshot: false });
    expect(buildRunReport(at).totals.steps).toBe(5);
  });

  it('checks the totals against a snapshot taken before any step', () => {
    expect(() => reportAccumulator(3, { step: 0, totals: { ...emptyTotals(), samples: 1 } }, 'snap.json')).toThrow(/totals at step 0 disagree/);
    const accumulator = reportAccumulator(3, { step: 0, totals: emptyTotals() }, 'snap.json');
    expect(accumulator.latencyMs).toBe(0);
  });

  it('renders every figure a user reads', () => {
    const dir = write({ torn: true });
    const markdown = renderRunReport(buildRunReport(dir, { hardest: 3 }), { totalSteps: 1023, now: new Date('2001-02-03T04:05:06.000Z') });
    const expected = [
      '# Run report: hanoi (disks = 4, label = "x")',
      '',
      `Run directory \`${dir}\`, started 1970-01-01T00:00:00.000Z; report written 2001-02-03T04:05:06.000Z by \`maker report\`.`,
      '',
      '| | |',
      '|---|---|',
      '| Status | stopped (budget); resumable |',
      '| Model | `sim:m`, k = 3, seed 7 |',
      '| Steps | 5 of 1,023 decided, 1 wrong by the oracle |',
      '| Samples | 27 (5.400 per step; most in one step 9, in 3 rounds) |',
      '| Votes | 22; 1 steps whose first two votes both missed the oracle |',
      '| Red flags | 4 (14.81% of samples) |',
      '| Aborted samples | 2 (in flight when their step was decided; not counted) |',
      '| Tokens | 850 prompt, 180 completion |',
      '| Cost | $0.01 ($0.002100 per step) |',
      '| Wall time | 12.3 s active, over every session, as of the latest snapshot (step 5) |',
      '| Call latency | 8.0 s summed over calls |',
      '',
      `Resume with \`maker resume ${dir}\`.`,
      '',
      `The journal ends with a torn record (10 bytes at byte ${journalBytes()}), left by a crash mid-write; resume cuts it off.`,
      '',
      '## Samples per step',
      '',
      '| Samples | Steps | Share | Cumulative |',
      '|---:|---:|---:|---:|',
      '| 3 | 2 | 40.00% | 40.00% |',
      '| 6 | 2 | 40.00% | 80.00% |',
      '| 9 | 1 | 20.00% | 100% |',
      '',
      '## Red flags by rule',
      '',
      '| Rule | Responses | Per 1,000 samples |',
      '|---|---:|---:|',
      '| zeta | 3 | 111.11 |',
      '| alpha | 1 | 37.04 |',
      '',
      '## The 3 hardest steps',
      '',
      'Most samples first. Votes list every candidate, the winner first.',
      '',
      '| Step | Samples | Rounds | Red flags | Oracle | Cost | Votes |',
      '|---:|---:|---:|---|---|---:|---|',
      '| 3 | 9 | 3 | zeta 3 | right | $0.0040 | 4 × `d`<br>2 × `e`<br>1 × `f` |',
      '| 4 | 6 | 3 | none | n/a | $0.0020 | 3 × `g`<br>2 × `h` |',
      '| 1 | 6 | 2 | alpha 1 | **wrong** | $0.0025 | 3 × `b\\|c`<br>1 × `x` |',
      '',
      '## Cost',
      '',
      '| | Prompt tokens | Completion tokens | Dollars |',
      '|---|---:|---:|---:|',
      '| Run | 850 | 180 | $0.01 |',
      '| Per step | 170 | 36 | $0.002100 |',
      '| Per sample | 31 | 7 | $0.000389 |',
      '| Projected to 1,023 steps | | | $2.15 |',
      '',
      'Costs count the calls that decided each step; calls made for a step in progress when a session stopped are not counted.',
      '',
    ];
    expect(markdown.split('\n')).toEqual(expected);
  });

  const emptyReport = (extra: Partial<RunReport> = {}): RunReport => ({
    dir: '/runs/r',
    config: { ...smallConfig, taskOptions: {}, createdAt: '2000-01-01T00:00:00.000Z' },
    status: { kind: 'finished', solved: true },
    snapshotStep: 0,
    totals: emptyTotals(),
    wallMs: 0,
    latencyMs: 0,
    hardest: [],
    tornTail: undefined,
    ...extra,
  });

  it('renders a finished run with no steps: no resume line, zero rates, no projection, no red flags', () => {
    const markdown = renderRunReport(emptyReport({ location: 'Store entry 7' }), { now: new Date(0), totalSteps: 10 });
    const lines = markdown.split('\n');
    expect(lines[0]).toBe('# Run report: hanoi');
    expect(lines[2]).toBe('Store entry 7, started 2000-01-01T00:00:00.000Z; report written 1970-01-01T00:00:00.000Z by `maker report`.');
    expect(lines).toContain('| Status | finished: solved |');
    expect(lines).toContain('| Steps | 0 of 10 decided, 0 wrong by the oracle |');
    expect(lines).toContain('| Samples | 0 (0.000 per step; most in one step 0, in 0 rounds) |');
    expect(lines).toContain('| Red flags | 0 (0% of samples) |');
    expect(lines).toContain('| Cost | $0.00 ($0.000000 per step) |');
    expect(lines).toContain('No response was red-flagged.');
    expect(lines).toContain('## The 0 hardest steps');
    expect(lines).toContain('| Per step | 0 | 0 | $0.000000 |');
    expect(lines).toContain('| Per sample | 0 | 0 | $0.000000 |');
    expect(markdown).not.toContain('Resume with');
    expect(markdown).not.toContain('Projected');
    expect(markdown).not.toContain('torn');
    expect(markdown).not.toContain('Rule |');
  });

  it('projects the cost only while steps remain, and shows a given resume command', () => {
    const totals5 = { ...totals };
    const stopped = emptyReport({ status: { kind: 'failed', error: 'boom' }, totals: totals5 });
    expect(renderRunReport(stopped, { totalSteps: 5, now: new Date(0) })).not.toContain('Projected');
    const markdown = renderRunReport(stopped, { totalSteps: 6, now: new Date(0), resumeCommand: 'maker resume --store s 7' });
    expect(markdown).toContain('| Projected to 6 steps | | | $0.01 |');
    expect(markdown).toContain('\nResume with `maker resume --store s 7`.\n');
    expect(markdown.split('\n')).toContain('| Steps | 5 of 6 decided, 1 wrong by the oracle |');
    expect(renderRunReport(stopped, { now: new Date(0) }).split('\n')).toContain('| Steps | 5 decided, 1 wrong by the oracle |');
    expect(renderRunReport(stopped, { now: new Date(0), totalSteps: 200 })).toContain('| Projected to 200 steps | | | $0.42 |');
  });

  it('lists every red-flag rule of a hard step', () => {
    const step = { step: 7, samples: 5, rounds: 2, votes: 2, redFlags: { long: 1, format: 2 }, tally: [['k', 2]] as const, correct: false, costUsd: 0.01 };
    const markdown = renderRunReport(emptyReport({ hardest: [step] }), { now: new Date(0) });
    expect(markdown.split('\n')).toContain('| 7 | 5 | 2 | long 1, format 2 | **wrong** | $0.0100 | 2 × `k` |');
  });

  it('says where the run stands', () => {
    expect(describeStatus({ kind: 'finished', solved: true })).toBe('finished: solved');
    expect(describeStatus({ kind: 'finished', solved: false })).toBe('finished: not solved');
    expect(describeStatus({ kind: 'stopped', reason: 'interrupted' })).toBe('stopped (interrupted); resumable');
    expect(describeStatus({ kind: 'failed', error: 'no quorum' })).toBe('failed (no quorum); resumable');
    expect(describeStatus({ kind: 'running' })).toBe('running, or died without a final snapshot; resumable');
  });
});
