import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChatServer } from '../testing/chat-server.ts';
import { CLIENT_FAULT, INJECTABLE_FAULTS, type FaultInjectionStats } from '../testing/fault-injection.ts';
import { createSimModel } from '../models/sim-model.ts';
import { createHanoiTask, hanoiSim } from '../tasks/hanoi/index.ts';
import { serveLifetime, type Serving } from './serve.ts';
import { runCli, type CliOutcome } from './testing.ts';

const KEY = 'sk-live-secret-0123456789abcdef';

/** Starts `maker serve` in process; returns its URL, its injector's counts, and a stop that resolves to its output. */
async function serve(args: readonly string[]): Promise<{ serving: Serving; stop: () => Promise<CliOutcome> }> {
  let release!: () => void;
  const stopped = new Promise<void>((resolve) => (release = resolve));
  const listening = new Promise<Serving>((resolve) => (serveLifetime.listening = resolve));
  serveLifetime.until = () => stopped;
  const outcome = runCli(['serve', '--port', '0', ...args]);
  const serving = await Promise.race([listening, outcome.then((o) => Promise.reject(new Error(`serve exited: ${o.stderr}`)))]);
  return {
    serving,
    stop: () => {
      release();
      return outcome;
    },
  };
}

const originalLifetime = { ...serveLifetime };
afterEach(() => Object.assign(serveLifetime, originalLifetime));

type Summary = Record<string, unknown> & {
  faults: Record<string, number>;
  redFlagsByRule: Record<string, number>;
  budget: Record<string, { spent: number; limit: number | null }> & { exhausted: string | null };
};

/** The client-side fault counts a run should report for what the server injected (length is a red flag instead). */
function expectedFaults(stats: FaultInjectionStats): Record<string, number> {
  const expected: Record<string, number> = {};
  for (const kind of INJECTABLE_FAULTS) {
    if (kind === 'length' || stats.injected[kind] === 0) continue;
    const client = CLIENT_FAULT[kind];
    expected[client] = (expected[client] ?? 0) + stats.injected[kind];
  }
  return expected;
}

const runFlags = (url: string) => ['--model', 'openai:gpt-4.1-mini', '--base-url', url, '--api-key', KEY, '--timeout-ms', '400', '--retry-base-ms', '1', '--retry-max-ms', '4', '--no-progress', '--json'];

/** Every kind, hanging connections less often: each costs the client's whole timeout. */
const EVERY_KIND = 'rate-limit,server-error,request-timeout,conflict,drop,truncated,invalid-json,empty-choices,length,hang=0.3';

async function faultyRun(disks: number, faultArgs: readonly string[], seed = 3) {
  const { serving, stop } = await serve(['--fault-rate', '0.1', '--retry-after-ms', '1', '--hang-ms', '20000', '--fault-seed', '14', '--faults', EVERY_KIND, ...faultArgs]);
  const run = await runCli(['run', 'hanoi', '--disks', String(disks), '--seed', String(seed), ...runFlags(serving.server.url)]);
  const served = await stop();
  return { run, served, summary: JSON.parse(run.stdout) as Summary, injector: serving.injector.stats, server: serving.server.stats };
}

describe('maker run against maker serve with faults', () => {
  it('solves with 10% faults of every kind, reports exactly the faults injected, and never prints the key', async () => {
    const { run, served, summary, injector, server } = await faultyRun(8, []);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(summary).toMatchObject({ solved: true, errors: 0, steps: 255 });
    for (const kind of INJECTABLE_FAULTS) expect(injector.injected[kind], kind).toBeGreaterThan(0);
    expect(summary.faults).toEqual(expectedFaults(injector));
    // Every finish_reason length the server sent, injected or not, was red-flagged and never voted.
    expect(summary.redFlagsByRule['truncated']).toBe(server.finishReasons['length']! + injector.injected.length);
    expect(served.stdout).toMatch(/served \d+ requests; injected \d+ faults \(rate-limit/);
    expect(run.stdout + run.stderr + served.stdout + served.stderr).not.toContain(KEY);
  });

  it('casts exactly the votes of a fault-free run when the faults are all transport faults: no fault is ever a vote', async () => {
    const transport = INJECTABLE_FAULTS.filter((kind) => kind !== 'length').join(',');
    const faulty = await faultyRun(6, ['--faults', transport]);
    const clean = await faultyRun(6, ['--fault-rate', '0']);
    expect(faulty.summary['faultCount']).toBeGreaterThan(0);
    expect(clean.summary['faultCount']).toBe(0);
    for (const field of ['steps', 'errors', 'samples', 'votes', 'redFlagsByRule', 'samplesHistogram', 'promptTokens', 'completionTokens']) {
      expect(faulty.summary[field], field).toEqual(clean.summary[field]);
    }
  });

  it.runIf(process.env['MAKER_LONG_TESTS'] === '1')('12 disks, 10% faults of every kind: 0 errors and the injected fault counts', { timeout: 300_000 }, async () => {
    const { run, summary, injector, server } = await faultyRun(12, []);
    expect(run.code).toBe(0);
    expect(summary).toMatchObject({ solved: true, errors: 0, steps: 4095 });
    expect(summary.faults).toEqual(expectedFaults(injector));
    expect(summary.redFlagsByRule['truncated']).toBe(server.finishReasons['length']! + injector.injected.length);
  });
});

describe('a rejected key', () => {
  async function rejectingServer() {
    const task = createHanoiTask({ disks: 3 });
    let requests = 0;
    const server = await startChatServer({
      model: createSimModel({ behaviour: hanoiSim }),
      intercept: (req, res) => {
        requests++;
        const key = (req.headers.authorization ?? '').replace('Bearer ', '');
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}.\nYou can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error' } }));
        return true;
      },
    });
    return { server, requests: () => requests };
  }

  it('stops the run within one call, exit 1, with one line naming the endpoint and status and not the key', async () => {
    const { server, requests } = await rejectingServer();
    try {
      const { code, stdout, stderr } = await runCli(['run', 'hanoi', '--disks', '5', ...runFlags(server.url), '--concurrency', '1']);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(`127.0.0.1:${server.port}/v1`);
      expect(stderr).toContain('HTTP 401');
      expect(stderr).not.toContain(KEY);
      expect(stderr).not.toContain(KEY.slice(3, 20));
      expect(requests()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('sends no more than the first round of k calls when they go out in parallel', async () => {
    const { server, requests } = await rejectingServer();
    try {
      const { code } = await runCli(['run', 'hanoi', '--disks', '5', '--k', '3', ...runFlags(server.url)]);
      expect(code).toBe(1);
      expect(requests()).toBeLessThanOrEqual(3);
    } finally {
      await server.close();
    }
  });
});

describe('budgets', () => {
  it('stops cleanly before the dollar cap, with a summary of spend against it', async () => {
    const { code, stdout } = await runCli(['run', 'hanoi', '--disks', '10', '--budget-usd', '0.5', '--no-progress', '--json']);
    const summary = JSON.parse(stdout) as Summary;
    expect(code).toBe(1);
    expect(summary).toMatchObject({ solved: false, stopReason: 'budget: dollars', budget: { exhausted: 'dollars', dollars: { limit: 0.5 } } });
    expect(summary.budget['dollars']!.spent).toBeLessThanOrEqual(0.5);
    expect(summary.budget['dollars']!.spent).toBeGreaterThan(0.45);
  });

  it('over HTTP too, with calls in flight and faults, and says so in the text summary', async () => {
    const { serving, stop } = await serve(['--fault-rate', '0.1', '--retry-after-ms', '1', '--faults', 'rate-limit,server-error,drop']);
    const { code, stdout } = await runCli(['run', 'hanoi', '--disks', '10', ...runFlags(serving.server.url).filter((flag) => flag !== '--json'), '--budget-usd', '0.3', '--concurrency', '6']);
    await stop();
    expect(code).toBe(1);
    expect(stdout).toMatch(/stopped: budget: dollars/);
    const [, spent] = /budget +dollars \$(\d+\.\d+) of \$0\.30 \(stopped by the dollars budget\)/.exec(stdout) ?? [];
    expect(Number(spent)).toBeLessThanOrEqual(0.3);
  });

  it('caps calls, counting retries', async () => {
    const { stdout } = await runCli(['run', 'hanoi', '--disks', '8', '--budget-calls', '100', '--no-progress', '--json']);
    const summary = JSON.parse(stdout) as Summary;
    expect(summary).toMatchObject({ stopReason: 'budget: calls', budget: { calls: { spent: 100, limit: 100 } } });
  });
});

describe('several models and endpoints', () => {
  it('draws an ensemble\'s votes from each model', async () => {
    const { code, stdout } = await runCli(['run', 'hanoi', '--disks', '6', '--ensemble', 'sim:gpt-4.1-mini,sim:o3-mini=2', '--no-progress', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ solved: true, model: 'sim:gpt-4.1-mini+sim:o3-mini' });
  });

  it('fails over from an endpoint that keeps failing to a healthy one', async () => {
    const { serving: broken, stop: stopBroken } = await serve(['--fault-rate', '1', '--faults', 'server-error']);
    const { serving: healthy, stop: stopHealthy } = await serve([]);
    const dir = mkdtempSync(join(tmpdir(), 'maker-endpoints-'));
    const file = join(dir, 'endpoints.json');
    writeFileSync(
      file,
      JSON.stringify({
        endpoints: [
          { name: 'broken', model: 'openai:gpt-4.1-mini', baseURL: broken.server.url, apiKeyEnv: 'MAKER_TEST_KEY', weight: 5 },
          { name: 'healthy', model: 'openai:gpt-4.1-mini', baseURL: healthy.server.url, apiKeyEnv: 'MAKER_TEST_KEY' },
        ],
      }),
    );
    // An endpoint naming a key variable needs it set (an unset one is refused rather than sent as a placeholder).
    process.env['MAKER_TEST_KEY'] = KEY;
    const { code, stdout } = await runCli(['run', 'hanoi', '--disks', '5', '--endpoints', file, '--retry-base-ms', '1', '--no-progress', '--json']).finally(
      () => delete process.env['MAKER_TEST_KEY'],
    );
    await stopBroken();
    await stopHealthy();
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as Summary;
    expect(summary).toMatchObject({ solved: true, errors: 0 });
    // The breaker opens after 5 failures in a row and stays open for the 10 s cooldown, longer than this run.
    expect(summary.faults).toEqual({ 'server-error': 5 });
    expect(broken.injector.stats.requests).toBe(5);
  });
});

describe('maker serve', () => {
  it.each([
    [['--model', 'openai:gpt-4.1-mini'], /Expected --model to be sim:PROFILE/],
    [['--faults', 'boom'], /Expected fault kinds as KIND or KIND=WEIGHT/],
    [['--fault-rate', '2'], /Expected --fault-rate to be a number in \[0, 1\], got `2`/],
    [['--task', 'chess'], /Unknown task `chess`; known: hanoi, convexity/],
  ])('rejects bad input %j with one line and exit 2', async (args, message) => {
    const { code, stderr } = await runCli(['serve', '--port', '0', ...args]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('answers whatever model name a request carries, with the simulated model\'s usage', async () => {
    const { serving, stop } = await serve(['--model', 'sim:o3-mini']);
    const task = createHanoiTask({ disks: 3 });
    const reply = await fetch(`${serving.server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'any-name-at-all', messages: task.prompt(task.initialState(), 0), temperature: 0 }),
    });
    const body = (await reply.json()) as { model: string; choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number } };
    const stats = (await (await fetch(serving.server.url.replace(/\/v1$/, '/maker/stats'))).json()) as { requests: number };
    const { stdout } = await stop();
    expect(body.model).toBe('any-name-at-all');
    expect(task.parse(body.choices[0]!.message.content).ok).toBe(true);
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(stats.requests).toBe(1);
    expect(stdout).toMatch(/^maker serve: listening on http:\/\/127\.0\.0\.1:\d+\/v1 \(sim:o3-mini, task hanoi, no faults\)/);
  });
});

describe('maker serve --task convexity', () => {
  it('answers the convexity task’s prompts, so maker run convexity works against it', async () => {
    const { serving, stop } = await serve(['--task', 'convexity']);
    const run = await runCli(['run', 'convexity', '--depth', '4', '--count', '2', '--seed', '1', ...runFlags(serving.server.url)]);
    await stop();
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ task: 'convexity', f1: 1, stepErrors: 0 });
  });
});
