/**
 * A run directory the system will not let us use as we need (a full disk, a read-only mount, an unreadable
 * file): one line naming the path and the system's reason, never a stack trace, and nothing left half-written.
 * A read-only mount or a full disk needs privileges to set up, so these tests make the same system calls fail
 * with a directory where a file should be, and with /dev/full, whose writes fail with ENOSPC.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPaths } from '../durable/run-dir.ts';
import { runCli, type CliOutcome } from './testing.ts';

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'maker-io-'));
  dir = join(root, 'run');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A 3-disk run stopped by its call budget before its first step. */
async function stoppedRun(): Promise<void> {
  const { code } = await runCli(['run', 'hanoi', '--disks', '3', '--budget-calls', '0', '--run-dir', dir, '--no-progress']);
  expect(code).toBe(1);
}

function expectNoStack(outcome: CliOutcome): void {
  expect(outcome.stderr).not.toMatch(/^\s+at /m);
  expect(outcome.stderr).not.toContain('unexpected error');
}

describe('maker report', () => {
  it('still prints the report when report.md cannot be written, says so in one line, and leaves no temporary file', async () => {
    await stoppedRun();
    mkdirSync(runPaths(dir).report);
    const outcome = await runCli(['report', dir, '--json']);
    expectNoStack(outcome);
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toMatch(/^maker: could not write .*report\.md \(EISDIR\); the report is printed only\n$/);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ reportFile: null, status: 'stopped' });
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('writes nothing with --no-write', async () => {
    await stoppedRun();
    const outcome = await runCli(['report', dir, '--no-write']);
    expect(outcome.code).toBe(0);
    expect(existsSync(runPaths(dir).report)).toBe(false);
  });

  it('names a journal it cannot read in one line', async () => {
    await stoppedRun();
    rmSync(runPaths(dir).journal);
    mkdirSync(runPaths(dir).journal);
    const outcome = await runCli(['report', dir]);
    expectNoStack(outcome);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^maker: EISDIR: illegal operation on a directory, read\n$/);
  });
});

describe('maker resume', () => {
  it('refuses a run directory it cannot write to, in one line, exit 2', async () => {
    await stoppedRun();
    mkdirSync(runPaths(dir).lock);
    const outcome = await runCli(['resume', dir, '--no-progress']);
    expectNoStack(outcome);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/^maker: Cannot write to the run directory .*: EISDIR.*; a run needs a directory it can write \(copy it somewhere writable and resume there\)\n$/);
  });

  it('names a config.json it cannot read rather than calling the directory no run directory', async () => {
    await stoppedRun();
    rmSync(runPaths(dir).config);
    mkdirSync(runPaths(dir).config);
    const outcome = await runCli(['resume', dir, '--no-progress']);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/^maker: Cannot read the run directory .*: EISDIR/);
  });

  it.runIf(existsSync('/dev/full'))('stops on a full disk with the reason and how to resume, in at most three lines', async () => {
    await stoppedRun();
    rmSync(runPaths(dir).journal);
    symlinkSync('/dev/full', runPaths(dir).journal);
    const outcome = await runCli(['resume', dir, '--no-progress']);
    expectNoStack(outcome);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
    expect(outcome.stderr).toMatch(/ENOSPC: no space left on device/);
    expect(outcome.stderr).toMatch(/resume with: maker resume /);
  });
});
