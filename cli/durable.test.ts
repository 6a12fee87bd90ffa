import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChatServer } from '../testing/chat-server.ts';
import { startDurableRun } from '../durable/durable-run.ts';
import { readRunConfig, runPaths } from '../durable/run-dir.ts';
import { createSimModel } from '../models/sim-model.ts';
import { hanoiDefinition } from '../tasks/hanoi/definition.ts';
import { createHanoiTask, hanoiSim } from '../tasks/hanoi/index.ts';
import { dispatcherFor, runConfigFor } from './durable.ts';
import { resolveCommonRunOptions } from './run-options.ts';
import { runCli } from './testing.ts';

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'maker-cli-durable-'));
  dir = join(root, 'run');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const RUN = ['run', 'hanoi', '--disks', '7', '--seed', '5', '--no-progress'];
/**
 * Fields that are real time (wall time; the budget's spend, which includes seconds) or name the directory:
 * everything else must match between run, resume and report.
 */
const REAL = ['wallMs', 'budget', 'runDir', 'resumedFrom'];
const withoutTiming = (summary: Record<string, unknown>, also: readonly string[] = []) =>
  Object.fromEntries(Object.entries(summary).filter(([key]) => !REAL.includes(key) && !also.includes(key)));

/** Stops a 7-disk run of `RUN`'s configuration at `steps`, through the library, as a budget stop would. */
async function stoppedRun(steps: number): Promise<void> {
  const task = createHanoiTask({ disks: 7 });
  const options = resolveCommonRunOptions({ model: 'sim:gpt-4.1-mini', k: '3', seed: '5', maxOutputTokens: '750', contextBudget: '8192', maxSamples: '200' });
  const config = runConfigFor({ definition: hanoiDefinition, task, taskOptions: { disks: 7 } }, options);
  await startDurableRun({
    dir,
    task,
    dispatcher: dispatcherFor(config, hanoiDefinition, undefined, options.dispatch),
    config,
    run: { shouldStop: (totals) => (totals.steps >= steps ? 'budget: test' : undefined) },
  });
}

describe('maker run --run-dir, maker resume, maker report', () => {
  it('journals a run: the same summary as without a run directory, plus where it lives', async () => {
    const plain = JSON.parse((await runCli([...RUN, '--json'])).stdout) as Record<string, unknown>;
    const { code, stdout, stderr } = await runCli([...RUN, '--json', '--run-dir', dir]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const journaled = JSON.parse(stdout) as Record<string, unknown>;
    expect(withoutTiming(journaled)).toEqual(withoutTiming(plain));
    expect(journaled['runDir']).toBe(dir);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'journal.jsonl', 'snapshot.json']);
    expect(readRunConfig(dir)).toMatchObject({ task: 'hanoi', taskOptions: { disks: 7 }, seed: 5, k: 3, model: 'sim:gpt-4.1-mini' });
  });

  it('never writes the API key into the run directory, only the name of its variable', async () => {
    const task = createHanoiTask({ disks: 2 });
    const server = await startChatServer({ model: createSimModel({ behaviour: hanoiSim, seed: 1 }) });
    try {
      const secret = 'sk-test-do-not-store-0123456789';
      const { code } = await runCli(['run', 'hanoi', '--disks', '2', '--model', 'openai:gpt-4.1-mini', '--base-url', server.url, '--api-key', secret, '--run-dir', dir, '--no-progress']);
      expect(code).toBe(0);
      for (const name of readdirSync(dir)) expect(readFileSync(join(dir, name), 'utf8')).not.toContain(secret);
      expect(readRunConfig(dir)).toMatchObject({ apiKeyEnv: 'OPENAI_API_KEY', baseURL: server.url });
    } finally {
      await server.close();
    }
  });

  it('refuses to overwrite a run directory without --force, changing nothing', async () => {
    await stoppedRun(20);
    const before = readFileSync(runPaths(dir).journal);
    const refused = await runCli([...RUN, '--run-dir', dir]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/is not empty: it holds a hanoi run .* at step 20, stopped; resume it with `maker resume .*`\. Pass --force to overwrite it/);
    expect(readFileSync(runPaths(dir).journal).equals(before)).toBe(true);
    const forced = await runCli([...RUN, '--run-dir', dir, '--force']);
    expect(forced.code).toBe(0);
  });

  it('refuses --force without --run-dir', async () => {
    const { code, stderr } = await runCli([...RUN, '--force']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--force only with --run-dir/);
  });

  it('resumes a stopped run to the uninterrupted run, printing the same fields as maker run', async () => {
    const whole = JSON.parse((await runCli([...RUN, '--json'])).stdout) as Record<string, unknown>;
    await stoppedRun(40);
    const { code, stdout, stderr } = await runCli(['resume', dir, '--json', '--no-progress']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^maker: resumed .* at step 40 \(replayed 0 journal records after the latest snapshot\)\n$/);
    const resumed = JSON.parse(stdout) as Record<string, unknown>;
    expect(withoutTiming(resumed)).toEqual(withoutTiming(whole));
    expect(resumed['resumedFrom']).toBe(40);
  });

  it('stops at a budget with how to resume, and resumes under a raised budget, which caps the whole run', async () => {
    const whole = JSON.parse((await runCli([...RUN, '--json'])).stdout) as Record<string, unknown>;
    const stopped = await runCli([...RUN, '--json', '--run-dir', dir, '--budget-calls', '150']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/maker: stopped at step \d+ of 127 \(budget: calls\); resume with: maker resume /);
    const first = JSON.parse(stopped.stdout) as { steps: number; budget: { calls: { spent: number } } };
    expect(first.budget.calls.spent).toBeLessThanOrEqual(150);
    // The same cap again: the spend carries over, so not one more call is allowed.
    const again = JSON.parse((await runCli(['resume', dir, '--json', '--no-progress', '--budget-calls', '150'])).stdout) as { steps: number };
    expect(again.steps).toBe(first.steps);
    const raised = await runCli(['resume', dir, '--json', '--no-progress', '--budget-calls', '1000']);
    expect(raised.code).toBe(0);
    const resumed = JSON.parse(raised.stdout) as Record<string, unknown> & { budget: { calls: { spent: number } } };
    expect(resumed.budget.calls.spent).toBeGreaterThan(first.budget.calls.spent);
    // Calls made for the step the budget interrupted are spent again: real spend, not a total of decided steps.
    expect(withoutTiming(resumed, ['calls'])).toEqual(withoutTiming(whole, ['calls']));
  });

  it('ends a run stopped by an error with the error and how to resume', async () => {
    const args = ['run', 'hanoi', '--disks', '6', '--model', 'sim:gpt-4.1-nano', '--max-samples', '4', '--no-progress', '--run-dir', dir];
    const { code, stderr } = await runCli(args);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^maker: Step (\d+) undecided after 4 samples .*\nmaker: stopped at step \1 of 63 by that error; resume with: maker resume .*\n$/);
  });

  it('says so when there is nothing left to resume', async () => {
    await runCli([...RUN, '--run-dir', dir]);
    const { code, stderr } = await runCli(['resume', dir, '--no-progress']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/nothing to resume: the run in .* finished at step 127/);
  });

  it('refuses to resume as a different run, naming what differs', async () => {
    await stoppedRun(10);
    const { code, stdout, stderr } = await runCli(['resume', dir, '--k', '4', '--seed', '6', '--no-progress']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/holds a different run: k: 3 in the run directory, 4 now; seed: 5 in the run directory, 6 now/);
  });

  it('refuses to resume a directory that holds no run', async () => {
    const { code, stderr } = await runCli(['resume', root, '--no-progress']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/is not a run directory: it has no config\.json/);
  });

  it('reports a run under the field names of maker run, and writes report.md', async () => {
    const whole = JSON.parse((await runCli([...RUN, '--json'])).stdout) as Record<string, unknown>;
    await stoppedRun(40);
    await runCli(['resume', dir, '--no-progress']);
    const { code, stdout } = await runCli(['report', dir, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    expect(withoutTiming(report)).toMatchObject(withoutTiming(whole));
    expect(report).toMatchObject({ status: 'finished', snapshotStep: 127, reportFile: runPaths(dir).report });
    expect((report['hardestSteps'] as unknown[]).length).toBe(10);
    const markdown = readFileSync(runPaths(dir).report, 'utf8');
    for (const heading of ['# Run report: hanoi (disks = 7)', '## Samples per step', '## Red flags by rule', '## The 10 hardest steps', '## Cost']) {
      expect(markdown).toContain(heading);
    }
  });

  it('reports a stopped run with how to resume it', async () => {
    await stoppedRun(30);
    const { code, stdout } = await runCli(['report', dir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/NOT solved after 30 steps .*stopped: budget: test/);
    expect(stdout).toMatch(/status {7}stopped \(budget: test\); resumable/);
    expect(readFileSync(runPaths(dir).report, 'utf8')).toContain(`Resume with \`maker resume ${dir}\``);
    expect(existsSync(runPaths(dir).lock)).toBe(false);
  });
});
