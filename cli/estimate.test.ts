import { describe, expect, it } from 'vitest';
import { MODEL_PROFILES } from '../models/profiles.ts';
import { expectedVotes } from '../planning/reliability.ts';
import { runCli } from './testing.ts';

describe('maker estimate', () => {
  it('estimates a paper profile with k defaulting to kMin, as one JSON object', async () => {
    const { code, stdout, stderr } = await runCli(['estimate', '--profile', 'gpt-4.1-mini', '--steps', '1048575', '--target', '0.95', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, number>;
    for (const field of ['k', 'pStep', 'pFull', 'expectedSamplesPerStep', 'expectedSamples', 'expectedCostUsd']) expect(result).toHaveProperty(field);
    expect(result).toMatchObject({ profile: 'gpt-4.1-mini', k: 3, outputTokens: 538, outputUsdPerMillion: 1.6, meetsTarget: true });
    expect(result['expectedSamplesPerStep']).toBeCloseTo(expectedVotes(0.9978, 3), 10);
    expect(result['expectedCostUsd']).toBeCloseTo(1_048_575 * expectedVotes(0.9978, 3) * 538 * 1.6e-6, 6);
    expect(result['pCapHit']).toBeLessThan(1e-12);
  });

  it('takes p, v, tokens, prices and k from flags', async () => {
    const args = ['estimate', '--p', '0.9', '--v', '0.5', '--input-tokens', '1000', '--output-tokens', '100', '--input-price', '1', '--output-price', '10', '--steps', '100', '--target', '0.9', '--k', '2', '--json'];
    const { code, stdout } = await runCli(args);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, number>;
    expect(result).toMatchObject({ k: 2, v: 0.5, costPerSampleUsd: 0.002 });
    expect(result['expectedSamples']).toBeCloseTo((100 * expectedVotes(0.9, 2)) / 0.5, 9);
  });

  it('prints an aligned table by default', async () => {
    const { code, stdout } = await runCli(['estimate', '--profile', 'gpt-4.1-nano', '--steps', '1048575', '--target', '0.95']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^model {9}gpt-4\.1-nano \(p = 0\.6429\), v = 1\n/);
    expect(stdout).toMatch(/\nk {13}29 \(least k reaching the target\)\n/);
    expect(stdout).toMatch(/\ncost {10}\$35,8\d\d\n/);
  });

  it.each([
    [['estimate', '--profile', 'nope', '--steps', '10', '--target', '0.9'], new RegExp(`Unknown model profile \`nope\`; known profiles: ${MODEL_PROFILES.map((p) => p.name).join(', ')}`)],
    [['estimate', '--p', '0.4', '--steps', '10', '--target', '0.9'], /Expected --p to be a number in \(0\.5, 1\), got `0\.4`/],
    [['estimate', '--p', '0.9', '--profile', 'qwen3', '--steps', '10', '--target', '0.9'], /either --profile or --p, not both/],
    [['estimate', '--steps', '10', '--target', '0.9'], /Expected --profile NAME or --p P/],
    [['estimate', '--p', '0.9', '--steps', '1e9.5', '--target', '0.9'], /Expected --steps to be an integer >= 1/],
    [['estimate', '--p', '0.9', '--steps', '10', '--target', '0'], /Expected --target to be a number in \(0, 1\), got `0`/],
    [['estimate', '--p', '0.9', '--steps', '10', '--target', '0.9', '--v', '0'], /Expected --v to be a number in \(0, 1\], got `0`/],
    [['estimate', '--p', '0.9', '--steps', '10', '--target', '0.9', '--input-tokens', '-1'], /Expected --input-tokens to be a number >= 0, got `-1`/],
    [['estimate', '--profile', 'llama-3.2-3b', '--steps', '10', '--target', '0.9'], /voting converges/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});
