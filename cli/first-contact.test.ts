/**
 * What a new user meets in the first hour: a wrong URL, a dead endpoint, a web page where the API should be.
 * Each ends within a bounded time in a few lines on stderr, without a stack trace.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunConfig } from '../durable/run-dir.ts';
import { createSimModel } from '../models/sim-model.ts';
import { hanoiSim } from '../tasks/hanoi/index.ts';
import { startChatServer } from '../testing/chat-server.ts';
import { runCli, type CliOutcome } from './testing.ts';

const MAKER = join(import.meta.dirname, '..', 'bin', 'maker.js');

/** A port on 127.0.0.1 with nothing listening: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function timed(args: readonly string[]): Promise<CliOutcome & { seconds: number }> {
  const started = performance.now();
  const outcome = await runCli(args);
  return { ...outcome, seconds: (performance.now() - started) / 1000 };
}

function expectShortFailure(outcome: CliOutcome, maxLines: number): void {
  expect(outcome.code).toBe(1);
  const lines = outcome.stderr.trim().split('\n');
  expect(lines.length).toBeLessThanOrEqual(maxLines);
  expect(outcome.stderr).not.toMatch(/^\s+at /m);
  expect(outcome.stderr).not.toContain('unexpected error');
}

describe('an endpoint that is not there', () => {
  it('fails after --give-up-after-s of silence with a notice while waiting and one line at the end', async () => {
    const port = await closedPort();
    const outcome = await timed(['run', 'hanoi', '--disks', '3', '--model', 'openai:x', '--base-url', `http://127.0.0.1:${port}/v1`, '--give-up-after-s', '3']);
    expectShortFailure(outcome, 3);
    expect(outcome.seconds).toBeLessThan(10);
    expect(outcome.stderr).toMatch(/^maker: no answer yet: 127\.0\.0\.1:\d+\/v1: connection: connect ECONNREFUSED .*giving up after 3 s without an answer \(--give-up-after-s\)$/m);
    expect(outcome.stderr).toMatch(/^maker: Gave up after 3 s with no answer \(\d+ failed attempts\); last: .*ECONNREFUSED/m);
  });

  it('fails within a minute by default, process start-up included', { timeout: 75_000 }, async () => {
    const port = await closedPort();
    const started = performance.now();
    const child = spawn(process.execPath, [MAKER, 'run', 'hanoi', '--disks', '3', '--model', 'openai:x', '--base-url', `http://127.0.0.1:${port}/v1`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
    const seconds = (performance.now() - started) / 1000;
    expectShortFailure({ code: code ?? -1, stdout, stderr }, 3);
    expect(seconds).toBeLessThan(60);
    expect(stderr).toMatch(/Gave up after 45 s with no answer/);
  });

  it('fails the same way in a run directory, and says how to resume, in at most three lines', async () => {
    const port = await closedPort();
    const dir = join(mkdtempSync(join(tmpdir(), 'maker-contact-')), 'run');
    const outcome = await timed(['run', 'hanoi', '--disks', '3', '--model', 'openai:x', '--base-url', `http://127.0.0.1:${port}/v1`, '--give-up-after-s', '1', '--run-dir', dir]);
    expectShortFailure(outcome, 3);
    expect(outcome.stderr).toMatch(/resume with: maker resume /);
  });
});

describe('a web page where the API should be', () => {
  let server: Server;
  let url = '';
  let status = 501;
  beforeAll(async () => {
    server = createHttpServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(`<!DOCTYPE html><html><head><title>Not Implemented</title></head><body>${'<p>filler</p>'.repeat(300)}</body></html>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([501, 200])('stops at once on a %i page with one line naming the page, not pasting it', async (code) => {
    status = code;
    const outcome = await timed(['run', 'hanoi', '--disks', '3', '--model', 'openai:x', '--base-url', url, '--no-progress']);
    expectShortFailure(outcome, 1);
    expect(outcome.seconds).toBeLessThan(5);
    expect(outcome.stderr).toMatch(new RegExp(`HTTP ${code}: .*"Not Implemented"`));
    expect(outcome.stderr).not.toContain('filler');
  });
});

describe('base URLs', () => {
  async function expectRefused(args: readonly string[], message: RegExp): Promise<void> {
    const { code, stdout, stderr } = await runCli(args);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(code).toBe(2);
    expect(stdout).toBe('');
  }

  it('refuses --base-url that is not a URL', async () => {
    await expectRefused(['run', 'hanoi', '--disks', '3', '--model', 'openai:x', '--base-url', 'notaurl'], /Expected --base-url to be an http or https URL such as http:\/\/127\.0\.0\.1:8000\/v1, got `notaurl`/);
  });

  it('refuses a baseURL that is not a URL in an endpoints file, naming the entry', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'maker-contact-')), 'endpoints.json');
    writeFileSync(file, JSON.stringify({ endpoints: [{ model: 'openai:x', baseURL: 'localhost:8000' }] }));
    await expectRefused(['run', 'hanoi', '--disks', '3', '--endpoints', file], /Expected `baseURL` of endpoint 1 to be an http or https URL .*, got `localhost:8000`/);
  });

  it('refuses --base-url with a simulated model, which would ignore it', async () => {
    await expectRefused(['run', 'hanoi', '--disks', '3', '--base-url', 'http://127.0.0.1:8000/v1'], /--base-url applies to openai: models only; --model is `sim:gpt-4.1-mini`/);
  });

  it('sends a key given in the query string with every request, and stores or prints it nowhere', async () => {
    const secret = 'sk-in-the-query-0123456789';
    const seen: string[] = [];
    const server = await startChatServer({
      model: createSimModel({ behaviour: hanoiSim, seed: 1 }),
      intercept: (req) => {
        seen.push(req.url ?? '');
        return false;
      },
    });
    const root = mkdtempSync(join(tmpdir(), 'maker-contact-'));
    const dir = join(root, 'run');
    const flags = ['--model', 'openai:gpt-4.1-mini', '--api-key', 'local', '--no-progress'];
    try {
      const url = `${server.url}?key=${secret}`;
      const stopped = await runCli(['run', 'hanoi', '--disks', '3', ...flags, '--base-url', url, '--run-dir', dir, '--budget-calls', '6', '--json']);
      expect(stopped.code).toBe(1);
      expect(seen.length).toBeGreaterThan(0);
      for (const path of seen) expect(path).toBe(`/v1/chat/completions?key=${secret}`);
      expect(readRunConfig(dir)).toMatchObject({ baseURL: server.url, baseURLQuery: ['key'] });
      const refused = await runCli(['resume', dir, '--no-progress']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/base URL had a query string \(key\), which is not stored as it may hold a key: give --base-url again/);
      const resumed = await runCli(['resume', dir, '--no-progress', '--api-key', 'local', '--base-url', url]);
      expect(resumed.code).toBe(0);
      const report = await runCli(['report', dir, '--json']);
      for (const output of [stopped, refused, resumed, report]) expect(output.stdout + output.stderr).not.toContain(secret);
      for (const name of readdirSync(dir)) expect(readFileSync(join(dir, name), 'utf8')).not.toContain(secret);
    } finally {
      await server.close();
    }
  });
});
