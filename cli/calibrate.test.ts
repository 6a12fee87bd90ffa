import { describe, expect, it } from 'vitest';
import { createSimModel } from '../models/sim-model.ts';
import { hanoiSim } from '../tasks/hanoi/index.ts';
import { startChatServer } from '../testing/chat-server.ts';
import { runCli } from './testing.ts';

interface CalibrationJson {
  samples: number;
  valid: number;
  correct: number;
  redFlagged: number;
  p: { estimate: number; lower: number; upper: number };
  v: { estimate: number; lower: number; upper: number };
  referenceP: number;
  k: number;
  kAtEstimate: number;
  steps: number;
  meanOutputTokens: number;
}

describe('maker calibrate hanoi', () => {
  it('measures the simulated gpt-4.1-mini near its profile and recommends k from the lower bound, exit 0', async () => {
    // Arrange
    const args = ['calibrate', 'hanoi', '--disks', '10', '--model', 'sim:gpt-4.1-mini', '--samples', '1500', '--seed', '1', '--steps', '1048575', '--json'];

    // Act
    const { code, stdout, stderr } = await runCli(args);

    // Assert
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as CalibrationJson;
    expect(result.samples).toBe(1500);
    expect(result.valid + result.redFlagged).toBe(1500);
    expect(result.p.lower).toBeLessThanOrEqual(result.referenceP);
    expect(result.p.upper).toBeGreaterThanOrEqual(result.referenceP);
    expect(result.k).toBeGreaterThanOrEqual(result.kAtEstimate);
    expect(result.k).toBeGreaterThanOrEqual(3);
    expect(result.meanOutputTokens).toBeGreaterThan(400);
  });

  it('recommends the k and predicts the cost that maker estimate gives for the p it estimated', async () => {
    const calibrated = await runCli(['calibrate', 'hanoi', '--disks', '12', '--model', 'sim:gpt-4.1-mini', '--samples', '3000', '--seed', '2', '--steps', '1048575', '--json']);
    expect(calibrated.code).toBe(0);
    const { recommendation } = JSON.parse(calibrated.stdout) as {
      recommendation: { kind: string; k: number; estimate: Record<string, number> };
    };
    expect(recommendation.kind).toBe('recommended');
    const used = recommendation.estimate;
    const estimated = await runCli([
      'estimate',
      ...['--p', String(used['p']), '--v', String(used['v']), '--steps', String(used['steps']), '--target', String(used['target'])],
      ...['--input-tokens', String(used['inputTokens']), '--output-tokens', String(used['outputTokens'])],
      ...['--input-price', String(used['inputUsdPerMillion']), '--output-price', String(used['outputUsdPerMillion']), '--json'],
    ]);
    expect(estimated.code).toBe(0);
    const estimate = JSON.parse(estimated.stdout) as Record<string, number>;
    expect(estimate['k']).toBe(recommendation.k);
    expect(estimate['expectedCostUsd']).toBeCloseTo(used['expectedCostUsd']!, 6);
    expect(estimate['expectedSamples']).toBeCloseTo(used['expectedSamples']!, 3);
  });

  it('gives the same numbers for the same seed', async () => {
    const args = ['calibrate', 'hanoi', '--disks', '6', '--model', 'sim:qwen3', '--samples', '200', '--seed', '5', '--json'];
    const first = await runCli(args);
    const second = await runCli([...args.slice(0, -1), '--concurrency', '3', '--json']);
    expect(first.stdout).toBe(second.stdout);
  });

  it('prints an aligned table by default', async () => {
    const { code, stdout } = await runCli(['calibrate', 'hanoi', '--disks', '5', '--samples', '100', '--model', 'sim:o3-mini']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^calibrated {2}sim:o3-mini on hanoi \(5 disks\), seed 0, temperature 0\.1\n/);
    expect(stdout).toMatch(/\np \(95%\) {5}\S+ {2}\[/);
    expect(stdout).toMatch(/\nk {11}\d+ for 31 steps at target 0\.95/);
  });

  it('retries what an endpoint fails with for now: every sample is answered, none counted as failed', async () => {
    let requests = 0;
    const server = await startChatServer({
      model: createSimModel({ behaviour: hanoiSim, seed: 1 }),
      // Every third request fails with a 503 before the model sees it.
      intercept: (_req, res) => {
        if (++requests % 3 !== 0) return false;
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'busy' } }));
        return true;
      },
    });
    try {
      const args = ['calibrate', 'hanoi', '--disks', '4', '--samples', '20', '--model', 'openai:sim', '--base-url', server.url, '--api-key', 'test'];
      const { code, stdout, stderr } = await runCli([...args, '--retry-base-ms', '0', '--concurrency', '2', '--json']);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const result = JSON.parse(stdout) as { samples: number; failed: number; retries: number; faults: Record<string, number>; stopReason: string | null };
      expect(result).toMatchObject({ samples: 20, failed: 0, stopReason: null });
      expect(result.retries).toBe(requests - 20);
      expect(result.faults).toEqual({ 'server-error': result.retries });
    } finally {
      await server.close();
    }
  });

  it('stops cleanly at a budget, reporting the samples it took', async () => {
    const args = ['calibrate', 'hanoi', '--disks', '5', '--samples', '100', '--model', 'sim:o3-mini', '--budget-calls', '30', '--concurrency', '1'];
    const json = await runCli([...args, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ samples: 30, failed: 0, stopReason: 'budget: calls' });
    const table = await runCli(args);
    expect(table.stdout).toMatch(/\nstopped {5}budget: calls, after 30 of 100 samples\n/);
  });

  it.each([
    [['calibrate', 'hanoi', '--disks', '3', '--samples', '10', '--budget-calls', '-1'], /Expected --budget-calls to be an integer >= 0, got `-1`/],
    [['calibrate', 'hanoi', '--disks', '0', '--samples', '10'], /Expected --disks to be an integer from 1 to 30, got `0`/],
    [['calibrate', 'hanoi', '--disks', '3', '--samples', '0'], /Expected --samples to be an integer from 1 to 10000000, got `0`/],
    [['calibrate', 'hanoi', '--disks', '3', '--samples', '10', '--model', 'sim:nope'], /Unknown model profile `nope`; known profiles: /],
    [['calibrate', 'hanoi', '--disks', '3', '--samples', '10', '--target', '1.5'], /Expected --target to be a number in \(0, 1\), got `1\.5`/],
    [['calibrate', 'hanoi', '--disks', '3', '--samples', '10', '--method', 'exact'], /Expected --method to be one of clopper-pearson, wilson, got `exact`/],
    [['calibrate', 'hanoi', '--disks', '3'], /required option '--samples/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});
