/**
 * Damage to a journal before its snapshot's position: the error's advice, followed to the letter, leads to a
 * resume that succeeds.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPaths } from '../durable/run-dir.ts';
import { runCli } from './testing.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'maker-damage-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('a journal damaged before the snapshot', () => {
  it('says to truncate it and delete the snapshot, and doing so lets the run resume to the end', async () => {
    const dir = join(root, 'run');
    const stopped = await runCli(['run', 'hanoi', '--disks', '5', '--seed', '3', '--budget-calls', '60', '--run-dir', dir, '--no-progress']);
    expect(stopped.code).toBe(1);
    // Flip one character of the third record: its checksum no longer matches, and records follow it.
    const journal = readFileSync(runPaths(dir).journal);
    const third = journal.indexOf('\n', journal.indexOf('\n') + 1) + 1;
    journal[third + 2] = journal[third + 2] === 0x31 ? 0x32 : 0x31;
    writeFileSync(runPaths(dir).journal, journal);
    const refused = await runCli(['resume', dir, '--no-progress']);
    expect(refused.code).toBe(1);
    const advice = /\(to discard it and everything after, re-deciding those steps: (truncate -s (\d+) \S+) and (rm \S+); the snapshot is past the damage, so the run then replays the journal from its start\)/.exec(refused.stderr);
    expect(advice, refused.stderr).not.toBeNull();
    const [, , offset, remove] = advice!;
    expect(Number(offset)).toBe(third);
    execFileSync('truncate', ['-s', offset!, runPaths(dir).journal]);
    execFileSync('rm', [remove!.slice(3)]);
    const resumed = await runCli(['resume', dir, '--no-progress', '--json']);
    expect(resumed.stderr).toMatch(/resumed .* at step 2 \(replayed 2 journal records/);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ solved: true, steps: 31 });
    expect(resumed.code).toBe(0);
  });
});
