/**
 * A run kept in PostgreSQL must outlive its machine. These tests run `maker` in child processes, each in its own
 * process group and working directory, kill whole groups with SIGKILL (as a machine loss would: nothing is
 * flushed or cleaned up), and continue the run from the store alone in another directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomStream } from '../core/rng.ts';
import { connectStore } from '../durable/pg-store.ts';
import { createTestDatabase, storeTestsEnabled, type TestDatabase } from '../durable/pg-test-database.ts';
import { createSimModel } from '../models/sim-model.ts';
import { hanoiSim } from '../tasks/hanoi/index.ts';
import { startChatServer } from '../testing/chat-server.ts';
import { runCli } from './testing.ts';

const enabled = await storeTestsEnabled();
const MAKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'maker.js');

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `maker ...args` in a child process leading its own process group, in `cwd`. */
function maker(args: readonly string[], cwd: string): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(process.execPath, [MAKER, ...args], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exit };
}

/** SIGKILL to the whole process group the child leads. */
const killGroup = (child: ChildProcess) => process.kill(-child.pid!, 'SIGKILL');

/** Fields of `--json` that are real time, not decisions. */
const decisions = (json: Record<string, unknown>) => {
  const { wallMs: _wall, store: _store, runId: _runId, resumedFrom: _from, status: _status, snapshotStep: _snap, latencyMs: _latency, hardestSteps: _hard, tornTailBytes: _torn, reportFile: _file, ...rest } = json;
  return rest;
};

describe.skipIf(!enabled)('a run kept in PostgreSQL, its driver killed', () => {
  let database: TestDatabase;
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'maker-store-kill-'));
    dirs.push(dir);
    return dir;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Decided calls the store holds for a run. */
  const storedCalls = async (runId: string) => {
    const client = await connectStore(database.url);
    try {
      const { rows } = await client.query<{ n: string | null }>(`SELECT max(last_step) + 1 AS n FROM maker.call WHERE run_id = $1`, [runId]).catch(() => ({ rows: [] }));
      return Number(rows[0]?.n ?? 0);
    } finally {
      await client.end();
    }
  };
  const until = async (condition: () => Promise<boolean>, what: string, timeoutMs = 180_000) => {
    const began = Date.now();
    while (!(await condition())) {
      if (Date.now() - began > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it(
    'a 14-disk run SIGKILLed with its whole process group is resumed by a fresh process elsewhere from the store alone, to the uninterrupted totals',
    async () => {
      const seed = 20_261_201;
      const random = randomStream(seed);
      const RUN = ['run', 'hanoi', '--disks', '14', '--seed', '5', '--no-progress'];
      const reference = await runCli([...RUN, '--json']);
      expect(reference.code).toBe(0);
      const expected = JSON.parse(reference.stdout) as Record<string, unknown>;

      const first = freshDir();
      const driver = maker([...RUN, '--store', database.url, '--run-id', 'k14'], first);
      const target = 2_000 + Math.floor(random() * 12_000);
      await until(async () => (await storedCalls('k14')) >= target, `${target} stored calls (seed ${seed})`);
      killGroup(driver.child);
      expect((await driver.exit).signal, `seed ${seed}`).toBe('SIGKILL');
      const atKill = await storedCalls('k14');
      expect(atKill).toBeLessThan(16_383);

      // Another directory, nothing in it: the store is all the new process has.
      const second = freshDir();
      const resumed = await maker(['resume', '--store', database.url, '--run-id', 'k14', '--no-progress', '--json'], second).exit;
      expect(resumed.code, resumed.stderr).toBe(0);
      // Killed inside a segment, the resume takes that segment's workflow over; killed between two segments (the
      // first one done and snapshotted, the next not yet started), there is nothing to take over.
      const takeover = atKill % 10_000 === 0 ? '' : '; took over run:k14:segment:\\d+ \\(left by driver-';
      expect(resumed.stderr).toMatch(new RegExp(`^maker: resumed run k14 of the store at step ${atKill} \\(replayed \\d+ stored calls after the latest snapshot${takeover}`));
      expect(readdirSync(second)).toEqual([]);
      expect(decisions(JSON.parse(resumed.stdout) as Record<string, unknown>)).toEqual(decisions(expected));

      const report = await maker(['report', '--store', database.url, '--run-id', 'k14', '--json'], freshDir()).exit;
      expect(report.code, report.stderr).toBe(0);
      const reported = JSON.parse(report.stdout) as Record<string, unknown>;
      expect(reported['status']).toBe('finished');
      expect(decisions(reported)).toEqual(decisions(expected));
      expect(await storedCalls('k14')).toBe(16_383);
    },
    400_000,
  );

  it(
    'two processes never drive one run: the second is refused while the first lives, a third waits and takes over once it is killed',
    async () => {
      // A slow endpoint (4 ms a call), so the first driver is still driving while the others start.
      const server = await startChatServer({ model: createSimModel({ behaviour: hanoiSim, seed: 9, parameters: { latencyMs: 4 } }) });
      try {
        const RUN = ['run', 'hanoi', '--disks', '10', '--seed', '9', '--model', 'openai:gpt-4.1-mini', '--base-url', server.url, '--api-key', 'test-key', '--no-progress'];
        const reference = await runCli([...RUN, '--json']);
        expect(reference.code, reference.stderr).toBe(0);
        const expected = JSON.parse(reference.stdout) as Record<string, unknown>;

        const first = maker([...RUN, '--store', database.url, '--run-id', 'duel', '--segment-size', '300'], freshDir());
        await until(async () => (await storedCalls('duel')) >= 50, 'the first driver to decide calls');

        const refused = await maker(['resume', '--store', database.url, '--run-id', 'duel', '--api-key', 'test-key', '--no-progress'], freshDir()).exit;
        expect(refused.code).toBe(2);
        expect(refused.stderr).toMatch(/^maker: Run duel in the store .* is being driven by another process; wait for it to end, or pass --wait to continue the run when it does\n$/);
        expect(first.child.exitCode).toBe(null);

        const waiter = maker(['resume', '--store', database.url, '--run-id', 'duel', '--wait', '--api-key', 'test-key', '--no-progress', '--json'], freshDir());
        let waiting = '';
        waiter.child.stderr!.on('data', (chunk: Buffer) => (waiting += chunk.toString()));
        await until(async () => waiting.includes('maker: run duel is driven by another process; waiting for it to end\n'), 'the third process to wait');
        // While the third waits, the first goes on alone.
        const before = await storedCalls('duel');
        await until(async () => (await storedCalls('duel')) >= before + 100, 'the first driver to go on');
        expect(first.child.exitCode).toBe(null);
        expect(waiter.child.exitCode).toBe(null);
        killGroup(first.child);
        await first.exit;
        const atKill = await storedCalls('duel');
        expect(atKill).toBeLessThan(1023);

        const end = await waiter.exit;
        expect(end.code, end.stderr).toBe(0);
        expect(end.stderr).toMatch(/maker: run duel is free after waiting [\d.]+ s; driving it\n/);
        expect(end.stderr).toMatch(new RegExp(`maker: resumed run duel of the store at step ${atKill} .*took over run:duel:segment:\\d+ \\(left by driver-`));
        expect(decisions(JSON.parse(end.stdout) as Record<string, unknown>)).toEqual(decisions(expected));
      } finally {
        await server.close();
      }
    },
    300_000,
  );
});
