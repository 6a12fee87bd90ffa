import { describe, expect, it } from 'vitest';
import { runCli } from './testing.ts';

describe('maker kmin', () => {
  it('prints the paper k_min for gpt-4.1-mini as JSON, exit 0', async () => {
    const { code, stdout, stderr } = await runCli(['kmin', '--p', '0.9978', '--steps', '1048575', '--target', '0.95', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, number>;
    expect(result).toMatchObject({ k: 3, p: 0.9978, steps: 1_048_575, target: 0.95, m: 1 });
    expect(result['pFull']).toBeGreaterThanOrEqual(0.95);
    expect(result['pStep']).toBeGreaterThan(0.99999);
  });

  it('prints an aligned table by default', async () => {
    const { code, stdout } = await runCli(['kmin', '--p', '0.6429', '--steps', '1048575', '--target', '0.95']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^k {6}29\npStep {2}/);
    expect(stdout).toMatch(/pFull {2}0\.959/);
  });

  it('takes steps per call', async () => {
    const { code, stdout } = await runCli(['kmin', '--p', '0.99', '--steps', '1000', '--target', '0.9', '--m', '4', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ m: 4 });
  });

  it.each([
    [['kmin', '--p', '0.5', '--steps', '10', '--target', '0.9'], /Expected --p to be a number in \(0\.5, 1\), got `0\.5`/],
    [['kmin', '--p', '1', '--steps', '10', '--target', '0.9'], /got `1`/],
    [['kmin', '--p', '0.9', '--steps', '10.5', '--target', '0.9'], /Expected --steps to be an integer >= 1, got `10\.5`/],
    [['kmin', '--p', '0.9', '--steps', '10', '--target', '1'], /Expected --target to be a number in \(0, 1\), got `1`/],
    [['kmin', '--p', '0.9', '--steps', '10', '--target', '0.9', '--m', '7'], /p\^m/],
    [['kmin', '--steps', '10', '--target', '0.9'], /required option '--p/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});
