/**
 * The PostgreSQL run store: what a run directory holds, kept in a database any machine can reach, so a run (and
 * a sweep) outlives its machine. Its tables live in the schema `maker` of the database `--store URL` names;
 * DBOS Transact keeps its own (workflows, queues) in the schema `maker_dbos` of the same database.
 *
 * | table               | one row per                         | holds                                                  |
 * |---------------------|-------------------------------------|--------------------------------------------------------|
 * | `maker.run`         | run                                 | its configuration (never a key), segment size, attempt |
 * | `maker.call`        | batch of decided calls of a run     | first and last step, the records as JSON lines (`journal-record.ts`) |
 * | `maker.snapshot`    | snapshot of a run                   | step, and the snapshot as JSON (state, totals, spend, status) |
 * | `maker.sweep`       | sweep of a bench scenario           | scenario, settings (never a key), fingerprint          |
 * | `maker.sweep_case`  | case of a sweep                     | attempts, the executor that decided it, its result (or error) |
 *
 * Decided calls are stored in batches (one row per flush, every 50 ms or so) rather than a row each: a row per
 * call costs the server about 20 µs, four times a batch's cost per call, and forty times its space. A batch is
 * one statement, so the stored calls of a run are always a prefix of its decisions.
 *
 * `pg` is loaded only when a store is opened: `maker --help` and file runs never load it.
 */
import type pg from 'pg';
import { InputError, MakerError } from '../core/errors.ts';
import type { RunConfig } from './run-config.ts';
import type { Snapshot } from './snapshot.ts';

/** The schema of our tables. */
export const STORE_SCHEMA = 'maker';

/** A run's name in a store: letters, digits, `.`, `_` and `-`, at most 100. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Checks a run id (`--run-id`). */
export function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) {
    throw new InputError(`Expected --run-id to be 1 to 100 letters, digits, \`.\`, \`_\` or \`-\` (starting with a letter or digit), got \`${runId}\``);
  }
  return runId;
}

/** Checks a store URL (`--store`): a `postgres://` or `postgresql://` URL. */
export function checkStoreUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`Expected --store to be a postgres://USER@HOST:PORT/DATABASE URL, got \`${url}\``);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new InputError(`Expected --store to be a postgres://USER@HOST:PORT/DATABASE URL, got \`${redactUrl(url)}\``);
  }
  return url;
}

/** The URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

let pgModule: typeof pg | undefined;

/** Loads `pg` on first use. */
export async function loadPg(): Promise<typeof pg> {
  pgModule ??= (await import('pg')).default;
  return pgModule;
}

/**
 * A new connection to the store. Its session tells the server to probe an idle client every few seconds (TCP
 * keepalives), so a session held by a machine that vanished (and the advisory locks it holds) ends within about
 * half a minute instead of the system's default two hours.
 */
export async function connectStore(url: string): Promise<pg.Client> {
  const { Client } = await loadPg();
  const client = new Client({ connectionString: checkStoreUrl(url), keepAlive: true });
  try {
    await client.connect();
    await client.query('SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3');
  } catch (error) {
    await client.end().catch(() => {});
    throw new InputError(`Cannot reach the store ${redactUrl(url)}: ${(error as Error).message}; check --store and that PostgreSQL runs there`, { cause: error }, 'E_STORE_UNREACHABLE');
  }
  return client;
}

const DDL = `
CREATE SCHEMA IF NOT EXISTS ${STORE_SCHEMA};
CREATE TABLE IF NOT EXISTS ${STORE_SCHEMA}.run (
  run_id text PRIMARY KEY,
  config jsonb NOT NULL,
  segment_size integer NOT NULL,
  attempt integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${STORE_SCHEMA}.call (
  run_id text NOT NULL,
  first_step bigint NOT NULL,
  last_step bigint NOT NULL,
  records text NOT NULL,
  PRIMARY KEY (run_id, first_step)
);
CREATE TABLE IF NOT EXISTS ${STORE_SCHEMA}.snapshot (
  run_id text NOT NULL,
  step bigint NOT NULL,
  snapshot text NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, step)
);
CREATE TABLE IF NOT EXISTS ${STORE_SCHEMA}.sweep (
  sweep_id text PRIMARY KEY,
  scenario text NOT NULL,
  fingerprint text NOT NULL,
  settings jsonb NOT NULL,
  cases integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${STORE_SCHEMA}.sweep_case (
  sweep_id text NOT NULL,
  case_id text NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  executor text,
  result text,
  error text,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (sweep_id, case_id)
);`;

/** Creates the store's tables if they are missing. Safe when several processes do it at once. */
export async function ensureStoreSchema(client: pg.Client): Promise<void> {
  await client.query('BEGIN');
  try {
    // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog: one process at a time.
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('maker-store-schema', 0))`);
    await client.query(DDL);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** The advisory-lock key of a name, computed by the server (`hashtextextended`), as SQL taking `$1`. */
const LOCK_KEY = `hashtextextended($1, 0)`;

/**
 * Takes the session-level advisory lock `name` on `client`: at once or not at all (`wait` false: returns false
 * when another session holds it), or waiting for it. The lock lasts as long as the session: a process that dies
 * (or a machine that vanishes, once its keepalives fail) releases it.
 */
export async function takeLock(client: pg.Client, name: string, wait: boolean): Promise<boolean> {
  // Waiting is polling, not a blocking `pg_advisory_lock`: a statement left waiting holds a snapshot, and DBOS's
  // schema migration (CREATE INDEX CONCURRENTLY) waits for every such snapshot, so the two would wait on each other.
  for (;;) {
    const { rows } = await client.query<{ got: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS got`, [name]);
    if (rows[0]?.got === true) return true;
    if (!wait) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Releases a lock taken with {@link takeLock} on the same session. */
export async function releaseLock(client: pg.Client, name: string): Promise<void> {
  await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [name]);
}

/** Whether some session holds the lock `name` now (tried and, if free, released at once). */
export async function lockHeld(client: pg.Client, name: string): Promise<boolean> {
  if (!(await takeLock(client, name, false))) return true;
  await releaseLock(client, name);
  return false;
}

/** The lock a run's driver holds while it drives. */
export const runLockName = (runId: string) => `maker-run:${runId}`;

/** A run's row. */
export interface StoredRunRow {
  readonly config: RunConfig;
  readonly createdAt: string;
  readonly segmentSize: number;
  /** Sessions that ended early so far (see `stored-run.ts`). */
  readonly attempt: number;
}

/** Reads a run's row; undefined when the store has no such run. */
export async function readRunRow(client: pg.Client, runId: string): Promise<StoredRunRow | undefined> {
  const { rows } = await client.query<{ config: RunConfig; created_at: Date; segment_size: number; attempt: number }>(
    `SELECT config, created_at, segment_size, attempt FROM ${STORE_SCHEMA}.run WHERE run_id = $1`,
    [runId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return { config: row.config, createdAt: row.created_at.toISOString(), segmentSize: row.segment_size, attempt: row.attempt };
}

/** Records a new run; with `replace`, first deletes a run of that id and everything it stored. */
export async function createRunRow(client: pg.Client, runId: string, config: RunConfig, segmentSize: number, replace: boolean): Promise<void> {
  await client.query('BEGIN');
  try {
    if (replace) await deleteRunRows(client, runId);
    await client.query(`INSERT INTO ${STORE_SCHEMA}.run (run_id, config, segment_size) VALUES ($1, $2, $3)`, [runId, JSON.stringify(config), segmentSize]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Deletes a run's rows (its run row, calls and snapshots). */
export async function deleteRunRows(client: pg.Client, runId: string): Promise<void> {
  for (const table of ['call', 'snapshot', 'run']) await client.query(`DELETE FROM ${STORE_SCHEMA}.${table} WHERE run_id = $1`, [runId]);
}

/** Raises a run's attempt number to `attempt` (never lowers it). */
export async function setRunAttempt(client: pg.Client, runId: string, attempt: number): Promise<void> {
  await client.query(`UPDATE ${STORE_SCHEMA}.run SET attempt = GREATEST(attempt, $2) WHERE run_id = $1`, [runId, attempt]);
}

/** Appends a batch of decided calls: `records` are JSON lines for steps `first` to `last`. Idempotent. */
export async function insertCalls(client: pg.Client, runId: string, first: number, last: number, records: string): Promise<void> {
  await client.query(`INSERT INTO ${STORE_SCHEMA}.call (run_id, first_step, last_step, records) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [
    runId,
    first,
    last,
    records,
  ]);
}

/**
 * Streams a run's decided calls from step `from` on, in decision order, as the JSON text of each record, with
 * its step. Reads batches a page at a time, so memory stays bounded. Steps before `from` (a batch may straddle
 * it) and repeats (batches written twice by a driver that lost its lock) are skipped; a gap is damage.
 */
export async function readCalls(client: pg.Client, runId: string, from: number, onRecord: (json: string, step: number) => void): Promise<number> {
  let next = from;
  const PAGE = 50;
  for (;;) {
    const { rows } = await client.query<{ first_step: string; last_step: string; records: string }>(
      `SELECT first_step, last_step, records FROM ${STORE_SCHEMA}.call WHERE run_id = $1 AND last_step >= $2 ORDER BY first_step LIMIT ${PAGE}`,
      [runId, next],
    );
    for (const row of rows) {
      const first = Number(row.first_step);
      if (first > next) throw new MakerError('E_STORE_CORRUPT', `Run ${runId} in the store lacks the decided calls from step ${next} to ${first - 1}`);
      let step = first;
      let start = 0;
      const text = row.records;
      while (start <= text.length) {
        let end = text.indexOf('\n', start);
        if (end === -1) end = text.length;
        if (step >= next) {
          onRecord(text.slice(start, end), step);
          next = step + 1;
        }
        step++;
        start = end + 1;
      }
      if (step - 1 !== Number(row.last_step)) {
        throw new MakerError('E_STORE_CORRUPT', `Run ${runId} in the store has a batch of calls from step ${first} that holds ${step - first} records, not ${Number(row.last_step) - first + 1}`);
      }
    }
    if (rows.length < PAGE) return next;
  }
}

/** Writes (or replaces) the snapshot of a run at its step. */
export async function writeStoredSnapshot<S>(client: pg.Client, runId: string, snapshot: Omit<Snapshot<S>, 'journalBytes'>): Promise<void> {
  await client.query(
    `INSERT INTO ${STORE_SCHEMA}.snapshot (run_id, step, snapshot) VALUES ($1, $2, $3)
     ON CONFLICT (run_id, step) DO UPDATE SET snapshot = EXCLUDED.snapshot, written_at = now()`,
    [runId, snapshot.step, JSON.stringify(snapshot)],
  );
}

/** A run's latest snapshot (highest step, latest written), or undefined. */
export async function readStoredSnapshot<S>(client: pg.Client, runId: string): Promise<Omit<Snapshot<S>, 'journalBytes'> | undefined> {
  const { rows } = await client.query<{ snapshot: string }>(
    `SELECT snapshot FROM ${STORE_SCHEMA}.snapshot WHERE run_id = $1 ORDER BY step DESC LIMIT 1`,
    [runId],
  );
  const text = rows[0]?.snapshot;
  return text === undefined ? undefined : (JSON.parse(text) as Omit<Snapshot<S>, 'journalBytes'>);
}
