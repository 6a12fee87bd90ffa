/**
 * Runs a scenario's sweep: plans it, keeps the shard's cases, skips those a checkpoint holds, runs the rest with
 * progress (each appended to the checkpoint as it ends), and then either writes the results or, for one shard of
 * several, the shard file that `mergeShards` joins with the others.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../../core/errors.ts';
import { createModel } from '../../models/model-spec.ts';
import { openCheckpoint } from './checkpoint.ts';
import { createSweepProgress } from './progress.ts';
import { commandFor, loadAverage, machine, versions, type Provenance } from './provenance.ts';
import type { AnyScenario, BenchSettings, CaseContext, CaseOutcome } from './scenario.ts';
import { selectShard, shardFileName, type Shard } from './shard.ts';
import { recordedSettings, writeScenarioResults, type ResultDocument, type ScenarioFiles } from './write.ts';

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  readonly settings: BenchSettings;
  /** Where results (and checkpoints, under `.checkpoints/`) go. */
  readonly outDir: string;
  /** Run only this part of the sweep. @default the whole sweep */
  readonly shard?: Shard;
  /** Discard any checkpoint and start over. @default false */
  readonly fresh?: boolean;
  /** Where progress lines go. @default no progress */
  readonly progress?: NodeJS.WritableStream;
  /** Stops the sweep after the current case's calls; what is done stays in the checkpoint. */
  readonly signal?: AbortSignal;
}

/** How a sweep ended. */
export type ScenarioRun =
  | { readonly kind: 'complete'; readonly files: ScenarioFiles; readonly document: ResultDocument; readonly markdown: string }
  | { readonly kind: 'shard'; readonly file: string; readonly cases: number }
  | { readonly kind: 'interrupted'; readonly done: number; readonly total: number; readonly checkpoint: string };

/** The shard file's JSON. */
export interface ShardDocument {
  readonly format: 'maker-bench-shard/1';
  readonly scenario: string;
  readonly fingerprint: string;
  readonly shard: string;
  readonly settings: Omit<BenchSettings, 'apiKey'>;
  readonly provenance: Provenance;
  readonly cases: readonly { readonly id: string; readonly result: unknown }[];
}

/** What makes two sweeps the same sweep: the scenario, its recorded settings and its planned parameters. */
export function fingerprintOf(scenario: AnyScenario, settings: BenchSettings, params: unknown): string {
  return JSON.stringify({ scenario: scenario.name, settings: recordedSettings(settings), params });
}

/** JSON round trip, so fresh results and results read back from a checkpoint report identically. */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** What a running case may use: its settings, the stop signal, progress, and models built from specs. */
export function caseContext(settings: BenchSettings, signal: AbortSignal, update: (fraction: number, note?: string) => void): CaseContext {
  return {
    settings,
    signal,
    progress: update,
    model: (spec, behaviour, options = {}) =>
      createModel(spec, {
        behaviour,
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        ...(options.simParameters === undefined ? {} : { simParameters: options.simParameters }),
        ...(settings.baseURL === undefined ? {} : { baseURL: settings.baseURL }),
        ...(settings.apiKey === undefined ? {} : { apiKey: settings.apiKey }),
      }),
  };
}

/** Runs a scenario (or one shard of it) to the end, or until interrupted. */
export async function runScenario(scenario: AnyScenario, options: RunScenarioOptions): Promise<ScenarioRun> {
  const { settings } = options;
  const startedAt = new Date();
  const startLoad = loadAverage();
  // Versions as the sweep starts: the code that runs is the code loaded now, whatever is committed meanwhile.
  const startVersions = versions();
  const started = performance.now();
  const plan = scenario.plan(settings);
  const shard = options.shard ?? { index: 1, count: 1 };
  const selected = selectShard(plan.cases, shard);
  const fingerprint = fingerprintOf(scenario, settings, plan.params);
  const suffix = shard.count === 1 ? '' : `.shard-${shard.index}-of-${shard.count}`;
  const checkpoint = openCheckpoint(join(options.outDir, '.checkpoints', `${scenario.name}${suffix}.jsonl`), `${fingerprint}|${shard.index}/${shard.count}`, options.fresh);
  const signal = options.signal ?? new AbortController().signal;

  const totalWeight = selected.reduce((sum, item) => sum + item.weight, 0);
  const progress = createSweepProgress(options.progress ?? process.stderr, {
    enabled: options.progress !== undefined,
    scenario: scenario.name + (shard.count === 1 ? '' : ` ${shard.index}/${shard.count}`),
    cases: selected.length,
    totalWeight,
  });
  const already = selected.filter((item) => checkpoint.done.has(item.id));
  progress.resumed(already.length, already.reduce((sum, item) => sum + item.weight, 0));
  const context = caseContext(settings, signal, (fraction, note) => progress.update(fraction, note));

  try {
    for (const item of selected) {
      if (checkpoint.done.has(item.id)) continue;
      if (signal.aborted) break;
      progress.start(item.label);
      let result: unknown;
      try {
        result = await scenario.runCase(item.input, plan.params, context);
      } catch (error) {
        // A model call aborted by the interrupt surfaces as an error: the sweep stops, the case runs again later.
        if (signal.aborted) break;
        throw error;
      }
      // A case cut short by the interrupt is not a result: it runs again when the sweep continues.
      if (signal.aborted) break;
      checkpoint.append(item.id, plain(result));
      progress.finish(item.label, item.weight);
    }
  } finally {
    progress.stop();
  }
  const done = selected.filter((item) => checkpoint.done.has(item.id)).length;
  if (done < selected.length) return { kind: 'interrupted', done, total: selected.length, checkpoint: checkpoint.path };

  const provenance: Provenance = {
    command: commandFor(scenario.name, settings),
    seed: settings.seed,
    size: settings.size,
    date: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    versions: startVersions,
    machine: machine(),
    loadAverage: { start: startLoad, end: loadAverage() },
  };

  if (shard.count > 1) {
    const document: ShardDocument = {
      format: 'maker-bench-shard/1',
      scenario: scenario.name,
      fingerprint,
      shard: `${shard.index}/${shard.count}`,
      settings: recordedSettings(settings),
      provenance: { ...provenance, command: `${provenance.command} --shard ${shard.index}/${shard.count}` },
      cases: selected.map((item) => ({ id: item.id, result: checkpoint.done.get(item.id) })),
    };
    mkdirSync(options.outDir, { recursive: true });
    const file = join(options.outDir, shardFileName(scenario.name, shard));
    writeFileSync(file, `${JSON.stringify(document)}\n`);
    checkpoint.remove();
    return { kind: 'shard', file, cases: selected.length };
  }

  const outcomes: CaseOutcome<unknown, unknown>[] = plan.cases.map((item) => ({ id: item.id, input: plain(item.input), result: checkpoint.done.get(item.id) }));
  const written = await writeResults(scenario, settings, plan.params, outcomes, provenance, undefined, options.outDir);
  checkpoint.remove();
  return written;
}

/** Writes a finished sweep's results: its JSON, Markdown and plot, and the index. */
export async function writeResults(
  scenario: AnyScenario,
  settings: BenchSettings,
  params: unknown,
  outcomes: CaseOutcome<unknown, unknown>[],
  provenance: Provenance,
  shards: ResultDocument['shards'],
  outDir: string,
): Promise<ScenarioRun> {
  const report = scenario.report(params, outcomes, settings);
  const document: ResultDocument = {
    format: 'maker-bench-result/1',
    scenario: scenario.name,
    title: scenario.title,
    description: scenario.description,
    provenance,
    ...(shards === undefined ? {} : { shards }),
    settings: recordedSettings(settings),
    params,
    summary: report.summary,
    cases: outcomes,
  };
  const files = await writeScenarioResults(outDir, scenario, document, report);
  return { kind: 'complete', files, document, markdown: report.markdown };
}

/** Options of {@link mergeShards}. */
export interface MergeOptions {
  readonly outDir: string;
  /** Finds a scenario by name. */
  readonly lookup: (name: string) => AnyScenario | undefined;
  /** The API key, if the merged settings need one to plan (never recorded). */
  readonly apiKey?: string;
}

/** Joins the shard files of one sweep into its results. Every case must be present exactly once. */
export async function mergeShards(files: readonly string[], options: MergeOptions): Promise<ScenarioRun & { kind: 'complete' }> {
  if (files.length === 0) throw new InputError('Expected at least one shard file to merge');
  const documents = files.map((file) => {
    let document: ShardDocument;
    try {
      document = JSON.parse(readFileSync(file, 'utf8')) as ShardDocument;
    } catch (error) {
      throw new InputError(`Cannot read shard file \`${file}\`: ${(error as Error).message}`, { cause: error });
    }
    if (document.format !== 'maker-bench-shard/1') throw new InputError(`Expected \`${file}\` to be a maker bench shard file, got format \`${String(document.format)}\``);
    return document;
  });
  const first = documents[0]!;
  const scenario = options.lookup(first.scenario);
  if (scenario === undefined) throw new InputError(`Unknown scenario \`${first.scenario}\` in \`${files[0]}\``);
  for (const [i, document] of documents.entries()) {
    if (document.fingerprint !== first.fingerprint) {
      throw new InputError(`Shard \`${files[i]}\` belongs to a different sweep than \`${files[0]}\` (scenario, settings or parameters differ)`);
    }
  }
  const settings: BenchSettings = { ...first.settings, apiKey: options.apiKey };
  const plan = scenario.plan(settings);
  if (fingerprintOf(scenario, settings, plan.params) !== first.fingerprint) {
    throw new InputError(`The shards of \`${first.scenario}\` were planned by a different version of the scenario; rerun them with this one`);
  }
  const results = new Map<string, unknown>();
  for (const document of documents) for (const item of document.cases) results.set(item.id, item.result);
  const missing = plan.cases.filter((item) => !results.has(item.id));
  if (missing.length > 0) {
    const count = Number(first.shard.split('/')[1]);
    const have = new Set(documents.map((document) => document.shard));
    const absent = Array.from({ length: count }, (_, i) => `${i + 1}/${count}`).filter((shard) => !have.has(shard));
    throw new InputError(`Cannot merge \`${first.scenario}\`: ${missing.length} cases missing${absent.length > 0 ? ` (shards ${absent.join(', ')} not given)` : ''}`);
  }
  const outcomes = plan.cases.map((item) => ({ id: item.id, input: plain(item.input), result: results.get(item.id) }));
  const shards = documents.map((document) => ({ ...document.provenance, shard: document.shard }));
  const latest = shards.reduce((a, b) => (a.date > b.date ? a : b));
  const provenance: Provenance = {
    ...latest,
    command: commandFor(scenario.name, settings),
    durationMs: shards.reduce((sum, shard) => sum + shard.durationMs, 0),
  };
  return (await writeResults(scenario, settings, plan.params, outcomes, provenance, shards, options.outDir)) as ScenarioRun & { kind: 'complete' };
}

/** Options of {@link renderResults}. */
export interface RenderOptions {
  /** Finds a scenario by name. */
  readonly lookup: (name: string) => AnyScenario | undefined;
  /** Where to write. @default the results file's own folder */
  readonly outDir?: string;
}

/**
 * Redraws a scenario's tables and plot from its results JSON, without running anything: for when only the
 * report changed. The data, parameters and provenance stay as measured; the scenario must still plan the same
 * parameters from the recorded settings, or its results would no longer match its code.
 */
export async function renderResults(file: string, options: RenderOptions): Promise<ScenarioRun & { kind: 'complete' }> {
  let document: ResultDocument;
  try {
    document = JSON.parse(readFileSync(file, 'utf8')) as ResultDocument;
  } catch (error) {
    throw new InputError(`Cannot read results file \`${file}\`: ${(error as Error).message}`, { cause: error });
  }
  if (document.format !== 'maker-bench-result/1') throw new InputError(`Expected \`${file}\` to be a maker bench results file, got format \`${String(document.format)}\``);
  const scenario = options.lookup(document.scenario);
  if (scenario === undefined) throw new InputError(`Unknown scenario \`${document.scenario}\` in \`${file}\``);
  const settings: BenchSettings = { ...document.settings, apiKey: undefined };
  const plan = scenario.plan(settings);
  if (JSON.stringify(plan.params) !== JSON.stringify(document.params)) {
    throw new InputError(`The \`${document.scenario}\` scenario no longer plans the parameters \`${file}\` was measured with; rerun it`);
  }
  const outcomes = document.cases.map((item) => ({ ...item }));
  return (await writeResults(scenario, settings, document.params, outcomes, document.provenance, document.shards, options.outDir ?? dirname(file))) as ScenarioRun & {
    kind: 'complete';
  };
}
