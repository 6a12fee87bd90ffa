/**
 * The run store's own functions: URLs and run ids checked without a server, then tables, rows, batches of calls,
 * snapshots and advisory locks against a real PostgreSQL server (`MAKER_PG_URL`), in a database of this file's own.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, MakerError } from '../core/errors.ts';
import { SAMPLE_RUN_CONFIG } from '../testing/durable-fixtures.ts';
import {
  checkRunId,
  checkStoreUrl,
  connectStore,
  createRunRow,
  ensureStoreSchema,
  insertCalls,
  lockHeld,
  readCalls,
  readRunRow,
  readStoredSnapshot,
  redactUrl,
  releaseLock,
  runLockName,
  setRunAttempt,
  takeLock,
  writeStoredSnapshot,
} from './pg-store.ts';
import { createTestDatabase, storeTestsEnabled, type TestDatabase } from './pg-test-database.ts';
import type { StoredSnapshot } from './stored-run.ts';
import { emptyTotals } from '../run/run-task.ts';

const enabled = await storeTestsEnabled();

const config = SAMPLE_RUN_CONFIG;

const URL_SHAPE = 'Expected --store to be a postgres://USER@HOST:PORT/DATABASE URL, got';

describe('store URLs and run ids', () => {
  it('takes postgres:// and postgresql:// URLs, and refuses others, their password hidden', () => {
    expect(checkStoreUrl('postgres://u@h:5432/db')).toBe('postgres://u@h:5432/db');
    expect(checkStoreUrl('postgresql://h/db')).toBe('postgresql://h/db');
    expect(() => checkStoreUrl('not a url')).toThrow(new InputError(`${URL_SHAPE} \`not a url\``));
    expect(() => checkStoreUrl('http://u:secret@h/db')).toThrow(new InputError(`${URL_SHAPE} \`http://u:***@h/db\``));
  });

  it('hides a password, and nothing else', () => {
    expect(redactUrl('postgres://u:secret@h:5432/db?sslmode=disable')).toBe('postgres://u:***@h:5432/db?sslmode=disable');
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(redactUrl('not a url')).toBe('not a url');
  });

  it('takes run ids of 1 to 100 letters, digits, `.`, `_` and `-`, starting with a letter or digit', () => {
    for (const id of ['a', 'Z9', '0.x_y-z', 'a'.repeat(100)]) expect(checkRunId(id)).toBe(id);
    for (const id of ['', '-a', '.a', '_a', 'a b', 'a/b', 'a'.repeat(101), 'é', 'a\nb']) {
      expect(() => checkRunId(id), JSON.stringify(id)).toThrow(
        new InputError(`Expected --run-id to be 1 to 100 letters, digits, \`.\`, \`_\` or \`-\` (starting with a letter or digit), got \`${id}\``),
      );
    }
    expect(runLockName('a.b')).toBe('maker-run:a.b');
  });
});

describe.skipIf(!enabled)('the store, against PostgreSQL', () => {
  let database: TestDatabase;
  let client: pg.Client;
  const others: pg.Client[] = [];
  const connect = async () => {
    const other = await connectStore(database.url);
    others.push(other);
    return other;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    client = await connectStore(database.url);
    await ensureStoreSchema(client);
  });
  afterAll(async () => {
    for (const other of others) await other.end().catch(() => {});
    await client?.end();
    await database?.drop();
  });

  const snapshot = (step: number, status: StoredSnapshot<unknown>['status']): StoredSnapshot<unknown> => ({
    step,
    state: { at: step },
    totals: emptyTotals(),
    wallMs: step,
    spent: { calls: step, tokens: 0, dollars: 0, seconds: 0 },
    status,
  });
  /** Every stored call of `runId` from `from` on, as [step, text], and what readCalls returns. */
  const calls = async (runId: string, from = 0) => {
    const seen: Array<[number, string]> = [];
    const next = await readCalls(client, runId, from, (json, step) => seen.push([step, json]));
    return { seen, next };
  };

  it('says which store it cannot reach, its password hidden', async () => {
    const error = await connectStore('postgres://u:secret@127.0.0.1:1/db').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'E_STORE_UNREACHABLE' });
    expect((error as Error).message).toMatch(/^Cannot reach the store postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: .+; check --store and that PostgreSQL runs there$/);
    expect((error as Error).message).not.toContain('secret');
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('has the server probe an idle session every few seconds, so a vanished machine\'s locks end within half a minute', async () => {
    const settings = await client.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count') ORDER BY name`,
    );
    expect(settings.rows).toEqual([
      { name: 'tcp_keepalives_count', setting: '3' },
      { name: 'tcp_keepalives_idle', setting: '10' },
      { name: 'tcp_keepalives_interval', setting: '5' },
    ]);
  });

  it('rolls back a schema it could not create, leaving the session usable', async () => {
    const readOnly = await connect();
    await readOnly.query('SET default_transaction_read_only = on');
    await expect(ensureStoreSchema(readOnly)).rejects.toThrow(/read-only transaction/);
    expect((await readOnly.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('creates its tables once, however many sessions ask at the same time', async () => {
    const sessions = await Promise.all([1, 2, 3].map(() => connect()));
    await Promise.all(sessions.map((session) => ensureStoreSchema(session)));
    const { rows } = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'maker' ORDER BY table_name`);
    expect(rows.map((row) => row.table_name)).toEqual(['call', 'run', 'snapshot', 'sweep', 'sweep_case']);
  });

  it('keeps a run row whose attempt only goes up, and replaces a run with everything it stored only when asked', async () => {
    expect(await readRunRow(client, 'row')).toBeUndefined();
    const before = Date.now();
    await createRunRow(client, 'row', config, 40, false);
    const row = (await readRunRow(client, 'row'))!;
    expect(row).toEqual({ config, createdAt: expect.any(String), segmentSize: 40, attempt: 0 });
    expect(Math.abs(Date.parse(row.createdAt) - before)).toBeLessThan(60_000);
    await setRunAttempt(client, 'row', 2);
    await setRunAttempt(client, 'row', 1);
    expect((await readRunRow(client, 'row'))!.attempt).toBe(2);

    await insertCalls(client, 'row', 0, 1, 'a\nb');
    await writeStoredSnapshot(client, 'row', snapshot(2, { kind: 'running' }));
    // A second run of the same id is refused, and the failed transaction leaves the session usable.
    await expect(createRunRow(client, 'row', config, 40, false)).rejects.toThrow(/duplicate key/);
    expect((await readRunRow(client, 'row'))!.segmentSize).toBe(40);
    expect((await calls('row')).seen).toHaveLength(2);

    await createRunRow(client, 'row', { ...config, seed: 2 }, 10, true);
    expect(await readRunRow(client, 'row')).toEqual({ config: { ...config, seed: 2 }, createdAt: expect.any(String), segmentSize: 10, attempt: 0 });
    expect(await calls('row')).toEqual({ seen: [], next: 0 });
    expect(await readStoredSnapshot(client, 'row')).toBeUndefined();
  });

  it('reads the calls in order from any step, across pages, skipping steps before it and batches written twice', async () => {
    // 60 batches of two records (steps 0 to 119): more than one page of 50 batches.
    for (let first = 0; first < 120; first += 2) await insertCalls(client, 'calls', first, first + 1, `r${first}\nr${first + 1}`);
    // A driver that lost its lock wrote steps 11 and 12 again, as one batch; inserting a batch twice keeps one.
    await insertCalls(client, 'calls', 11, 12, 'r11\nr12');
    await insertCalls(client, 'calls', 0, 1, 'r0\nr1');
    const all = await calls('calls');
    expect(all.seen).toEqual(Array.from({ length: 120 }, (_, step) => [step, `r${step}`]));
    expect(all.next).toBe(120);
    // From inside a batch, from inside the twice-written one, from the end.
    expect((await calls('calls', 37)).seen.slice(0, 2)).toEqual([[37, 'r37'], [38, 'r38']]);
    expect((await calls('calls', 12)).seen.slice(0, 2)).toEqual([[12, 'r12'], [13, 'r13']]);
    expect(await calls('calls', 120)).toEqual({ seen: [], next: 120 });
    expect(await calls('nobody', 0)).toEqual({ seen: [], next: 0 });
  });

  it('reads a record with an empty line as it is, and refuses a gap or a batch holding another count of records', async () => {
    await insertCalls(client, 'blank', 0, 2, 'a\n\nc');
    expect((await calls('blank')).seen).toEqual([[0, 'a'], [1, ''], [2, 'c']]);
    await insertCalls(client, 'trailing', 0, 1, 'a\n');
    expect((await calls('trailing')).seen).toEqual([[0, 'a'], [1, '']]);

    await insertCalls(client, 'gap', 0, 1, 'a\nb');
    await insertCalls(client, 'gap', 4, 5, 'e\nf');
    const gap = await calls('gap').catch((thrown: unknown) => thrown);
    expect(gap).toBeInstanceOf(MakerError);
    expect(gap).toMatchObject({ code: 'E_STORE_CORRUPT', message: 'Run gap in the store lacks the decided calls from step 2 to 3' });

    await insertCalls(client, 'short', 0, 2, 'a\nb');
    await expect(calls('short')).rejects.toThrow(new MakerError('E_STORE_CORRUPT', 'Run short in the store has a batch of calls from step 0 that holds 2 records, not 3'));
    await insertCalls(client, 'long', 5, 5, 'a\nb');
    await expect(calls('long', 5)).rejects.toThrow(new MakerError('E_STORE_CORRUPT', 'Run long in the store has a batch of calls from step 5 that holds 2 records, not 1'));
  });

  it('returns the snapshot of the highest step, a step written again replacing the one before', async () => {
    expect(await readStoredSnapshot(client, 'snap')).toBeUndefined();
    await writeStoredSnapshot(client, 'snap', snapshot(5, { kind: 'running' }));
    await writeStoredSnapshot(client, 'snap', snapshot(0, { kind: 'running' }));
    expect(await readStoredSnapshot(client, 'snap')).toEqual(snapshot(5, { kind: 'running' }));
    await writeStoredSnapshot(client, 'snap', snapshot(5, { kind: 'stopped', reason: 'budget: calls' }));
    expect(await readStoredSnapshot(client, 'snap')).toEqual(snapshot(5, { kind: 'stopped', reason: 'budget: calls' }));
    const { rows } = await client.query(`SELECT step FROM maker.snapshot WHERE run_id = 'snap' ORDER BY step`);
    expect(rows).toEqual([{ step: '0' }, { step: '5' }]);
  });

  it('lets one session at a time hold a lock, for as long as that session lasts; a waiter gets it once it is free', async () => {
    const [a, b, c] = [await connect(), await connect(), await connect()];
    expect(await takeLock(a, 'held', false)).toBe(true);
    expect(await takeLock(b, 'held', false)).toBe(false);
    expect(await lockHeld(b, 'held')).toBe(true);
    let got = false;
    const waiting = takeLock(b, 'held', true).then((result) => (got = result));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(got).toBe(false);
    await releaseLock(a, 'held');
    await waiting;
    expect(got).toBe(true);
    expect(await lockHeld(a, 'held')).toBe(true);
    await b.end();
    // Free once b's session ended; looking leaves it free.
    expect(await lockHeld(a, 'held')).toBe(false);
    expect(await takeLock(c, 'held', false)).toBe(true);
    // Locks of other names are other locks.
    expect(await takeLock(a, 'other', false)).toBe(true);
  });
});
