/**
 * A sweep split over several processes on this machine: `jobs` children each run one shard (`maker bench NAME
 * --shard i/jobs`), at once, and their shard files are merged into the results — the same results as one
 * process would write, since every case carries its own seeds (the merge is tested to be exact). Scenarios whose
 * cases time themselves (`timing`) always run in one process, alone.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../core/package-root.ts';
import { mergeShards, runScenario, type RunScenarioOptions, type ScenarioRun } from './run.ts';
import type { AnyScenario, BenchSettings } from './scenario.ts';
import { shardFileName } from './shard.ts';

/** Options of {@link runScenarioInParallel}: those of a sweep, and how many processes to split it over. */
export interface ParallelOptions extends RunScenarioOptions {
  /** Processes at once; 1 runs the sweep in this process. */
  readonly jobs: number;
  /** Finds a scenario by name, for the merge. */
  readonly lookup: (name: string) => AnyScenario | undefined;
}

/** The command-line flags that plan the same sweep in a child. The API key travels in the environment. */
export function settingsArgs(settings: BenchSettings): string[] {
  const args = ['--size', settings.size, '--seed', String(settings.seed)];
  if (settings.model !== undefined) args.push('--model', settings.model);
  if (settings.baseURL !== undefined) args.push('--base-url', settings.baseURL);
  if (settings.errorRate !== undefined) args.push('--error-rate', String(settings.errorRate));
  if (settings.maxOutputTokens !== undefined) args.push('--max-output-tokens', String(settings.maxOutputTokens));
  return args;
}

/** Runs one shard in a child process, passing its progress lines on; resolves with its exit code. */
function runShardChild(name: string, index: number, count: number, options: ParallelOptions): Promise<{ code: number | null; stderr: string }> {
  // bin/ is beside dist/, not inside it: found from the package root, as the compiled file sits one level deeper.
  const args = [join(packageRoot(), 'bin', 'maker.js'), 'bench', name, ...settingsArgs(options.settings), '--shard', `${index}/${count}`, '--out', options.outDir];
  if (options.fresh === true) args.push('--fresh');
  if (options.progress === undefined) args.push('--no-progress');
  const env = { ...process.env, ...(options.settings.apiKey === undefined ? {} : { OPENAI_API_KEY: options.settings.apiKey }) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr = `${stderr}${line}\n`.slice(-4000);
      options.progress?.write(`${line}\n`);
    });
    const onAbort = () => child.kill('SIGINT');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code, stderr });
    });
  });
}

/** Runs a sweep split over `jobs` processes (or in this one, for one job or a timing scenario) and writes its results. */
export async function runScenarioInParallel(scenario: AnyScenario, options: ParallelOptions): Promise<ScenarioRun> {
  const jobs = Math.min(options.jobs, scenario.plan(options.settings).cases.length);
  if (jobs <= 1 || options.shard !== undefined || scenario.timing === true) return runScenario(scenario, options);
  const started = performance.now();
  const children = await Promise.all(Array.from({ length: jobs }, (_, i) => runShardChild(scenario.name, i + 1, jobs, options)));
  const files = Array.from({ length: jobs }, (_, i) => join(options.outDir, shardFileName(scenario.name, { index: i + 1, count: jobs })));
  if (options.signal?.aborted === true || children.some((child) => child.code === 130)) {
    // Each child kept what it finished in its own checkpoint: the same command continues from there.
    return { kind: 'interrupted', done: 0, total: jobs, checkpoint: join(options.outDir, '.checkpoints') };
  }
  const failed = children.findIndex((child) => child.code !== 0);
  if (failed >= 0) {
    throw new Error(`Shard ${failed + 1}/${jobs} of \`${scenario.name}\` failed (exit ${String(children[failed]!.code)}): ${children[failed]!.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }
  const merged = await mergeShards(files, { outDir: options.outDir, lookup: options.lookup, ...(options.settings.apiKey === undefined ? {} : { apiKey: options.settings.apiKey }) });
  for (const file of files) rmSync(file, { force: true });
  options.progress?.write(`[${scenario.name}] ${jobs} shards merged in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  return merged;
}
