/**
 * Settings that can never work are refused up front, in one line that does not contradict itself.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './testing.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'maker-refusals-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function expectRefused(args: readonly string[], message: RegExp): Promise<string> {
  const { code, stdout, stderr } = await runCli(args);
  expect(stderr).toMatch(message);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  return stderr;
}

describe('refused up front', () => {
  it('a margin k that the per-step sample cap can never reach', async () => {
    await expectRefused(['run', 'hanoi', '--disks', '3', '--k', '500'], /Expected --max-samples \(200\) to be at least --k \(500\): a step needs k votes for one answer to lead by k; raise --max-samples or lower --k/);
  });

  it('a context budget the first prompt does not fit, before a run directory is made', async () => {
    const dir = join(root, 'run');
    await expectRefused(['run', 'hanoi', '--disks', '3', '--context-budget', '10', '--run-dir', dir], /Expected --context-budget to fit the first prompt, which has \d+ tokens, got `10`/);
    expect(existsSync(dir)).toBe(false);
  });

  it('a folder that holds other files, without advising the --force that would not help', async () => {
    const dir = join(root, 'mine');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const stderr = await expectRefused(['run', 'hanoi', '--disks', '3', '--run-dir', dir], /it holds 1 file that no run wrote, such as notes\.txt, so even --force will not clear it; choose a new or empty directory/);
    expect(stderr).not.toMatch(/Pass --force/);
  });

  it('an endpoint whose apiKeyEnv names a variable that is not set', async () => {
    const file = join(root, 'endpoints.json');
    writeFileSync(file, JSON.stringify({ endpoints: [{ model: 'openai:x', baseURL: 'http://127.0.0.1:8000/v1', apiKeyEnv: 'MAKER_TEST_UNSET_KEY' }] }));
    await expectRefused(['run', 'hanoi', '--disks', '3', '--endpoints', file], /Expected the environment variable MAKER_TEST_UNSET_KEY \(`apiKeyEnv` of endpoint 1\) to hold the API key, but it is not set/);
  });
});

describe('a journaled run stopped by its context budget', () => {
  it('does not advise a resume, which could not change the budget', async () => {
    // Hanoi's first prompt here has 320 tokens and the second 325: the run starts, then stops at step 1.
    const { code, stderr } = await runCli(['run', 'hanoi', '--disks', '3', '--context-budget', '320', '--run-dir', join(root, 'run'), '--no-progress']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^maker: Prompt for step 1 has \d+ tokens, over the context budget of 320/);
    expect(stderr).toMatch(/stopped at step 1 of 7 by that error; the context budget is part of the run, so it cannot be resumed with a larger one: start it again with a larger --context-budget and --force$/m);
    expect(stderr).not.toMatch(/resume with/);
  });
});

describe('what help says', () => {
  it('gives the convexity run the context budget its strategies really get', async () => {
    const { stdout } = await runCli(['run', 'convexity', '--help']);
    expect(stdout.replace(/\s+/g, ' ')).toMatch(/accumulating's prompts grow with the expression: its context budget is 1000000 unless --context-budget is given/);
  });
});
