import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { GraphTask, StepTask } from '../core/task.ts';
import { SAMPLE_RUN_CONFIG } from '../testing/durable-fixtures.ts';
import { diffRunConfig, runIdOf, taskFingerprint, type RunConfig } from './run-config.ts';

const stepTask = (intro: string): StepTask<number, number> => ({
  name: 'count',
  totalSteps: 3,
  initialState: () => 0,
  prompt: (state, step) => [{ role: 'user', content: `${intro}: at ${state}, step ${step}` }],
  parse: () => ({ ok: false, reason: 'unused' }),
  absorb: (state) => state + 1,
  done: (state) => state >= 3,
  solved: (state) => state === 3,
});

const graphTask = (ids: readonly string[]): GraphTask<number, number, undefined> => ({
  name: 'graph',
  totalCalls: ids.length,
  initialState: () => 0,
  ready: () => ids.map((id) => ({ id, data: undefined, messages: [{ role: 'user', content: 'same prompt' }] })),
  parse: () => ({ ok: false, reason: 'unused' }),
  absorb: (state) => state + 1,
  done: () => true,
  solved: () => true,
});

describe('taskFingerprint', () => {
  it('is 8 hex digits of the first prompt: the same task, the same fingerprint; another prompt, another', () => {
    expect(taskFingerprint(stepTask('count'))).toMatch(/^[0-9a-f]{8}$/);
    expect(taskFingerprint(stepTask('count'))).toBe(taskFingerprint(stepTask('count')));
    expect(taskFingerprint(stepTask('count'))).not.toBe(taskFingerprint(stepTask('tally')));
  });

  it("covers a graph task's ids and prompts of every call ready at the start", () => {
    expect(taskFingerprint(graphTask(['a', 'b']))).toMatch(/^[0-9a-f]{8}$/);
    expect(taskFingerprint(graphTask(['a', 'b']))).not.toBe(taskFingerprint(graphTask(['a'])));
    expect(taskFingerprint(graphTask(['a', 'b']))).not.toBe(taskFingerprint(graphTask(['a', 'c'])));
  });
});

const config = SAMPLE_RUN_CONFIG;

describe('diffRunConfig', () => {

  it('finds nothing between a run and itself, nor in the settings a resume may change', () => {
    expect(diffRunConfig(config, { ...config })).toEqual([]);
    expect(diffRunConfig(config, { ...config, concurrency: 8, baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: 'KEY', endpointsFile: 'e.json' })).toEqual([]);
  });

  it('names each identity field that differs, with both values', () => {
    expect(diffRunConfig(config, { ...config, k: 5, seed: 2 })).toEqual(['k: 3 in the run directory, 5 now', 'seed: 1 in the run directory, 2 now']);
    expect(diffRunConfig(config, { ...config, ensemble: [{ spec: 'sim:a', weight: 1 }] })).toEqual(['ensemble: null in the run directory, [{"spec":"sim:a","weight":1}] now']);
  });

  it('compares task options one by one, an option set on one side only as unset on the other', () => {
    expect(diffRunConfig(config, { ...config, taskOptions: { disks: 7, strategy: 'flat' } })).toEqual([
      'disks: 6 in the run directory, 7 now',
      'strategy: unset in the run directory, "flat" now',
    ]);
    expect(diffRunConfig({ ...config, taskOptions: { disks: 6, strategy: 'flat' } }, config)).toEqual(['strategy: "flat" in the run directory, unset now']);
  });

  it('blames a changed prompt only when nothing else explains the changed fingerprint', () => {
    expect(diffRunConfig(config, { ...config, taskFingerprint: 'feedf00d' })).toEqual([
      "the task's prompt has changed since the run started (fingerprint 0badcafe, now feedf00d)",
    ]);
    expect(diffRunConfig(config, { ...config, taskOptions: { disks: 7 }, taskFingerprint: 'feedf00d' })).toEqual(['disks: 6 in the run directory, 7 now']);
    expect(diffRunConfig(config, { ...config, task: 'other', taskFingerprint: 'feedf00d' })).toEqual(['task: "hanoi" in the run directory, "other" now']);
  });
});

describe('taskFingerprint, more', () => {
  const callsTask = (calls: ReadonlyArray<readonly [id: string, prompt: string]>): GraphTask<number, number, undefined> => ({
    ...graphTask([]),
    ready: () => calls.map(([id, content]) => ({ id, data: undefined, messages: [{ role: 'user', content }] })),
  });

  it('tells two calls from one call whose prompt holds the other', () => {
    expect(taskFingerprint(callsTask([['a', 'x'], ['b', 'y']]))).not.toBe(taskFingerprint(callsTask([['a', 'xb\ny']])));
  });

  it('is always 8 hex digits, leading zeros kept', () => {
    const prints = Array.from({ length: 200 }, (_, i) => taskFingerprint(stepTask(`count ${i}`)));
    for (const print of prints) expect(print).toMatch(/^[0-9a-f]{8}$/);
    expect(prints.some((print) => print.startsWith('0'))).toBe(true);
  });
});

describe('runIdOf', () => {

  it('is 16 hex digits of the SHA-256 of the identity fields, in order, an absent ensemble as null', () => {
    const identity = [config.task, config.taskOptions, config.taskFingerprint, config.model, null, config.k, config.seed, config.maxOutputTokens, config.contextBudget, config.maxSamplesPerStep];
    const expected = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
    expect(runIdOf(config)).toBe(expected);
    const { ensemble: _, ...old } = config;
    expect(runIdOf(old as RunConfig)).toBe(expected);
  });

  it('changes with what decides the run, not with what a resume may change', () => {
    expect(runIdOf({ ...config, seed: 2 })).not.toBe(runIdOf(config));
    expect(runIdOf({ ...config, k: 0 })).not.toBe(runIdOf(config));
    expect(runIdOf({ ...config, concurrency: 9, baseURL: 'http://x', apiKeyEnv: 'K', endpointsFile: 'e.json' })).toBe(runIdOf(config));
  });
});
