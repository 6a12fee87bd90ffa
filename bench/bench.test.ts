import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/testing.ts';
import { startChatServer } from '../testing/chat-server.ts';
import { createSimModel } from '../models/sim-model.ts';
import { hanoiSim } from '../tasks/hanoi/index.ts';
import { mergeShards, renderResults, runScenario, runScenarioInParallel, type BenchSettings, type ResultDocument } from './harness/index.ts';
import { SCENARIO_NAMES, type AnyScenario } from './harness/scenario.ts';
import { findScenario, SCENARIOS } from './scenarios/index.ts';

const settings: BenchSettings = { size: 'test', seed: 1, model: undefined, baseURL: undefined, apiKey: undefined, errorRate: undefined, maxOutputTokens: undefined };
const tempDir = () => mkdtempSync(join(tmpdir(), 'maker-bench-test-'));
const summaryOf = (dir: string, name: string) => (JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as ResultDocument).summary;

describe('the benchmark harness', () => {
  it('registers every scenario the suite names', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...SCENARIO_NAMES].sort());
  });

  it.each([...SCENARIO_NAMES])('runs the smallest case of %s and writes its json, md and svg', async (name) => {
    const dir = tempDir();
    const outcome = await runScenario(findScenario(name)!, { settings, outDir: dir });
    expect(outcome.kind).toBe('complete');
    const document = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as ResultDocument;
    expect(document.provenance.command).toBe(`node bin/maker.js bench ${name} --size test --seed 1`);
    expect(document.provenance.machine.cpus).toBeGreaterThan(0);
    expect(document.cases.length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, `${name}.md`), 'utf8')).toContain(document.provenance.command);
    expect(readFileSync(join(dir, `${name}.svg`), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(`(${name}.md)`);
    expect(existsSync(join(dir, '.checkpoints'))).toBe(false);
  });

  it('merges shards into the same results as one unsharded sweep', async () => {
    const whole = tempDir();
    const parts = tempDir();
    const scaling = findScenario('scaling')!;
    await runScenario(scaling, { settings, outDir: whole });
    const files: string[] = [];
    for (const index of [1, 2, 3]) {
      const outcome = await runScenario(scaling, { settings, outDir: parts, shard: { index, count: 3 } });
      expect(outcome.kind).toBe('shard');
      if (outcome.kind === 'shard') files.push(outcome.file);
    }
    const merged = await mergeShards(files, { outDir: parts, lookup: findScenario });
    expect(merged.document.shards).toHaveLength(3);
    expect(summaryOf(parts, 'scaling')).toEqual(summaryOf(whole, 'scaling'));
  });

  it('splits a sweep over processes and merges it into the results one process writes', async () => {
    const whole = tempDir();
    const parts = tempDir();
    const scaling = findScenario('scaling')!;
    await runScenario(scaling, { settings, outDir: whole });
    const outcome = await runScenarioInParallel(scaling, { settings, outDir: parts, jobs: 2, lookup: findScenario });
    expect(outcome.kind).toBe('complete');
    expect(summaryOf(parts, 'scaling')).toEqual(summaryOf(whole, 'scaling'));
    expect(readdirSync(parts).filter((file) => file.includes('.shard-'))).toEqual([]);
  });

  it('never splits a scenario whose cases time themselves', async () => {
    const dir = tempDir();
    const outcome = await runScenarioInParallel(findScenario('micro')!, { settings, outDir: dir, jobs: 2, lookup: findScenario });
    expect(outcome.kind === 'complete' && outcome.document.shards).toBeUndefined();
  });

  it('redraws tables and plots from a results file alone, identically', async () => {
    const dir = tempDir();
    await runScenario(findScenario('strategies')!, { settings, outDir: dir });
    const markdown = readFileSync(join(dir, 'strategies.md'), 'utf8');
    const svg = readFileSync(join(dir, 'strategies.svg'), 'utf8');
    await renderResults(join(dir, 'strategies.json'), { lookup: findScenario });
    expect(readFileSync(join(dir, 'strategies.md'), 'utf8')).toBe(markdown);
    expect(readFileSync(join(dir, 'strategies.svg'), 'utf8')).toBe(svg);
  });

  it('refuses to merge when a shard is missing, naming it', async () => {
    const dir = tempDir();
    const outcome = await runScenario(findScenario('scaling')!, { settings, outDir: dir, shard: { index: 1, count: 2 } });
    const file = outcome.kind === 'shard' ? outcome.file : '';
    await expect(mergeShards([file], { outDir: dir, lookup: findScenario })).rejects.toThrow(/shards 2\/2 not given/);
  });

  it('continues an interrupted sweep from its checkpoint, running only the cases left, to the same results', async () => {
    const scaling = findScenario('scaling')!;
    const reference = tempDir();
    await runScenario(scaling, { settings, outDir: reference });

    const dir = tempDir();
    const controller = new AbortController();
    const ran: string[] = [];
    const counting = (abortAfter: number | undefined): AnyScenario => ({
      ...scaling,
      runCase: async (input, params, context) => {
        const result: unknown = await scaling.runCase(input, params, context);
        ran.push(JSON.stringify(input));
        if (ran.length === abortAfter) controller.abort();
        return result;
      },
    });
    // Interrupted while the second case runs: that case is not kept, the first is.
    const first = await runScenario(counting(2), { settings, outDir: dir, signal: controller.signal });
    expect(first).toMatchObject({ kind: 'interrupted', done: 1, total: 4 });
    expect(readdirSync(join(dir, '.checkpoints'))).toEqual(['scaling.jsonl']);

    ran.length = 0;
    const second = await runScenario(counting(undefined), { settings, outDir: dir });
    expect(second.kind).toBe('complete');
    expect(ran).toHaveLength(3);
    expect(summaryOf(dir, 'scaling')).toEqual(summaryOf(reference, 'scaling'));
  });
});

describe('maker bench', () => {
  it('lists the scenarios', async () => {
    const { code, stdout } = await runCli(['bench', 'list']);
    expect(code).toBe(0);
    for (const name of SCENARIO_NAMES) expect(stdout).toContain(name);
  });

  it('runs a scenario and prints its results JSON with --json', async () => {
    const dir = tempDir();
    const { code, stdout } = await runCli(['bench', 'strategies', '--size', 'test', '--out', dir, '--json', '--no-progress']);
    expect(code).toBe(0);
    const document = JSON.parse(stdout) as ResultDocument;
    expect(document.scenario).toBe('strategies');
    expect(document.provenance.command).toBe('node bin/maker.js bench strategies --size test --seed 1');
    // Every strategy's model answers its prompts: the flat call, one answer with the whole move list (not 200
    // unparseable samples, as when the flat task was answered by the per-step behaviour).
    const cases = document.cases as ReadonlyArray<{ input: { strategy: string }; result: { runs: Array<{ samples: number; redFlags: number; completionTokens: number; steps: number }> } }>;
    const flat = cases.filter((c) => c.input.strategy === 'flat').flatMap((c) => c.result.runs);
    expect(flat.length).toBeGreaterThan(0);
    // One step decided by one valid answer (k = 1), after any red-flagged ones.
    for (const run of flat) expect({ steps: run.steps, votes: run.samples - run.redFlags }).toEqual({ steps: 1, votes: 1 });
    for (const run of cases.flatMap((c) => c.result.runs)) expect(run.completionTokens).toBeGreaterThan(0);
  });

  it('measures a model behind an OpenAI-compatible endpoint the same way', async () => {
    const server = await startChatServer({ model: createSimModel({ behaviour: hanoiSim, seed: 1 }) });
    try {
      const dir = tempDir();
      const args = ['bench', 'error-vs-k', '--size', 'test', '--model', 'openai:gpt-4.1-mini', '--base-url', server.url, '--api-key', 'test-key'];
      const { code, stdout } = await runCli([...args, '--out', dir, '--json', '--no-progress']);
      expect(code).toBe(0);
      const document = JSON.parse(stdout) as ResultDocument;
      expect(document.provenance.command).toBe(`node bin/maker.js bench error-vs-k --size test --seed 1 --model openai:gpt-4.1-mini --base-url ${server.url}`);
      expect(JSON.stringify(document)).not.toContain('test-key');
      expect(server.stats.requests).toBeGreaterThan(20);
    } finally {
      await server.close();
    }
  });

  it.each([
    [['bench', 'scaling', '--shard', '3/2'], /Expected --shard to be i\/n with 1 <= i <= n, e.g. 2\/3, got `3\/2`/],
    [['bench', 'scaling', '--seed', '-1'], /Expected --seed to be an integer >= 0, got `-1`/],
    [['bench', 'scaling', '--model', 'gpt-4'], /Expected --model to be sim:PROFILE or openai:NAME, got `gpt-4`/],
    [['bench', 'scaling', '--model', 'openai:my-model', '--size', 'test'], /Expected --error-rate for `openai:my-model`/],
    [['bench', 'throughput', '--model', 'openai:gpt-4.1-mini'], /Expected a sim: model for the throughput scenario/],
    [['bench', 'merge', '/nonexistent/shard.json'], /Cannot read shard file `\/nonexistent\/shard.json`/],
  ])('exits 2 on bad input %j', async (args, message) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
