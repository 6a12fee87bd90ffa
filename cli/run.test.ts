import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './testing.ts';

describe('maker run hanoi', () => {
  it('solves and prints one JSON object with the documented fields, exit 0', async () => {
    const { code, stdout, stderr } = await runCli(['run', 'hanoi', '--disks', '6', '--seed', '1', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    for (const field of ['task', 'steps', 'solved', 'errors', 'samples', 'redFlags', 'promptTokens', 'completionTokens', 'costUsd', 'seed', 'wallMs']) {
      expect(summary).toHaveProperty(field);
    }
    expect(summary).toMatchObject({ task: 'hanoi', steps: 63, solved: true, errors: 0, seed: 1, model: 'sim:gpt-4.1-mini' });
  });

  it('prints a human summary by default', async () => {
    const { code, stdout } = await runCli(['run', 'hanoi', '--disks', '3', '--no-progress']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^hanoi: solved in 7 steps with 0 errors/);
  });

  it('exits 1 when the run fails', async () => {
    const { code, stdout } = await runCli(['run', 'hanoi', '--disks', '6', '--k', '1', '--model', 'sim:gpt-4.1-nano', '--max-output-tokens', '5000', '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ solved: false });
  });

  it.each([
    [['run', 'hanoi', '--disks', '0'], /--disks to be an integer from 1 to 30, got `0`/],
    [['run', 'hanoi', '--disks', 'x'], /got `x`/],
    [['run', 'hanoi', '--disks', '3', '--k', '0'], /--k to be an integer from 1 to 1000, got `0`/],
    [['run', 'hanoi', '--disks', '3', '--model', 'sim:nope'], /Unknown model profile `nope`/],
    [['run', 'hanoi', '--disks', '3', '--model', 'gpt'], /sim:PROFILE or openai:NAME, got `gpt`/],
    [['run', 'hanoi'], /Expected --disks \(the number of disks\), got none/],
    [['run', 'hanoi', '--disks', '3', '--bogus'], /unknown option '--bogus'/],
  ])('rejects bad input %j with one line and exit 2', async (args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});

describe('maker run with a task module', () => {
  it('runs a module by path, and refuses sim: for a task that has no simulated behaviour, saying what to do', async () => {
    const { code, stdout } = await runCli(['run', 'examples/pairwise-sum.ts', '--count', '8', '--k', '2', '--json', '--no-progress']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ task: 'pairwise-sum', solved: true, steps: 7 });
    const dir = mkdtempSync(join(tmpdir(), 'maker-module-'));
    try {
      const file = join(dir, 'nosim.mjs');
      writeFileSync(file, "export default { name: 'nosim', totalSteps: 1, initialState: () => 0, prompt: () => [{ role: 'user', content: 'x' }], parse: () => ({ ok: true, key: 'a', value: 1 }), absorb: () => 1, done: (s) => s === 1, solved: () => true };\n");
      const refused = await runCli(['run', file]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^maker: Task `nosim` has no simulated behaviour, so it cannot run on a sim: model; run it against an endpoint/);
      const missing = await runCli(['run', join(dir, 'absent.ts')]);
      expect(missing).toMatchObject({ code: 2 });
      expect(missing.stderr).toMatch(/^maker: Cannot (find|load) the task module/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
