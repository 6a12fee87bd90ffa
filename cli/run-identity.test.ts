/**
 * A journal or snapshot belongs to its run: one copied from another run directory (another seed, another
 * task) is refused by name, never replayed as this run's.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRunConfig, runPaths } from '../durable/run-dir.ts';
import { runCli } from './testing.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'maker-identity-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A 5-disk run with seed `seed`, stopped by its call budget. */
async function stopped(name: string, seed: number, calls: number): Promise<string> {
  const dir = join(root, name);
  const { code } = await runCli(['run', 'hanoi', '--disks', '5', '--seed', String(seed), '--budget-calls', String(calls), '--run-dir', dir, '--no-progress']);
  expect(code).toBe(1);
  return dir;
}

describe('a run directory', () => {
  it('records an id for its run, which differs when anything that decides the run does', async () => {
    const a = await stopped('a', 1, 10);
    const b = await stopped('b', 2, 10);
    expect(readRunConfig(a).runId).toMatch(/^[0-9a-f]{16}$/);
    expect(readRunConfig(a).runId).not.toBe(readRunConfig(b).runId);
  });

  it('refuses to resume with a journal copied from another run', async () => {
    const other = await stopped('other', 1, 60);
    const mine = await stopped('mine', 2, 0);
    copyFileSync(runPaths(other).journal, runPaths(mine).journal);
    const { code, stdout, stderr } = await runCli(['resume', mine, '--no-progress']);
    expect(stderr).toMatch(/journal\.jsonl, line 1 \(byte 0\): the journal belongs to another run \(run [0-9a-f]{16}; this directory's run is [0-9a-f]{16}\)/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(code).toBe(1);
    expect(stdout).toBe('');
  });

  it('refuses to resume with a snapshot copied from another run', async () => {
    const other = await stopped('other', 1, 60);
    const mine = await stopped('mine', 2, 0);
    copyFileSync(runPaths(other).snapshot, runPaths(mine).snapshot);
    copyFileSync(runPaths(other).journal, runPaths(mine).journal);
    const { code, stderr } = await runCli(['resume', mine, '--no-progress']);
    expect(stderr).toMatch(/snapshot\.json, line 1 \(byte 0\): the snapshot belongs to another run/);
    expect(code).toBe(1);
  });
});

describe('maker report', () => {
  it('refuses a journal copied from another run too', async () => {
    const other = await stopped('other', 1, 60);
    const mine = await stopped('mine', 2, 0);
    copyFileSync(runPaths(other).journal, runPaths(mine).journal);
    const { code, stderr } = await runCli(['report', mine]);
    expect(stderr).toMatch(/the journal belongs to another run/);
    expect(code).toBe(1);
  });
});
