/**
 * Sweeps drained by workers through a PostgreSQL store: `maker bench SCENARIO --store URL` enqueues and
 * collects, `maker worker --store URL` processes (children, each its own process group) run the cases, and
 * one is killed with SIGKILL while it has a case in flight.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultDocument } from '../bench/harness/index.ts';
import { connectStore } from '../durable/pg-store.ts';
import { createTestDatabase, storeTestsEnabled, type TestDatabase } from '../durable/pg-test-database.ts';
import { createSimModel } from '../models/sim-model.ts';
import { hanoiSim } from '../tasks/hanoi/index.ts';
import { startChatServer, type RunningChatServer } from '../testing/chat-server.ts';
import { runCli } from './testing.ts';

const enabled = await storeTestsEnabled();
const MAKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'maker.js');

interface Child {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** `maker ...args` in a child process leading its own process group. */
function maker(args: readonly string[]): Child {
  const child = spawn(process.execPath, [MAKER, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OPENAI_API_KEY: 'test-key' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    child,
    output: () => stderr,
    exit: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    }),
  };
}

/** A result document's cases without what is real time. */
const casesOf = (document: ResultDocument) => JSON.parse(JSON.stringify(document.cases, (key, value: unknown) => (key === 'wallMs' ? undefined : value))) as unknown;

describe.skipIf(!enabled)('a sweep kept in PostgreSQL, drained by workers', () => {
  let database: TestDatabase;
  let server: RunningChatServer;
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'maker-worker-'));
    dirs.push(dir);
    return dir;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    // An endpoint slow enough (10 ms a call) that a worker can be killed in the middle of a case.
    server = await startChatServer({ model: createSimModel({ behaviour: hanoiSim, seed: 1, parameters: { latencyMs: 10 } }) });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'does every case exactly once with one of two workers SIGKILLed mid-case, with the results of a single-process sweep',
    async () => {
      const SWEEP = ['bench', 'error-vs-k', '--size', 'test', '--seed', '3', '--model', 'openai:gpt-4.1-mini', '--base-url', server.url];
      const referenceDir = freshDir();
      const reference = await runCli([...SWEEP, '--api-key', 'test-key', '--out', referenceDir, '--json', '--no-progress']);
      expect(reference.code, reference.stderr).toBe(0);
      const expected = JSON.parse(reference.stdout) as ResultDocument;

      const outDir = freshDir();
      const bench = maker([...SWEEP, '--store', database.url, '--out', outDir, '--json']);
      // Workers that leave when idle start once the cases are queued.
      for (const began = Date.now(); !bench.output().includes('waiting for workers'); ) {
        expect(Date.now() - began, bench.output()).toBeLessThan(120_000);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const workerArgs = ['worker', '--store', database.url, '--exit-when-idle', '--reap-every', '300'];
      const doomed = maker(workerArgs);
      const survivor = maker(workerArgs);

      const client = await connectStore(database.url);
      try {
        // Kill the first worker once a case is done somewhere and it is in the middle of one.
        const began = Date.now();
        let victim: string | undefined;
        for (;;) {
          expect(Date.now() - began, `${doomed.output()}\n${survivor.output()}`).toBeLessThan(180_000);
          const id = /maker worker: worker (\S+): taking cases/.exec(doomed.output())?.[1];
          if (id !== undefined) {
            const { rows } = await client
              .query<{ mine: number; done: number }>(
                `SELECT count(*) FILTER (WHERE executor = $1 AND result IS NULL)::int AS mine, count(*) FILTER (WHERE result IS NOT NULL)::int AS done FROM maker.sweep_case`,
                [id],
              )
              .catch(() => ({ rows: [] as { mine: number; done: number }[] }));
            if (rows[0] !== undefined && rows[0].mine > 0 && rows[0].done > 0) {
              victim = id;
              break;
            }
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        process.kill(-doomed.child.pid!, 'SIGKILL');
        expect((await doomed.exit).signal).toBe('SIGKILL');

        const survived = await survivor.exit;
        expect(survived.code, survived.stderr).toBe(0);
        expect(survived.stderr).toMatch(/maker worker: took over sweep:error-vs-k-[0-9a-f]+:case:\S+, left by a worker that died/);
        const collected = await bench.exit;
        expect(collected.code, collected.stderr).toBe(0);

        // Exactly once: one result per case, each case's workflow ended once, and the killed worker's case was
        // started twice but decided once.
        const { rows: cases } = await client.query<{ case_id: string; attempts: number; executor: string; has_result: boolean }>(
          `SELECT case_id, attempts, executor, result IS NOT NULL AS has_result FROM maker.sweep_case ORDER BY case_id`,
        );
        expect(cases).toHaveLength(expected.cases.length);
        expect(cases.every((row) => row.has_result)).toBe(true);
        expect(cases.filter((row) => row.attempts === 2)).toHaveLength(1);
        expect(cases.filter((row) => row.attempts > 2)).toHaveLength(0);
        const retried = cases.find((row) => row.attempts === 2)!;
        expect(retried.executor).not.toBe(victim);
        const { rows: workflows } = await client.query<{ status: string; n: number }>(
          `SELECT status, count(*)::int AS n FROM maker_dbos.workflow_status WHERE workflow_uuid LIKE 'sweep:%' GROUP BY status`,
        );
        expect(workflows).toEqual([{ status: 'SUCCESS', n: expected.cases.length }]);

        // The same results as the single-process sweep, save real time.
        const document = JSON.parse(collected.stdout) as ResultDocument;
        expect(document.summary).toEqual(expected.summary);
        expect(casesOf(document)).toEqual(casesOf(expected));
        expect(JSON.parse(readFileSync(join(outDir, 'error-vs-k.json'), 'utf8')).summary).toEqual(expected.summary);
        expect(document.provenance.command).toBe(`${expected.provenance.command} --store URL`);
      } finally {
        await client.end();
      }
    },
    300_000,
  );

  it('refuses --store with --shard, and a worker without --store', async () => {
    const shard = await runCli(['bench', 'scaling', '--store', database.url, '--shard', '1/2']);
    expect(shard.code).toBe(2);
    expect(shard.stderr).toBe('maker: Expected --store without --shard: workers share out a stored sweep\'s cases themselves\n');
    const worker = await runCli(['worker']);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toMatch(/--store/);
    const bad = await runCli(['worker', '--store', 'mysql://x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('maker: Expected --store to be a postgres://USER@HOST:PORT/DATABASE URL, got `mysql://x`\n');
  });
});
