import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makerDataFile } from '../tasks/problem-sets/index.ts';
import { runCli } from './testing.ts';

const scratch = mkdtempSync(join(tmpdir(), 'maker-problem-sets-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describe('maker run multiplication', () => {
  it("runs the authors' file as it is and prints the set's summary", async () => {
    const { code, stdout } = await runCli(['run', 'multiplication', '--data', makerDataFile('mul-6x6'), '--limit', '3', '--k', '3', '--seed', '1', '--json', '--no-progress']);
    expect(code).toBe(0);
    const summary = json(stdout);
    expect(summary).toMatchObject({ task: 'multiplication', strategy: 'decomposed', total: 3, correct: 3, accuracy: 1, errors: 0, limit: 3 });
    for (const field of ['steps', 'samples', 'costUsd', 'wallMs', 'maxPromptTokens']) expect(typeof summary[field]).toBe('number');
  });

  it('runs a seeded set of its own with --digits and --count, flat', async () => {
    const { code, stdout } = await runCli(['run', 'multiplication', '--digits', '4', '--count', '3', '--strategy', 'flat', '--seed', '2', '--json', '--no-progress']);
    expect(code).toBe(0);
    expect(json(stdout)).toMatchObject({ strategy: 'flat', total: 3, steps: 3, digits: 4, count: 3 });
  });

  it.each([
    [['--data', 'x.jsonl', '--digits', '5'], /--data FILE or --digits N, got both/],
    [[], /got neither/],
    [['--digits', '5', '--limit', '2'], /--limit only with --data/],
    [['--digits', '0'], /--digits to be an integer from 1/],
    [['--digits', '5', '--strategy', 'tree'], /--strategy to be one of decomposed, flat, got `tree`/],
    [['--data', join(scratch, 'missing.jsonl')], /Cannot read data file/],
  ])('refuses %j with exit 2', async (flags, message) => {
    const { code, stderr } = await runCli(['run', 'multiplication', ...flags, '--no-progress']);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('maker run sorting', () => {
  it('gives flat answers room for the whole list by default, and says when a cap given by hand cut them', async () => {
    const flags = ['run', 'sorting', '--data', makerDataFile('sort-500'), '--limit', '1', '--strategy', 'flat', '--seed', '1', '--no-progress'];
    const room = await runCli([...flags, '--json']);
    expect(room.code).toBe(0);
    expect(json(room.stdout)).toMatchObject({ total: 1, unanswered: 0, steps: 1 });
    const cut = await runCli([...flags, '--max-output-tokens', '750']);
    expect(cut.stdout).toMatch(/1 unanswered/);
    expect(cut.stdout).toMatch(/raise --max-output-tokens/);
  });

  it('resumes a set stopped by a budget with maker resume, ending as an uninterrupted run does', async () => {
    const flags = ['run', 'sorting', '--length', '20', '--count', '3', '--seed', '3', '--json', '--no-progress'];
    const whole = json((await runCli([...flags, '--run-dir', join(scratch, 'whole')])).stdout);
    const dir = join(scratch, 'stopped');
    const stopped = await runCli([...flags, '--run-dir', dir, '--budget-calls', '150']);
    expect(stopped.code).toBe(1);
    expect(json(stopped.stdout)).toMatchObject({ stopReason: 'budget: calls' });
    const resumed = await runCli(['resume', dir, '--json', '--no-progress']);
    expect(resumed.code).toBe(0);
    const pick = ({ correct, total, steps, samples, errors, costUsd }: Record<string, unknown>) => ({ correct, total, steps, samples, errors, costUsd });
    expect(pick(json(resumed.stdout))).toEqual(pick(whole));
    expect(whole).toMatchObject({ correct: 3, total: 3 });
  });
});
