/**
 * Throughput: `maker run hanoi --disks 20 --k 3 --model sim:gpt-4.1-mini --seed 1` against the plain synchronous
 * loop (bench/plain-loop.ts) doing the same text work — render the prompt, have the simulated model respond,
 * parse, tally to ahead-by-k — without the executor's promises, queue, red-flag rule objects, events and totals.
 * Each run is its own process; the median of several runs and the peak resident memory are reported.
 */
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../core/errors.ts';
import { runMakerChild } from '../harness/child.ts';
import { median } from '../harness/fit.ts';
import { fixed, int, table } from '../harness/markdown.ts';
import { loadAverage } from '../harness/provenance.ts';
import { defineScenario, type BenchCase } from '../harness/scenario.ts';

/** The skeleton's targets: executor at most 1.5x the plain loop, peak RSS under 300 MB. */
export const THROUGHPUT_TARGETS = { ratio: 1.5, peakRssMB: 300 } as const;

const KINDS = ['plain', 'executor'] as const;
type Kind = (typeof KINDS)[number];

interface ThroughputParams {
  readonly model: string;
  readonly disks: number;
  readonly k: number;
  readonly repeats: number;
}

interface ThroughputCase {
  /** `baseline`: a 2-disk `maker run`, whose peak RSS is the process's own footprint (Node, the loaded modules, tokenizer tables). */
  readonly kind: Kind | 'baseline';
  readonly repeat: number;
}

interface ThroughputResult {
  readonly kind: Kind | 'baseline';
  readonly repeat: number;
  readonly command: string;
  /** The run's own wall time, measured around its loop (no process start-up). */
  readonly wallMs: number;
  /** Spawn to exit. */
  readonly processMs: number;
  readonly peakRssMiB: number | null;
  readonly steps: number;
  readonly samples: number;
  readonly errors: number;
  readonly solved: boolean;
  readonly loadBefore: [number, number, number];
}

function commandArgs(kind: Kind | 'baseline', params: ThroughputParams, seed: number): string[] {
  const disks = kind === 'baseline' ? 2 : params.disks;
  const common = ['--disks', String(disks), '--k', String(params.k), '--model', params.model, '--seed', String(seed), '--json'];
  return kind === 'plain' ? ['bench', 'plain-loop', ...common] : ['run', 'hanoi', ...common, '--no-progress'];
}

/** Megabytes (10^6 bytes) from mebibytes, as the target is stated in MB. */
const megabytes = (mib: number) => (mib * 2 ** 20) / 1e6;

/** The throughput scenario: `maker run hanoi` against the plain loop, median wall time and peak RSS. */
export const throughputScenario = defineScenario<ThroughputParams, ThroughputCase, ThroughputResult>({
  name: 'throughput',
  title: 'Throughput: the executor against a plain loop',
  description:
    '`maker run hanoi --disks 20 --k 3 --model sim:gpt-4.1-mini --seed 1` (1,048,575 voted steps) timed against ' +
    'a plain synchronous loop that does the same text work per sample — render the prompt, have the simulated ' +
    'model respond, parse, tally to ahead-by-k — without the executor\'s machinery (promises, queue, red-flag rule ' +
    'objects, events, totals). Both draw exactly the same samples. Each run is a fresh process; runs alternate; the ' +
    `medians are compared, and peak resident memory is read at exit. Targets: at most ${THROUGHPUT_TARGETS.ratio}x the ` +
    `plain loop, peak RSS under ${THROUGHPUT_TARGETS.peakRssMB} MB.`,

  plan(settings) {
    const model = settings.model ?? 'sim:gpt-4.1-mini';
    if (!model.startsWith('sim:')) {
      throw new InputError(`Expected a sim: model for the throughput scenario (the plain loop calls the simulated model directly), got \`${model}\``);
    }
    const sizes = { test: { disks: 5, repeats: 1 }, quick: { disks: 16, repeats: 3 }, full: { disks: 20, repeats: 3 } } as const;
    const params: ThroughputParams = { model, k: 3, ...sizes[settings.size] };
    const cases: BenchCase<ThroughputCase>[] = [{ id: 'baseline', label: 'baseline: a 2-disk run (process footprint)', weight: 0.05, input: { kind: 'baseline', repeat: 1 } }];
    for (let repeat = 1; repeat <= params.repeats; repeat++) {
      for (const kind of KINDS) {
        cases.push({ id: `${kind}/${repeat}`, label: `${kind} run ${repeat} of ${params.repeats} (${params.disks} disks)`, weight: kind === 'executor' ? 1.4 : 1, input: { kind, repeat } });
      }
    }
    return { params, cases };
  },

  async runCase(input, params, context) {
    const args = commandArgs(input.kind, params, context.settings.seed);
    const loadBefore = loadAverage();
    const child = await runMakerChild(args, context.signal);
    if (context.signal.aborted) return undefined as unknown as ThroughputResult;
    let summary: { wallMs?: number; steps?: number; samples?: number; errors?: number; solved?: boolean };
    try {
      summary = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '') as typeof summary;
    } catch {
      throw new Error(`\`maker ${args.join(' ')}\` printed no JSON summary (exit ${String(child.code)}): ${child.stderr.slice(0, 500)}`);
    }
    return {
      kind: input.kind,
      repeat: input.repeat,
      command: `node bin/maker.js ${args.join(' ')}`,
      wallMs: Number(summary.wallMs),
      processMs: Math.round(child.processMs),
      peakRssMiB: child.peakRssMiB === undefined ? null : Math.round(child.peakRssMiB * 10) / 10,
      steps: Number(summary.steps),
      samples: Number(summary.samples),
      errors: Number(summary.errors),
      solved: summary.solved === true,
      loadBefore,
    };
  },

  report(params, outcomes) {
    const all = outcomes.map((outcome) => outcome.result);
    const baseline = all.find((result) => result.kind === 'baseline');
    const results = all.filter((result) => result.kind !== 'baseline');
    const of = (kind: Kind) => results.filter((result) => result.kind === kind);
    const stats = KINDS.map((kind) => {
      const runs = of(kind);
      const rss = runs.map((run) => run.peakRssMiB ?? Number.NaN);
      return {
        kind,
        runs: runs.length,
        medianWallMs: median(runs.map((run) => run.wallMs)),
        medianProcessMs: median(runs.map((run) => run.processMs)),
        minWallMs: Math.min(...runs.map((run) => run.wallMs)),
        maxWallMs: Math.max(...runs.map((run) => run.wallMs)),
        peakRssMiB: Math.max(...rss),
        samples: runs[0]?.samples ?? 0,
        steps: runs[0]?.steps ?? 0,
        solved: runs.every((run) => run.solved),
      };
    });
    const plain = stats[0]!;
    const executor = stats[1]!;
    const ratio = executor.medianWallMs / plain.medianWallMs;
    const processRatio = executor.medianProcessMs / plain.medianProcessMs;
    const sameSamples = of('executor').every((run) => run.samples === plain.samples) && of('plain').every((run) => run.samples === plain.samples);
    const rssMB = megabytes(executor.peakRssMiB);
    const loads = results.map((result) => result.loadBefore[0]);
    const headline =
      `${params.disks}-disk Hanoi (${int(executor.steps)} steps): the executor takes ${fixed(executor.medianWallMs / 1000, 1)} s against the plain loop's ` +
      `${fixed(plain.medianWallMs / 1000, 1)} s, ${fixed(ratio, 2)}x (target ≤ ${THROUGHPUT_TARGETS.ratio}x: ${ratio <= THROUGHPUT_TARGETS.ratio ? 'met' : 'NOT met'}); ` +
      `peak RSS ${fixed(rssMB, 0)} MB (target < ${THROUGHPUT_TARGETS.peakRssMB} MB: ${rssMB < THROUGHPUT_TARGETS.peakRssMB ? 'met' : 'NOT met'}; ` +
      `the plain loop peaks at ${fixed(megabytes(plain.peakRssMiB), 0)} MB${baseline?.peakRssMiB == null ? '' : `, a 2-disk run at ${fixed(megabytes(baseline.peakRssMiB), 0)} MB`}).`;
    const markdown = [
      `**Finding.** ${headline}`,
      '',
      table(
        [{ header: 'run', align: 'left' }, 'runs', 'median wall (s)', 'range (s)', 'median process (s)', 'steps', 'samples', 'steps / s', 'peak RSS (MB)', 'solved'],
        stats.map((s) => [
          s.kind === 'plain' ? 'plain loop' : 'executor (`maker run`)',
          s.runs,
          fixed(s.medianWallMs / 1000, 2),
          `${fixed(s.minWallMs / 1000, 2)}–${fixed(s.maxWallMs / 1000, 2)}`,
          fixed(s.medianProcessMs / 1000, 2),
          int(s.steps),
          int(s.samples),
          int(s.steps / (s.medianWallMs / 1000)),
          fixed(megabytes(s.peakRssMiB), 0),
          s.solved ? 'yes' : 'no',
        ]),
      ),
      '',
      `- ratio of medians, executor / plain loop: **${fixed(ratio, 3)}x** of the runs' own wall time (${fixed(processRatio, 3)}x including process start-up)`,
      `- both drew the same samples in every run: ${sameSamples ? 'yes' : 'NO'}`,
      ...(baseline?.peakRssMiB == null
        ? []
        : [
            `- peak RSS of a 2-disk \`maker run\` (the process's own footprint: Node, the loaded modules, the tokenizer's tables): ${fixed(megabytes(baseline.peakRssMiB), 0)} MB, so the ` +
              `${params.disks}-disk run adds ${fixed(rssMB - megabytes(baseline.peakRssMiB), 0)} MB at its peak (the plain loop ${fixed(megabytes(plain.peakRssMiB - baseline.peakRssMiB), 0)} MB): ` +
              'heap the garbage collector lets grow as the steps stream through (the executor keeps no per-step state)',
          ]),
      `- load average (1 min) before each run: ${loads.map((load) => fixed(load, 2)).join(', ')} (timings taken under load are noisy)`,
      '',
      'Every run:',
      '',
      table(
        [{ header: 'run', align: 'left' }, { header: 'command', align: 'left' }, 'wall (s)', 'process (s)', 'peak RSS (MB)', 'load before'],
        all.map((r) => [r.kind === 'baseline' ? 'baseline' : `${r.kind} ${r.repeat}`, `\`${r.command}\``, fixed(r.wallMs / 1000, 2), fixed(r.processMs / 1000, 2), r.peakRssMiB === null ? '—' : fixed(megabytes(r.peakRssMiB), 0), r.loadBefore.join(', ')]),
      ),
    ].join('\n');
    const data = results.map((r) => ({ run: r.kind === 'plain' ? 'plain loop' : 'executor', wall: r.wallMs / 1000, rss: r.peakRssMiB === null ? null : megabytes(r.peakRssMiB) }));
    const y = { field: 'run', type: 'nominal', title: null, sort: ['plain loop', 'executor'] };
    const panel = (field: string, title: string, target: number | undefined) => ({
      width: 300,
      height: 90,
      layer: [
        { mark: { type: 'bar', opacity: 0.35 }, encoding: { y, x: { aggregate: 'median', field, type: 'quantitative', title } } },
        { mark: { type: 'point', filled: true, color: 'black' }, encoding: { y, x: { field, type: 'quantitative' } } },
        ...(target === undefined ? [] : [{ data: { values: [{ target }] }, mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] }, encoding: { x: { field: 'target', type: 'quantitative' } } }]),
      ],
    });
    const plot = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { text: `Throughput, ${params.disks}-disk Hanoi at k = ${params.k}: ${fixed(ratio, 2)}x the plain loop`, subtitle: 'bars: median; points: each run (fresh process); red: target' },
      data: { values: data },
      vconcat: [panel('wall', 'wall time of the run (s)', plain.medianWallMs * THROUGHPUT_TARGETS.ratio / 1000), panel('rss', 'peak resident memory (MB)', THROUGHPUT_TARGETS.peakRssMB)],
    } as unknown as TopLevelSpec;
    const baselineRssMB = baseline?.peakRssMiB == null ? null : megabytes(baseline.peakRssMiB);
    return { summary: { headline, ratio, processRatio, sameSamples, plain, executor, peakRssMB: rssMB, baselineRssMB }, markdown, plot };
  },
});
