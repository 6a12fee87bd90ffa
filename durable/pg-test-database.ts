/**
 * For tests against a real PostgreSQL server: where it is (`MAKER_PG_URL`, default the local server's `test`
 * database), whether it answers, and a fresh database per test file (created on the server, dropped after), so
 * test files running at once never see each other's runs, sweeps or DBOS queues.
 *
 * Without a server, store tests are skipped with one line saying so; under CI (`CI=true`) they fail instead,
 * since CI must run them.
 */
import { randomBytes } from 'node:crypto';
import { connectStore, loadPg, redactUrl } from './pg-store.ts';

/** The server tests use. */
export const TEST_PG_URL = process.env['MAKER_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether the test server answers (within a few seconds). */
export async function pgReachable(url = TEST_PG_URL): Promise<boolean> {
  const { Client } = await loadPg();
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Whether the store tests run: true when the server answers; otherwise prints one line and returns false, or
 * throws under CI, where a missing server is a broken machine rather than a reason to skip.
 */
export async function storeTestsEnabled(url = TEST_PG_URL): Promise<boolean> {
  if (await pgReachable(url)) return true;
  const line = `PostgreSQL not reachable at ${redactUrl(url)} (set MAKER_PG_URL): store tests skipped`;
  if (process.env['CI'] === 'true') throw new Error(`${line.replace(': store tests skipped', '')}, and CI must run the store tests`);
  console.warn(line);
  return false;
}

/** A database made for one test file. */
export interface TestDatabase {
  /** Its URL. */
  readonly url: string;
  /** Drops it (ending any session still on it). */
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named database on the test server. */
export async function createTestDatabase(url = TEST_PG_URL): Promise<TestDatabase> {
  const name = `maker_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = await connectStore(url);
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return {
    url: parsed.toString(),
    drop: async () => {
      const client = await connectStore(url);
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
