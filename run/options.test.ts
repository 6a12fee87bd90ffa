import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import type { ModelResponse } from '../core/model.ts';
import { redFlag, type RedFlagInput } from '../voting/red-flags.ts';
import { resolveRunOptions, RUN_DEFAULTS } from './options.ts';

const reply = (completionTokens: number): RedFlagInput => ({
  response: { text: 'x', finishReason: 'stop', usage: { promptTokens: 1, completionTokens }, latencyMs: 0 } satisfies ModelResponse,
  parsed: { ok: true, key: 'x', value: 'x' },
});

describe('resolveRunOptions', () => {
  it('fills every default: k 3, seed 0, the concurrency k, an 8192-token context, 750 output tokens, 200 samples a call', () => {
    const resolved = resolveRunOptions({});
    expect(resolved).toMatchObject({ k: 3, seed: 0, concurrency: 3, contextBudget: 8192, maxOutputTokens: 750, maxSamplesPerStep: 200, maxSteps: Number.POSITIVE_INFINITY });
    expect(RUN_DEFAULTS).toEqual({ k: 3, seed: 0, contextBudget: 8192, maxOutputTokens: 750, maxSamplesPerStep: 200 });
    expect(resolved.redFlags.map((rule) => rule.name)).toEqual(['truncated', 'too-long', 'unparseable']);
    expect([0, 1, 2].map(resolved.temperature)).toEqual([0, 0.1, 0.1]);
  });

  it('runs k calls at once unless told otherwise', () => {
    expect(resolveRunOptions({ k: 5 }).concurrency).toBe(5);
    expect(resolveRunOptions({ k: 5, concurrency: 2 }).concurrency).toBe(2);
  });

  it('caps the default too-long rule at the output-token cap', () => {
    const { redFlags } = resolveRunOptions({ maxOutputTokens: 40 });
    const tooLong = redFlags.find((rule) => rule.name === 'too-long')!;
    expect(tooLong.test(reply(40))).toBe(false);
    expect(tooLong.test(reply(41))).toBe(true);
  });

  it('keeps the rules, schedule and limits it is given', () => {
    const rules = [redFlag('custom', () => false)];
    const temperature = (index: number) => index / 2;
    const resolved = resolveRunOptions({ k: 1, seed: 9, concurrency: 4, contextBudget: 100, maxOutputTokens: 50, maxSamplesPerStep: 7, redFlags: rules, temperature, maxSteps: 12 });
    expect(resolved).toEqual({ k: 1, seed: 9, concurrency: 4, contextBudget: 100, maxOutputTokens: 50, maxSamplesPerStep: 7, redFlags: rules, temperature, maxSteps: 12 });
  });

  it("stops at the task's known length by default, at maxSteps when given, and never otherwise", () => {
    expect(resolveRunOptions({}, 30).maxSteps).toBe(30);
    expect(resolveRunOptions({ maxSteps: 5 }, 30).maxSteps).toBe(5);
    expect(resolveRunOptions({}, undefined).maxSteps).toBe(Number.POSITIVE_INFINITY);
    expect(resolveRunOptions({ maxSteps: 1 }).maxSteps).toBe(1);
  });

  it('takes a known length of 0 (a task solved at its start) as a limit of 0 steps, never as a bad maxSteps', () => {
    expect(resolveRunOptions({}, 0).maxSteps).toBe(0);
    expect(() => resolveRunOptions({}, -1)).toThrow("Expected the task's known length to be an integer >= 0, got `-1`");
    expect(() => resolveRunOptions({}, 1.5)).toThrow(InputError);
    expect(() => resolveRunOptions({ maxSteps: 0 }, 0)).toThrow('Expected `maxSteps` to be an integer >= 1, got `0`');
  });

  it('accepts seed 0 and the largest safe integer', () => {
    expect(resolveRunOptions({ seed: 0 }).seed).toBe(0);
    expect(resolveRunOptions({ seed: Number.MAX_SAFE_INTEGER }).seed).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    [{ k: 0 }, 'Expected `k` to be an integer >= 1, got `0`'],
    [{ k: 1.5 }, 'Expected `k` to be an integer >= 1, got `1.5`'],
    [{ seed: -1 }, 'Expected `seed` to be an integer >= 0, got `-1`'],
    [{ seed: 0.5 }, 'Expected `seed` to be an integer >= 0, got `0.5`'],
    [{ seed: 2 ** 53 }, `Expected \`seed\` to be an integer >= 0, got \`${2 ** 53}\``],
    [{ maxOutputTokens: 0 }, 'Expected `maxOutputTokens` to be an integer >= 1, got `0`'],
    [{ concurrency: 0 }, 'Expected `concurrency` to be an integer >= 1, got `0`'],
    [{ contextBudget: 2.5 }, 'Expected `contextBudget` to be an integer >= 1, got `2.5`'],
    [{ maxSamplesPerStep: 0 }, 'Expected `maxSamplesPerStep` to be an integer >= 1, got `0`'],
    [{ maxSteps: 0 }, 'Expected `maxSteps` to be an integer >= 1, got `0`'],
    [{ maxSteps: 2.5 }, 'Expected `maxSteps` to be an integer >= 1, got `2.5`'],
  ] as const)('rejects %o with an InputError quoting it', (bad, message) => {
    expect(() => resolveRunOptions(bad)).toThrow(InputError);
    expect(() => resolveRunOptions(bad)).toThrow(message);
  });
});
