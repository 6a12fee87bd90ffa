import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHanoiTask, hanoiSim } from '../tasks/hanoi/index.ts';
import { startDurableRun } from './durable-run.ts';
import { JournalCorruptError } from '../core/errors.ts';
import { scanJournal } from './journal.ts';
import type { JournalRecord } from './journal-record.ts';
import { taskFingerprint } from './run-config.ts';
import { runPaths } from './run-dir.ts';
import { buildRunReport, renderRunReport } from './run-report.ts';
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
