/**
 * A run must outlive its process. These tests run `maker` in child processes and kill them: with SIGKILL at
 * random moments (nothing can be flushed or cleaned up), and with SIGINT (the graceful stop), resuming each
 * time, and compare the end with an uninterrupted run of the same seed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanJournal } from '../durable/journal.ts';
import { randomStream } from '../core/rng.ts';
import { runPaths } from '../durable/run-dir.ts';
import { readSnapshot } from '../durable/snapshot.ts';
import { runCli } from './testing.ts';

const MAKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'maker.js');
const RUN = ['run', 'hanoi', '--disks', '10', '--seed', '7', '--no-progress'];

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'maker-kill-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * Runs `maker ...args` in a child process; `killWhen` is polled every 2 ms and, once true, the child gets
 * `signal`.
 */
function maker(args: readonly string[], killWhen?: () => boolean, signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAKER, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const poll =
      killWhen === undefined
        ? undefined
        : setInterval(() => {
            if (killWhen()) {
              clearInterval(poll);
              child.kill(signal);
            }
          }, 2);
    child.on('error', reject);
    child.on('close', (code, exitSignal) => {
      clearInterval(poll);
      resolve({ code, signal: exitSignal, stderr });
    });
  });
}

/** The uninterrupted run's journal and final snapshot, run in process. */
async function reference(): Promise<{ journal: Buffer; snapshot: ReturnType<typeof readSnapshot> }> {
  const dir = join(root, 'reference');
  const { code } = await runCli([...RUN, '--run-dir', dir]);
  expect(code).toBe(0);
  return { journal: readFileSync(runPaths(dir).journal), snapshot: readSnapshot(runPaths(dir).snapshot) };
}

/** A snapshot without what is real time or real spend (calls made for steps in progress at a kill count there). */
const withoutWallTime = (snapshot: ReturnType<typeof readSnapshot>) => ({ ...snapshot, wallMs: undefined, spent: undefined });

describe('a journaled run killed and resumed', () => {
  it('loses no step and repeats none when SIGKILLed at random moments, ending exactly as the uninterrupted run', async () => {
    const seed = 20_251_121;
    const random = randomStream(seed);
    const expected = await reference();
    const dir = join(root, 'run');
    const paths = runPaths(dir);
    const kills: string[] = [];
    let records = 0;
    for (let session = 0; ; session++) {
      expect(session, `seed ${seed}: too many sessions`).toBeLessThan(20);
      const args = existsSync(paths.config) ? ['resume', dir, '--no-progress'] : [...RUN, '--run-dir', dir, '--force'];
      // Kill once the journal passes a random point of what is left to write. About one kill in ten lands
      // before the child has written anything: during start-up, or while it verifies and replays the journal.
      const start = sizeOf(paths.journal);
      const target = start + (random() * 1.1 - 0.1) * 0.95 * (expected.journal.length - start);
      const kill = kills.length < 6 ? () => sizeOf(paths.journal) >= target : undefined;
      const exit = await maker(args, kill);
      if (exit.signal === 'SIGKILL') {
        const scan = scanJournal(paths.journal);
        kills.push(`${args[0]} killed at ${scan.records} records`);
        expect(scan.records, `seed ${seed}: ${kills.join('; ')}`).toBeGreaterThanOrEqual(records);
        records = scan.records;
        continue;
      }
      expect(exit, `seed ${seed}: ${kills.join('; ')}`).toMatchObject({ code: 0, signal: null });
      break;
    }
    expect(kills.length, `seed ${seed}: ${kills.join('; ')}`).toBeGreaterThanOrEqual(4);
    const journal = readFileSync(paths.journal);
    expect(scanJournal(paths.journal).records).toBe(1023);
    expect(journal.equals(expected.journal), `seed ${seed}: ${kills.join('; ')}`).toBe(true);
    expect(withoutWallTime(readSnapshot(paths.snapshot))).toEqual(withoutWallTime(expected.snapshot));
  });

  it('stops cleanly on SIGINT, exits 130 with how to resume, and resumes to the same end', async () => {
    const expected = await reference();
    const dir = join(root, 'run');
    const paths = runPaths(dir);
    const exit = await maker([...RUN, '--run-dir', dir], () => sizeOf(paths.journal) > expected.journal.length / 3, 'SIGINT');
    expect(exit.code).toBe(130);
    expect(exit.stderr).toMatch(new RegExp(`maker: stopped at step \\d+ of 1023 \\(interrupted by SIGINT\\); resume with: maker resume ${dir}\\n$`));
    const snapshot = readSnapshot(paths.snapshot)!;
    expect(snapshot.status).toEqual({ kind: 'stopped', reason: 'interrupted' });
    expect(snapshot.journalBytes).toBe(sizeOf(paths.journal));
    expect(existsSync(paths.lock)).toBe(false);
    const resumed = await maker(['resume', dir, '--no-progress']);
    expect(resumed.code).toBe(0);
    expect(readFileSync(paths.journal).equals(expected.journal)).toBe(true);
  });
});

/** The `--json` summary of a run without what is real time, real spend or where it ran. */
const comparable = (json: string) => {
  const { wallMs: _w, budget: _b, runDir: _r, resumedFrom: _f, ...rest } = JSON.parse(json) as Record<string, unknown>;
  return rest;
};

/** Runs `maker ...args` to its end in a child process and returns its stdout. */
function makerOut(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.each([
  ['a user task module (graph)', ['run', 'examples/pairwise-sum.ts', '--count', '1024', '--k', '2', '--concurrency', '8', '--seed', '3', '--no-progress', '--json']],
  ['convexity (a batch of graphs)', ['run', 'convexity', '--depth', '12', '--count', '16', '--concurrency', '6', '--seed', '3', '--no-progress', '--json']],
])('%s journaled, killed with SIGKILL and resumed', (_name, run) => {
  it('ends with the totals and answer of an uninterrupted run', async () => {
    const whole = await makerOut([...run, '--run-dir', join(root, 'whole')]);
    expect(whole.code, whole.stderr).toBe(0);
    const expected = comparable(whole.stdout);
    const dir = join(root, 'run');
    const paths = runPaths(dir);
    const full = sizeOf(runPaths(join(root, 'whole')).journal);
    let kills = 0;
    for (const fraction of [0.2, 0.5, 0.8]) {
      const args = existsSync(paths.config) ? ['resume', dir, '--no-progress', '--json'] : [...run, '--run-dir', dir];
      const exit = await maker(args, () => sizeOf(paths.journal) >= fraction * full);
      if (exit.signal === 'SIGKILL') kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    const resumed = await makerOut(['resume', dir, '--no-progress', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(comparable(resumed.stdout)).toEqual(expected);
  });
});
