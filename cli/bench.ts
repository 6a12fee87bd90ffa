/**
 * `maker bench`: the reliability benchmark harness.
 *   maker bench SCENARIO [--quick] [--model M] [--seed S] [--shard i/n] [--json]   one scenario
 *   maker bench SCENARIO --store URL                                               one scenario, its cases run by `maker worker`s
 *   maker bench all [--quick] ...                                                  the whole suite
 *   maker bench merge FILE...                                                      join a sharded sweep
 *   maker bench render FILE...                                                     redraw tables and plots from results JSON
 *   maker bench list                                                               what each scenario measures
 * Results go to results/ (results/quick/ with --quick): <scenario>.json, .md and .svg, and an index README.md.
 * An interrupted sweep continues where it stopped when the same command is run again.
 */
import { Command, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { mergeShards, parseShard, renderResults, runScenarioInParallel, type BenchSettings, type BenchSize, type ScenarioRun, type Shard } from '../bench/harness/index.ts';
import { BENCH_SIZES, SCENARIO_NAMES, type AnyScenario } from '../bench/harness/scenario.ts';
import { findScenario, SCENARIOS } from '../bench/scenarios/index.ts';
import { plainLoop } from '../bench/plain-loop.ts';
import { minimalLoop } from '../bench/minimal-loop.ts';
import { InputError } from '../core/errors.ts';
import { checkStoreUrl } from '../durable/pg-store.ts';
import { DEFAULT_MODEL } from '../models/model-spec.ts';
import { createSimModel, resolveProfile } from '../models/sim-model.ts';
import { createHanoiTask, MAX_DISKS, hanoiSim } from '../tasks/hanoi/index.ts';
import { choiceFlag, integerFlag, numberFlag } from './flags.ts';
import type { CommandContext } from './context.ts';

/** Options of a `maker bench SCENARIO` command, parsed. */
interface BenchCommandOptions {
  readonly settings: BenchSettings;
  /** Run the sweep through the workers of this store. */
  readonly store: string | undefined;
  readonly shard: Shard | undefined;
  readonly outDir: string;
  readonly fresh: boolean;
  readonly json: boolean;
  readonly progress: boolean;
  /** Processes to split each sweep over (scenarios that time themselves always run alone); undefined: the command's default. */
  readonly jobs: number | undefined;
}

function addBenchOptions(command: Command): Command {
  return command
    .option('--quick', 'the reduced sweep (about two minutes for the whole suite); results go to results/quick/')
    .addOption(new Option('--size <size>', 'sweep size: test, quick or full').choices([...BENCH_SIZES]).hideHelp())
    .option('--seed <seed>', 'base seed; every case derives its seeds from it', '1')
    .option('--model <spec>', "model to measure, sim:PROFILE or openai:NAME (default: each scenario's own)")
    .option('--base-url <url>', 'base URL for openai: models')
    .addOption(new Option('--api-key <key>', 'API key for openai: models (never recorded)').env('OPENAI_API_KEY'))
    .option('--error-rate <e>', "per-step error (1 - p) to plan k and predictions with, for a model without a profile")
    .option('--max-output-tokens <n>', 'output cap per call, also the over-long red flag (default 750, more for profiles with longer answers)')
    .option('--shard <i/n>', 'run part i of n of the sweep and write a shard file for `maker bench merge`')
    .option('--jobs <n>', 'split each sweep over n processes on this machine and merge them (default 1; for `bench all` the cores, at most 2)')
    .option('--out <dir>', 'results directory (default results/, or results/quick/ with --quick)')
    .option('--fresh', 'ignore any checkpoint of an interrupted sweep and start over')
    .option('--store <url>', 'enqueue the cases in PostgreSQL at URL for `maker worker --store URL` processes (any number, any machines), wait, and write the results')
    .option('--json', 'print the results JSON instead of the tables')
    .option('--no-progress', 'no progress lines on stderr');
}

function resolveBenchOptions(raw: Record<string, unknown>): BenchCommandOptions {
  if (raw['quick'] === true && raw['size'] !== undefined && raw['size'] !== 'quick') {
    throw new InputError(`Expected either --quick or --size, got both (--size \`${String(raw['size'])}\`)`);
  }
  const size: BenchSize = raw['quick'] === true ? 'quick' : raw['size'] === undefined ? 'full' : choiceFlag('size', String(raw['size']), BENCH_SIZES);
  const optionalString = (name: string) => (raw[name] === undefined ? undefined : String(raw[name]));
  const settings: BenchSettings = {
    size,
    seed: integerFlag('seed', String(raw['seed']), 0),
    model: optionalString('model'),
    baseURL: optionalString('baseUrl'),
    apiKey: optionalString('apiKey'),
    errorRate: raw['errorRate'] === undefined ? undefined : numberFlag('error-rate', String(raw['errorRate']), 0, 0.5, true),
    maxOutputTokens: raw['maxOutputTokens'] === undefined ? undefined : integerFlag('max-output-tokens', String(raw['maxOutputTokens']), 1),
  };
  if (settings.model !== undefined && !/^(sim|openai):./.test(settings.model)) {
    throw new InputError(`Expected --model to be sim:PROFILE or openai:NAME, got \`${settings.model}\``);
  }
  if (raw['store'] !== undefined && (raw['shard'] !== undefined || raw['fresh'] === true)) {
    throw new InputError(`Expected --store without ${raw['shard'] !== undefined ? '--shard' : '--fresh'}: workers share out a stored sweep's cases themselves`);
  }
  const jobs = raw['jobs'] === undefined ? undefined : integerFlag('jobs', String(raw['jobs']), 1, 64);
  if (jobs !== undefined && jobs > 1 && raw['shard'] !== undefined) {
    throw new InputError(`Expected either --shard or --jobs, got both (--jobs \`${jobs}\`)`);
  }
  return {
    settings,
    jobs,
    store: raw['store'] === undefined ? undefined : checkStoreUrl(String(raw['store'])),
    shard: raw['shard'] === undefined ? undefined : parseShard(String(raw['shard'])),
    outDir: optionalString('out') ?? (size === 'full' ? 'results' : `results/${size}`),
    fresh: raw['fresh'] === true,
    json: raw['json'] === true,
    progress: raw['progress'] !== false,
  };
}

/** Stops the sweep on Ctrl-C after the current case's calls; a second Ctrl-C kills the process as usual. */
function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return work(controller.signal).finally(() => process.off('SIGINT', onSigint));
}

function report(context: CommandContext, scenario: AnyScenario, outcome: ScenarioRun, options: BenchCommandOptions): void {
  if (outcome.kind === 'interrupted') {
    context.stderr.write(`maker: ${scenario.name} interrupted after ${outcome.done} of ${outcome.total} cases; run the same command again to continue\n`);
    context.exitCode = 130;
    return;
  }
  if (outcome.kind === 'shard') {
    context.stderr.write(`${scenario.name}: ${outcome.cases} cases written to ${outcome.file}\n`);
    if (options.json) context.stdout.write(`${JSON.stringify({ scenario: scenario.name, shard: outcome.file, cases: outcome.cases })}\n`);
    return;
  }
  if (options.json) {
    context.stdout.write(`${JSON.stringify(outcome.document)}\n`);
  } else {
    context.stdout.write(`# ${scenario.title}\n\n${outcome.markdown.trim()}\n\n`);
  }
  context.stderr.write(`${scenario.name}: wrote ${outcome.files.json}, ${outcome.files.markdown}, ${outcome.files.svg}\n`);
}

async function runOne(context: CommandContext, scenario: AnyScenario, options: BenchCommandOptions, signal: AbortSignal, defaultJobs = 1): Promise<ScenarioRun> {
  if (options.store !== undefined) return runStored(context, scenario, { ...options, store: options.store }, signal);
  const outcome = await runScenarioInParallel(scenario, {
    settings: options.settings,
    outDir: options.outDir,
    ...(options.shard === undefined ? {} : { shard: options.shard }),
    jobs: options.shard === undefined ? (options.jobs ?? defaultJobs) : 1,
    lookup: findScenario,
    fresh: options.fresh,
    ...(options.progress ? { progress: context.stderr } : {}),
    signal,
  });
  report(context, scenario, outcome, options);
  return outcome;
}

/** `maker bench SCENARIO --store URL`: the sweep drained by workers, its results written here. */
async function runStored(context: CommandContext, scenario: AnyScenario, options: BenchCommandOptions & { readonly store: string }, signal: AbortSignal): Promise<ScenarioRun> {
  // Loaded only for stored sweeps: it brings in DBOS and pg.
  const { runStoreSweep } = await import('../bench/harness/store-sweep.ts');
  const outcome = await runStoreSweep(scenario, {
    settings: options.settings,
    url: options.store,
    outDir: options.outDir,
    ...(options.progress ? { progress: context.stderr } : {}),
    signal,
  });
  if (outcome.kind === 'failed') {
    for (const failure of outcome.failures) context.stderr.write(`maker: ${scenario.name}: case ${failure}\n`);
    context.stderr.write(`maker: ${scenario.name}: ${outcome.failures.length} case(s) failed in sweep ${outcome.sweepId}; run the same command again to retry them\n`);
    context.exitCode = 1;
    return { kind: 'interrupted', done: 0, total: 0, checkpoint: outcome.sweepId };
  }
  if (outcome.kind === 'interrupted') {
    context.stderr.write(`maker: ${scenario.name}: stopped waiting after ${outcome.done} of ${outcome.total} cases; the workers go on with sweep ${outcome.sweepId}: run the same command again to collect its results\n`);
    context.exitCode = 130;
    return { kind: 'interrupted', done: outcome.done, total: outcome.total, checkpoint: outcome.sweepId };
  }
  report(context, scenario, outcome, options);
  return outcome;
}

/** Registers `maker bench`. */
export function registerBench(program: Command, context: CommandContext): void {
  const bench = program
    .command('bench')
    .description('measure reliability and cost: scaling, error vs k, strategies, convexity, throughput, micro (results/)');

  for (const name of SCENARIO_NAMES) {
    const scenario = SCENARIOS[name];
    if (scenario === undefined) continue;
    addBenchOptions(bench.command(name).description(scenario.title)).action(async (raw: Record<string, unknown>) => {
      const options = resolveBenchOptions(raw);
      await interruptible((signal) => runOne(context, scenario, options, signal));
    });
  }

  addBenchOptions(bench.command('all').description('run every scenario in turn (npm run bench; npm run bench:quick with --quick)')).action(
    async (raw: Record<string, unknown>) => {
      const options = resolveBenchOptions(raw);
      await interruptible(async (signal) => {
        // The statistical sweeps split over the machine's cores; the timing ones run alone.
        const jobs = Math.min(2, availableParallelism());
        for (const name of SCENARIO_NAMES) {
          const scenario = SCENARIOS[name];
          if (scenario === undefined) continue;
          const outcome = await runOne(context, scenario, options, signal, jobs);
          if (outcome.kind === 'interrupted') return;
        }
      });
    },
  );

  bench
    .command('merge')
    .description('join the shard files of one sharded sweep (maker bench SCENARIO --shard i/n) into its results')
    .argument('<files...>', 'shard files, e.g. results/scaling.shard-*-of-3.json')
    .option('--out <dir>', 'results directory', 'results')
    .addOption(new Option('--api-key <key>', 'API key, if the sweep used an openai: model').env('OPENAI_API_KEY'))
    .option('--json', 'print the results JSON instead of the tables')
    .action(async (files: string[], raw: Record<string, unknown>) => {
      const outcome = await mergeShards(files, {
        outDir: String(raw['out']),
        lookup: findScenario,
        ...(raw['apiKey'] === undefined ? {} : { apiKey: String(raw['apiKey']) }),
      });
      const scenario = findScenario(outcome.document.scenario)!;
      report(context, scenario, outcome, { json: raw['json'] === true } as BenchCommandOptions);
    });

  bench
    .command('render')
    .description('redraw the tables and plots of results files without rerunning them (after changing only a report)')
    .argument('<files...>', 'results files, e.g. results/scaling.json')
    .action(async (files: string[]) => {
      for (const file of files) {
        const outcome = await renderResults(file, { lookup: findScenario });
        context.stderr.write(`${outcome.document.scenario}: redrew ${outcome.files.markdown} and ${outcome.files.svg}\n`);
      }
    });

  bench
    .command('plain-loop', { hidden: true })
    .description('the throughput baselines: Hanoi through a plain synchronous loop, with the calibrated simulated model (bench/plain-loop.ts) or the minimal answerer (bench/minimal-loop.ts)')
    .requiredOption('--disks <n>', `number of disks, 1 to ${MAX_DISKS}`)
    .option('--k <k>', 'voting margin', '3')
    .option('--seed <seed>', 'run seed', '0')
    .option('--model <spec>', 'sim:PROFILE', DEFAULT_MODEL)
    .addOption(new Option('--answerer <kind>', 'sim: the calibrated simulated model; minimal: one seeded draw per sample').choices(['sim', 'minimal']).default('sim'))
    .option('--json', 'print one JSON object')
    .action((raw: Record<string, unknown>) => {
      const disks = integerFlag('disks', String(raw['disks']), 1, MAX_DISKS);
      const k = integerFlag('k', String(raw['k']), 1, 1000);
      const seed = integerFlag('seed', String(raw['seed']), 0);
      const spec = String(raw['model']);
      if (!spec.startsWith('sim:')) throw new InputError(`Expected --model to be sim:PROFILE for the plain loop, got \`${spec}\``);
      const answerer = String(raw['answerer']);
      const task = createHanoiTask({ disks });
      const profile = resolveProfile(spec.slice(4));
      // Built before the clock starts, as \`maker run\` builds its model before its run's clock starts.
      const model = answerer === 'minimal' ? undefined : createSimModel({ profile, behaviour: hanoiSim, seed });
      const started = performance.now();
      const result = model === undefined ? minimalLoop(task, hanoiSim, { k, seed, errorRate: profile.errorRate }) : plainLoop(task, model, k, seed);
      const wallMs = Math.round(performance.now() - started);
      const summary = { task: 'hanoi', disks, model: `sim:${profile.name}`, answerer, k, seed, ...result, wallMs };
      context.stdout.write(raw['json'] === true ? `${JSON.stringify(summary)}\n` : `plain loop (${answerer}): ${result.steps} steps, ${result.samples} samples, ${result.errors} errors, ${(wallMs / 1000).toFixed(1)} s\n`);
      context.exitCode = result.solved ? 0 : 1;
    });

  bench
    .command('list')
    .description('what each scenario measures')
    .action(() => {
      for (const name of SCENARIO_NAMES) {
        const scenario = SCENARIOS[name];
        if (scenario !== undefined) context.stdout.write(`${name}\n  ${scenario.title}\n  ${scenario.description}\n\n`);
      }
    });
}
