/**
 * The one place DBOS is configured: its database URL, executor ids, workflows declared before launch, one launch
 * per process, and the reaper that hands a dead executor's PENDING workflows to live ones, against a real
 * PostgreSQL server (`MAKER_PG_URL`) in a database of this file's own.
 */
import { hostname } from 'node:os';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError, MakerError } from '../core/errors.ts';
import { defineWorkflow, engineDatabaseUrl, engineLogger, executorLockName, launchEngine, newExecutorId, reapDeadExecutors, shutdownEngine, type Dbos } from './dbos-engine.ts';
import { connectStore, releaseLock, takeLock } from './pg-store.ts';
import { createTestDatabase, storeTestsEnabled, type TestDatabase } from './pg-test-database.ts';

const enabled = await storeTestsEnabled();

/** Runs of the test workflow in this process, by key. */
const runs = new Map<string, number>();
const echo = defineWorkflow('maker-test-echo', async (key: string): Promise<string> => {
  runs.set(key, (runs.get(key) ?? 0) + 1);
  return `done ${key}`;
});

describe('the engine, before any launch', () => {
  it('gives DBOS the store URL with an idle-in-transaction timeout, keeping options the URL already has', () => {
    const url = new URL(engineDatabaseUrl('postgres://u:pw@h:5432/db?sslmode=disable'));
    expect(url.searchParams.get('options')).toBe('-c idle_in_transaction_session_timeout=60000');
    expect(url.searchParams.get('sslmode')).toBe('disable');
    expect(`${url.protocol}//${url.username}:${url.password}@${url.host}${url.pathname}`).toBe('postgres://u:pw@h:5432/db');
    expect(new URL(engineDatabaseUrl('postgres://h/db?options=-c%20x%3D1')).searchParams.get('options')).toBe('-c x=1');
    expect(() => engineDatabaseUrl('mysql://h/db')).toThrow(InputError);
  });

  it('names an executor by role, machine, process and a random part', () => {
    const id = newExecutorId('driver');
    expect(id).toMatch(new RegExp(`^driver-${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-${process.pid}-[0-9a-f]{6}$`));
    expect(newExecutorId('driver')).not.toBe(id);
  });

  describe("DBOS's own log", () => {
    afterEach(() => {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
    });
    const written = (log: ReturnType<typeof engineLogger>) => {
      const lines: string[] = [];
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
      log.info('started');
      log.debug({ toString: () => 'details' });
      log.warn('slow');
      log.error('failed');
      vi.restoreAllMocks();
      return lines;
    };

    it('says nothing by default', () => {
      vi.stubEnv('DBOS_VERBOSE', undefined);
      expect(written(engineLogger())).toEqual([]);
    });

    it('goes to stderr, each line naming its level, with DBOS_VERBOSE set', () => {
      vi.stubEnv('DBOS_VERBOSE', '1');
      expect(written(engineLogger())).toEqual(['[dbos info] started\n', '[dbos debug] details\n', '[dbos warn] slow\n', '[dbos error] failed\n']);
    });
  });

  it('refuses to start a workflow before the engine is launched', () => {
    expect(() => echo()).toThrow(new MakerError('E_ENGINE', 'Workflow `maker-test-echo` is not registered: launch the engine first'));
  });

  it('does nothing when shut down without a launch', async () => {
    await expect(shutdownEngine()).resolves.toBeUndefined();
  });

  it('says so when the store cannot be reached, and stays unlaunched', async () => {
    await expect(launchEngine({ url: 'postgres://nobody@127.0.0.1:1/none', executorId: 'x' })).rejects.toThrow(InputError);
  });
});

describe.skipIf(!enabled)('the engine against PostgreSQL', () => {
  const QUEUE = 'maker-test-queue';
  let database: TestDatabase;
  let client: pg.Client;
  let DBOS: Dbos;
  const self = newExecutorId('test');
  beforeAll(async () => {
    database = await createTestDatabase();
    client = await connectStore(database.url);
    DBOS = await launchEngine({ url: database.url, executorId: self, listenQueues: [QUEUE] });
    await DBOS.registerQueue(QUEUE, { workerConcurrency: 4, minPollingIntervalMs: 50, onConflict: 'always_update' });
  });
  afterAll(async () => {
    await shutdownEngine();
    await client?.end();
    await database?.drop();
  });

  /** Runs a workflow to its end, then makes its status row say it is PENDING on `executor`, as a dead process leaves it. */
  async function leftPending(id: string, executor: string): Promise<void> {
    expect(await (await DBOS.startWorkflow(echo(), { workflowID: id })(id)).getResult()).toBe(`done ${id}`);
    await client.query(`UPDATE maker_dbos.workflow_status SET status = 'PENDING', executor_id = $2, queue_name = $3 WHERE workflow_uuid = $1`, [id, executor, QUEUE]);
  }
  const status = async (id: string) => (await DBOS.getWorkflowStatus(id))?.status;

  it('refuses a second launch in the same process, naming the executor that launched', async () => {
    await expect(launchEngine({ url: database.url, executorId: 'second' })).rejects.toThrow(
      new MakerError('E_ENGINE', `The engine is already launched in this process (executor ${self})`),
    );
    expect(DBOS.executorID).toBe(self);
  });

  it("resumes on the queue the PENDING workflows of executors whose life lock is free, and no one else's", async () => {
    const alive = await connectStore(database.url);
    try {
      expect(await takeLock(alive, executorLockName('alive-1'), false)).toBe(true);
      await leftPending('w-dead-a', 'dead-1');
      await leftPending('w-dead-b', 'dead-1');
      await leftPending('w-alive', 'alive-1');
      await leftPending('w-self', self);
      const resumed = await reapDeadExecutors(DBOS, client, QUEUE, self);
      expect(resumed.sort()).toEqual(['w-dead-a', 'w-dead-b']);
      expect(await status('w-alive')).toBe('PENDING');
      // Resumed on the queue this process listens to, not anywhere.
      const queues = await client.query<{ queue: string | null }>(`SELECT queue_name AS queue FROM maker_dbos.workflow_status WHERE workflow_uuid IN ('w-dead-a', 'w-dead-b')`);
      expect(queues.rows).toEqual([{ queue: QUEUE }, { queue: QUEUE }]);
      // The resumed ones run again here (this process listens to the queue) and end.
      await waitUntil(async () => (await status('w-dead-a')) === 'SUCCESS' && (await status('w-dead-b')) === 'SUCCESS');
      expect([runs.get('w-dead-a'), runs.get('w-dead-b'), runs.get('w-alive'), runs.get('w-self')]).toEqual([2, 2, 1, 1]);
      // Nothing left to take: the live executor's workflow stays where it is.
      expect(await reapDeadExecutors(DBOS, client, QUEUE, self)).toEqual([]);
      // Once its executor dies, it is taken too.
      await releaseLock(alive, executorLockName('alive-1'));
      expect(await reapDeadExecutors(DBOS, client, QUEUE, self)).toEqual(['w-alive']);
    } finally {
      await alive.end();
    }
  });

  it('leaves the work to the reaper that holds the queue, and releases its own turn when done', async () => {
    const other = await connectStore(database.url);
    try {
      await leftPending('w-later', 'dead-2');
      expect(await takeLock(other, `maker-reaper:${QUEUE}`, false)).toBe(true);
      expect(await reapDeadExecutors(DBOS, client, QUEUE, self)).toEqual([]);
      expect(await status('w-later')).toBe('PENDING');
      await releaseLock(other, `maker-reaper:${QUEUE}`);
      expect(await reapDeadExecutors(DBOS, client, QUEUE, self)).toEqual(['w-later']);
      // The reaper's lock is free again for the next reaper.
      expect(await takeLock(other, `maker-reaper:${QUEUE}`, false)).toBe(true);
    } finally {
      await other.end();
    }
  });
});

/** Polls `done` every 20 ms for up to 20 s. */
async function waitUntil(done: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 20_000;
  while (!(await done())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
