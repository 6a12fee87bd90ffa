import { describe, expect, it } from 'vitest';
import { runCli } from './testing.ts';

describe('maker plan', () => {
  it('recommends the cheapest paper profile as JSON, exit 0', async () => {
    const { code, stdout, stderr } = await runCli(['plan', '--steps', '1048575', '--target', '0.95', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { kind: string; best: Record<string, unknown>; candidates: unknown[] };
    expect(result.kind).toBe('planned');
    expect(result.best).toMatchObject({ profile: 'gpt-oss-20b', k: 6, m: 1 });
    expect(result.candidates).toHaveLength(10);
  });

  it('limits the choice to the given profiles and prints a table', async () => {
    const { code, stdout } = await runCli(['plan', '--steps', '1048575', '--target', '0.95', '--profile', 'gpt-4.1-mini', '--profile', 'o3-mini']);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^profile +m +k +pFull +samples +cost$/);
    expect(stdout).toMatch(/\nbest: gpt-4\.1-mini with k = 3, \$2,720 expected\n$/);
  });

  it.each([
    [['plan', '--steps', '100', '--target', '0.9', '--profile', 'nope'], /Unknown model profile `nope`; known profiles: gpt-4\.1-nano/],
    [['plan', '--steps', '-3', '--target', '0.9'], /Expected --steps to be an integer >= 1, got `-3`/],
    [['plan', '--steps', '100', '--target', '0.9', '--max-m', '0'], /Expected --max-m to be an integer from 1 to 64, got `0`/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });
});
