/**
 * What the two agent examples share: run every strategy on every task size for several seeds on the simulated
 * model, count successes (with a Wilson 95% interval), tokens, model calls and the largest prompt any call
 * saw, and write the JSON, markdown and plot into results/ with the command, seed and date that produced them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { TopLevelSpec } from 'vega-lite';
import type { LanguageModel, ModelRequest } from '../../core/model.ts';
import { createSimModel } from '../../models/sim-model.ts';
import type { SimBehaviour } from '../../models/sim-behaviour.ts';
import { wilsonInterval } from '../../planning/calibration.ts';
import { describeMachine, loadAverage, machine, versions } from '../harness/provenance.ts';
import { fixed, int, percent, table } from '../harness/markdown.ts';
import { renderSvg } from '../harness/plot.ts';

/** One strategy: what it is called, and one run of it on a task of `size` with `seed`. */
export interface Strategy {
  readonly name: string;
  readonly run: (model: LanguageModel, size: number, seed: number) => Promise<{ readonly correct: boolean; readonly tokens: number; readonly calls: number }>;
}

/** One (strategy, size) cell, over every seed. */
export interface Cell {
  readonly strategy: string;
  readonly size: number;
  readonly runs: number;
  readonly successes: number;
  readonly successRate: number;
  readonly successLow: number;
  readonly successHigh: number;
  /** Means per run. */
  readonly tokens: number;
  readonly calls: number;
  /** The largest prompt any call of any run saw, in tokens (mean over runs of each run's largest). */
  readonly largestPrompt: number;
}

/** Wraps a model to record the largest prompt it is sent. */
function measured(model: LanguageModel): { model: LanguageModel; largest: () => number } {
  let largest = 0;
  return {
    largest: () => largest,
    model: {
      id: model.id,
      pricing: model.pricing,
      async generate(request: ModelRequest) {
        const response = await model.generate(request);
        largest = Math.max(largest, response.usage.promptTokens);
        return response;
      },
    },
  };
}

/** Runs the grid: each strategy, each size, `runs` seeds from `seed`. */
export async function measureGrid(options: {
  readonly strategies: readonly Strategy[];
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly seed: number;
  readonly profile: string;
  readonly behaviour: SimBehaviour;
  readonly onCell?: (cell: Cell) => void;
}): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const size of options.sizes) {
    for (const strategy of options.strategies) {
      let successes = 0;
      let tokens = 0;
      let calls = 0;
      let largest = 0;
      for (let run = 0; run < options.runs; run++) {
        const seed = options.seed + run;
        const wrapped = measured(createSimModel({ profile: options.profile, behaviour: options.behaviour, seed }));
        const outcome = await strategy.run(wrapped.model, size, seed);
        if (outcome.correct) successes++;
        tokens += outcome.tokens;
        calls += outcome.calls;
        largest += wrapped.largest();
      }
      const interval = wilsonInterval(successes, options.runs);
      const cell: Cell = {
        strategy: strategy.name,
        size,
        runs: options.runs,
        successes,
        successRate: successes / options.runs,
        successLow: interval.lower,
        successHigh: interval.upper,
        tokens: tokens / options.runs,
        calls: calls / options.runs,
        largestPrompt: largest / options.runs,
      };
      cells.push(cell);
      options.onCell?.(cell);
    }
  }
  return cells;
}

/** The results table. */
export function cellTable(cells: readonly Cell[], sizeName: string): string {
  return table(
    [{ header: 'strategy', align: 'left' }, sizeName, 'solved', 'success [95% CI]', 'tokens / run', 'model calls / run', 'largest prompt (tokens)'],
    cells.map((cell) => [
      cell.strategy,
      cell.size,
      `${cell.successes} / ${cell.runs}`,
      `${percent(cell.successRate, 0)} [${percent(cell.successLow, 0)}, ${percent(cell.successHigh, 0)}]`,
      int(cell.tokens),
      fixed(cell.calls, 1),
      int(cell.largestPrompt),
    ]),
  );
}

/** Success, tokens and calls against size, one line per strategy. */
export function cellPlot(cells: readonly Cell[], title: string, subtitle: string, sizeTitle: string, strategies: readonly string[]): TopLevelSpec {
  const x = { field: 'size', type: 'quantitative', scale: { type: 'log', base: 2 }, title: sizeTitle, axis: { values: [...new Set(cells.map((cell) => cell.size))] } };
  const color = { field: 'strategy', type: 'nominal', title: 'strategy', scale: { domain: [...strategies] }, legend: { orient: 'bottom', columns: 3 } };
  const panel = (field: string, yTitle: string, log: boolean) => ({
    width: 240,
    height: 200,
    mark: { type: 'line', point: true },
    encoding: { x, y: { field, type: 'quantitative', title: yTitle, ...(log ? { scale: { type: 'log' } } : { scale: { domain: [0, 1] }, axis: { format: '%' } }) }, color },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle },
    data: { values: cells.map((cell) => ({ ...cell })) },
    hconcat: [panel('successRate', 'runs solved', false), panel('tokens', 'tokens per run (log scale)', true), panel('calls', 'model calls per run (log scale)', true)],
  } as unknown as TopLevelSpec;
}

/** Writes `<out>/<name>.json`, `.md` and `.svg`; the markdown gets the provenance footer. */
export async function writeResults(options: {
  readonly out: string;
  readonly name: string;
  readonly command: string;
  readonly seed: number;
  readonly started: Date;
  readonly load: readonly number[];
  readonly settings: Record<string, unknown>;
  readonly cells: readonly Cell[];
  readonly findings: Record<string, unknown>;
  readonly markdown: readonly string[];
  readonly plot: TopLevelSpec;
}): Promise<string> {
  const document = {
    benchmark: options.name,
    command: options.command,
    seed: options.seed,
    date: options.started.toISOString(),
    durationMs: Date.now() - options.started.getTime(),
    machine: machine(),
    versions: versions(),
    loadAverage: { start: options.load, end: loadAverage() },
    settings: options.settings,
    findings: options.findings,
    cells: options.cells,
  };
  mkdirSync(options.out, { recursive: true });
  writeFileSync(`${options.out}/${options.name}.json`, `${JSON.stringify(document, null, 2)}\n`);
  writeFileSync(`${options.out}/${options.name}.svg`, await renderSvg(options.plot));
  const md = [
    ...options.markdown,
    '',
    `![${options.name}](${options.name}.svg)`,
    '',
    `Reproduce: \`${options.command}\``,
    '',
    `Measured ${document.date} (${(document.durationMs / 1000).toFixed(1)} s) on ${describeMachine(document.machine)}, Node ${process.version}, ` +
      `load average ${options.load.join(' / ')} at the start; commit ${document.versions.gitCommit ?? 'unknown'}${document.versions.gitDirty ? ' (with uncommitted changes)' : ''}.`,
    '',
  ].join('\n');
  writeFileSync(`${options.out}/${options.name}.md`, md);
  return md;
}
