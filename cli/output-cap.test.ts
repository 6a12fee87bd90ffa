/**
 * The output cap (also the over-long red flag) by default suits the model: the paper's 750 tokens for models
 * whose answers are well under it, more for those whose ordinary answers are longer, so every profile the
 * planner may recommend can run at its defaults.
 */
import { describe, expect, it } from 'vitest';
import { defaultOutputCap, findProfile, MODEL_PROFILES } from '../models/profiles.ts';
import { runCli } from './testing.ts';

describe('the default output cap', () => {
  it('is 750 for the paper\'s gpt-4.1-mini and 1.4 times the mean answer, rounded up to 50, for longer-winded profiles', () => {
    expect(defaultOutputCap(findProfile('gpt-4.1-mini'))).toBe(750);
    expect(defaultOutputCap(findProfile('gpt-oss-20b'))).toBe(1550);
    expect(defaultOutputCap(undefined)).toBe(750);
    for (const profile of MODEL_PROFILES) expect(defaultOutputCap(profile)).toBeGreaterThan(1.25 * profile.tokensPerResponse);
  });

  it.each(['gpt-oss-20b', 'gpt-4.1-nano', 'kimi-k2', 'deepseek-v3.1'])('lets sim:%s decide every step at the defaults, and says which cap it used', async (name) => {
    const { stdout, stderr } = await runCli(['run', 'hanoi', '--disks', '3', '--model', `sim:${name}`, '--k', '2', '--seed', '1', '--json']);
    // At a 750-token cap nearly every answer of these models is cut and red-flagged, and step 0 never decides.
    expect(stderr).toBe('');
    const summary = JSON.parse(stdout) as { steps: number; samples: number; redFlagsByRule: Record<string, number>; maxOutputTokens: number };
    expect(summary.steps).toBe(7);
    expect(summary.maxOutputTokens).toBe(defaultOutputCap(findProfile(name)));
  });

  it('runs the profile plan recommends at its defaults', async () => {
    const planned = JSON.parse((await runCli(['plan', '--steps', '7', '--target', '0.9', '--json'])).stdout) as { best: { profile: string; k: number; maxOutputTokens: number } };
    expect(planned.best.maxOutputTokens).toBe(defaultOutputCap(findProfile(planned.best.profile)));
    const { code } = await runCli(['run', 'hanoi', '--disks', '3', '--model', `sim:${planned.best.profile}`, '--k', String(planned.best.k), '--seed', '1', '--no-progress']);
    expect(code).toBe(0);
  });

  it('stays what --max-output-tokens says when given', async () => {
    const { stdout } = await runCli(['run', 'hanoi', '--disks', '2', '--model', 'sim:gpt-oss-20b', '--max-output-tokens', '5000', '--json']);
    expect(JSON.parse(stdout)).toMatchObject({ maxOutputTokens: 5000 });
  });
});
