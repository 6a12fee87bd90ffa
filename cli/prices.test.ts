/**
 * Prices of models the paper did not measure: from flags or the endpoints file, recorded for resume, and a
 * dollar budget with no price to enforce it refused up front rather than silently allowing anything.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunConfig } from '../durable/run-dir.ts';
import { createSimModel } from '../models/sim-model.ts';
import { hanoiSim } from '../tasks/hanoi/index.ts';
import { startChatServer, type RunningChatServer } from '../testing/chat-server.ts';
import { runCli } from './testing.ts';

let server: RunningChatServer;
let root: string;
beforeAll(async () => {
  server = await startChatServer({ model: createSimModel({ behaviour: hanoiSim, seed: 1 }) });
  root = mkdtempSync(join(tmpdir(), 'maker-prices-'));
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const local = () => ['run', 'hanoi', '--disks', '4', '--model', 'openai:my-local-model', '--base-url', server.url, '--api-key', 'local', '--no-progress', '--json'];

describe('a model with no known price', () => {
  it('refuses a dollar budget up front, in one line, before any call', async () => {
    const before = server.stats.requests;
    const { code, stdout, stderr } = await runCli([...local(), '--budget-usd', '1']);
    expect(stderr).toMatch(/^maker: --budget-usd needs a price for openai:my-local-model, which has none known: give --input-price and --output-price \(US dollars per million tokens\)\n$/);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(server.stats.requests).toBe(before);
  });

  it('is billed at the prices given by flags, and a dollar budget is enforced', async () => {
    const { code, stdout } = await runCli([...local(), '--input-price', '10', '--output-price', '40', '--budget-usd', '0.5']);
    const summary = JSON.parse(stdout) as { costUsd: number; stopReason: string; budget: { dollars: { spent: number; limit: number } } };
    expect(code).toBe(1);
    expect(summary.stopReason).toBe('budget: dollars');
    expect(summary.costUsd).toBeGreaterThan(0);
    expect(summary.budget.dollars.spent).toBeLessThanOrEqual(0.5);
  });

  it('refuses half a price', async () => {
    const { code, stderr } = await runCli([...local(), '--input-price', '1']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Expected --output-price too: openai:my-local-model has no known price/);
  });

  it('takes prices from the endpoints file, and refuses a dollar budget for an entry without one', async () => {
    const file = join(root, 'endpoints.json');
    const entry = { model: 'openai:my-local-model', baseURL: server.url, apiKeyEnv: 'MAKER_PRICES_TEST_KEY' };
    process.env['MAKER_PRICES_TEST_KEY'] = 'local';
    try {
      writeFileSync(file, JSON.stringify({ endpoints: [entry] }));
      const refused = await runCli(['run', 'hanoi', '--disks', '4', '--endpoints', file, '--budget-usd', '1', '--no-progress']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--budget-usd needs a price for openai:my-local-model@127\.0\.0\.1:\d+\/v1, which has none known: give it `pricing` in the endpoints file/);
      writeFileSync(file, JSON.stringify({ endpoints: [{ ...entry, pricing: { inputUsdPerMillion: 10, outputUsdPerMillion: 40 } }] }));
      const priced = await runCli(['run', 'hanoi', '--disks', '4', '--endpoints', file, '--budget-usd', '0.5', '--no-progress', '--json']);
      expect(JSON.parse(priced.stdout)).toMatchObject({ stopReason: 'budget: dollars' });
    } finally {
      delete process.env['MAKER_PRICES_TEST_KEY'];
    }
  });

  it('keeps the prices given at the start for a resume, which may change them', async () => {
    const dir = join(root, 'run');
    const started = await runCli([...local(), '--input-price', '10', '--output-price', '40', '--budget-usd', '0.2', '--run-dir', dir]);
    expect(started.code).toBe(1);
    expect(readRunConfig(dir)).toMatchObject({ pricing: { inputUsdPerMillion: 10, outputUsdPerMillion: 40 } });
    const resumed = await runCli(['resume', dir, '--api-key', 'local', '--base-url', server.url, '--budget-usd', '0.4', '--no-progress', '--json']);
    expect(resumed.stderr).not.toMatch(/needs a price/);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ stopReason: 'budget: dollars' });
    const free = await runCli(['resume', dir, '--api-key', 'local', '--base-url', server.url, '--input-price', '0', '--output-price', '0', '--no-progress', '--json']);
    expect(free.code).toBe(0);
  });
});
