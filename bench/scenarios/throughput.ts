/**
 * Throughput: where a simulated run's time goes, three ways side by side in one sweep, each run its own process —
 *
 * - the minimal plain loop (bench/minimal-loop.ts): render the prompt, answer it once from its text, one seeded
 *   draw per sample, parse, tally ahead-by-k. No executor, no calibrated simulator: the floor;
 * - the plain loop with the calibrated simulated model (bench/plain-loop.ts): what the simulator itself costs;
 * - `maker run hanoi --disks 20 --k 3 --model sim:gpt-4.1-mini --seed 1`: what the executor adds.
 *
 * Whole-process CPU time (user + system, start-up included) and the run's own wall time, median of several runs
 * in rotating order, ratios to the minimal loop, and peak resident memory.
 */
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../../core/errors.ts';
import { runMakerChild } from '../harness/child.ts';
import { median } from '../harness/fit.ts';
import { fixed, int, table } from '../harness/markdown.ts';
import { loadAverage } from '../harness/provenance.ts';
import { defineScenario, type BenchCase } from '../harness/scenario.ts';

/** The targets: `maker run` at most 2x the minimal loop's CPU time (the goal 1.3x), peak RSS under 150 MB. */
export const THROUGHPUT_TARGETS = { cpuRatio: 2.0, goalCpuRatio: 1.3, peakRssMB: 150 } as const;

const KINDS = ['minimal', 'plain', 'executor'] as const;
type Kind = (typeof KINDS)[number];
/** `run` and `loop`: 2-disk runs of each command, whose CPU time and peak RSS are the process's own start-up. */
type Baseline = 'baseline-run' | 'baseline-loop';

const LABELS: Record<Kind, string> = {
  minimal: 'minimal plain loop (no calibrated simulator)',
  plain: 'plain loop, calibrated simulator',
  executor: '`maker run`',
};

interface ThroughputParams {
  readonly model: string;
  readonly disks: number;
  readonly k: number;
  readonly repeats: number;
}

interface ThroughputCase {
  readonly kind: Kind | Baseline;
  readonly repeat: number;
}

interface ThroughputResult {
  readonly kind: Kind | Baseline;
  readonly repeat: number;
  readonly command: string;
  /** The run's own wall time, measured around its loop (no process start-up). */
  readonly wallMs: number;
  /** Spawn to exit. */
  readonly processMs: number;
  /** CPU time of the whole process, user + system, start-up included. */
  readonly cpuMs: number | null;
  readonly peakRssMiB: number | null;
  readonly steps: number;
  readonly samples: number;
  readonly errors: number;
  readonly solved: boolean;
  readonly loadBefore: [number, number, number];
}

function commandArgs(kind: Kind | Baseline, params: ThroughputParams, seed: number): string[] {
  const disks = kind.startsWith('baseline') ? 2 : params.disks;
  const common = ['--disks', String(disks), '--k', String(params.k), '--model', params.model, '--seed', String(seed), '--json'];
  if (kind === 'executor' || kind === 'baseline-run') return ['run', 'hanoi', ...common, '--no-progress'];
  return ['bench', 'plain-loop', ...common, '--answerer', kind === 'plain' ? 'sim' : 'minimal'];
}

/** Megabytes (10^6 bytes) from mebibytes, as the target is stated in MB. */
const megabytes = (mib: number) => (mib * 2 ** 20) / 1e6;

/** The throughput scenario: the minimal loop, the calibrated simulator's loop and `maker run`, side by side. */
export const throughputScenario = defineScenario<ThroughputParams, ThroughputCase, ThroughputResult>({
  name: 'throughput',
  timing: true,
  title: 'Throughput: the minimal loop, the simulator and the executor side by side',
  description:
    '`maker run hanoi --disks 20 --k 3 --model sim:gpt-4.1-mini --seed 1` (1,048,575 voted steps) against two plain ' +
    'synchronous loops over the same task: the minimal loop (render the prompt, answer it once from its text, one ' +
    'seeded draw per sample — wrong at the profile\'s error rate, malformed at about the simulator\'s red-flag share — ' +
    'parse, tally ahead-by-k; no executor and no calibrated simulator) and the same loop driving the calibrated ' +
    'simulated model (which draws exactly the samples `maker run` draws). Each run is a fresh process; the order of ' +
    'the three rotates from round to round; medians of whole-process CPU time (start-up included) and of the run\'s ' +
    'own wall time are compared with the minimal loop\'s, and peak resident memory is read at exit. Targets: ' +
    `\`maker run\` at most ${THROUGHPUT_TARGETS.cpuRatio}x the minimal loop's CPU time (goal ${THROUGHPUT_TARGETS.goalCpuRatio}x), ` +
    `peak RSS under ${THROUGHPUT_TARGETS.peakRssMB} MB, solved with no errors.`,

  plan(settings) {
    const model = settings.model ?? 'sim:gpt-4.1-mini';
    if (!model.startsWith('sim:')) {
      throw new InputError(`Expected a sim: model for the throughput scenario (the plain loop calls the simulated model directly), got \`${model}\``);
    }
    const sizes = { test: { disks: 5, repeats: 1 }, quick: { disks: 16, repeats: 3 }, full: { disks: 20, repeats: 3 } } as const;
    const params: ThroughputParams = { model, k: 3, ...sizes[settings.size] };
    const cases: BenchCase<ThroughputCase>[] = [
      { id: 'baseline-run', label: 'baseline: a 2-disk maker run (process footprint)', weight: 0.02, input: { kind: 'baseline-run', repeat: 1 } },
      { id: 'baseline-loop', label: 'baseline: a 2-disk plain loop (process footprint)', weight: 0.02, input: { kind: 'baseline-loop', repeat: 1 } },
    ];
    const weights: Record<Kind, number> = { minimal: 1, plain: 1.4, executor: 1.8 };
    for (let repeat = 1; repeat <= params.repeats; repeat++) {
      // Rotate the order so no kind always runs first (or last) in a round on a loaded machine.
      for (let i = 0; i < KINDS.length; i++) {
        const kind = KINDS[(i + repeat - 1) % KINDS.length]!;
        cases.push({ id: `${kind}/${repeat}`, label: `${kind} run ${repeat} of ${params.repeats} (${params.disks} disks)`, weight: weights[kind], input: { kind, repeat } });
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
      cpuMs: child.cpuMs === undefined ? null : Math.round(child.cpuMs),
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
    const baselineOf = (kind: Baseline) => all.find((result) => result.kind === kind);
    const results = all.filter((result) => !result.kind.startsWith('baseline'));
    const of = (kind: Kind) => results.filter((result) => result.kind === kind);
    const startUpOf = (kind: Kind) => baselineOf(kind === 'executor' ? 'baseline-run' : 'baseline-loop')?.cpuMs ?? null;
    const stats = KINDS.map((kind) => {
      const runs = of(kind);
      const startUp = startUpOf(kind);
      const cpu = median(runs.map((run) => run.cpuMs ?? Number.NaN));
      return {
        kind,
        runs: runs.length,
        medianCpuMs: cpu,
        /** CPU time beyond a 2-disk run of the same command: the loop's own. */
        loopCpuMs: startUp === null ? Number.NaN : cpu - startUp,
        medianWallMs: median(runs.map((run) => run.wallMs)),
        medianProcessMs: median(runs.map((run) => run.processMs)),
        peakRssMiB: Math.max(...runs.map((run) => run.peakRssMiB ?? Number.NaN)),
        samples: runs[0]?.samples ?? 0,
        steps: runs[0]?.steps ?? 0,
        errors: Math.max(...runs.map((run) => run.errors)),
        solved: runs.every((run) => run.solved),
      };
    });
    const [minimal, plain, executor] = stats as [(typeof stats)[number], (typeof stats)[number], (typeof stats)[number]];
    const cpuRatio = executor.medianCpuMs / minimal.medianCpuMs;
    const wallRatio = executor.medianWallMs / minimal.medianWallMs;
    const loopCpuRatio = executor.loopCpuMs / minimal.loopCpuMs;
    const sameSamples = of('executor').every((run) => run.samples === plain.samples) && of('plain').every((run) => run.samples === plain.samples);
    const rssMB = megabytes(executor.peakRssMiB);
    const baselineRun = baselineOf('baseline-run');
    const baselineRssMB = baselineRun?.peakRssMiB == null ? null : megabytes(baselineRun.peakRssMiB);
    const loads = results.map((result) => result.loadBefore[0]);
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const headline =
      `${params.disks}-disk Hanoi (${int(executor.steps)} steps, ${int(executor.samples)} samples): \`maker run\` takes ${fixed(executor.medianCpuMs / 1000, 1)} s of CPU ` +
      `against the minimal loop's ${fixed(minimal.medianCpuMs / 1000, 1)} s, ${fixed(cpuRatio, 2)}x (target ≤ ${THROUGHPUT_TARGETS.cpuRatio}x: ${met(cpuRatio <= THROUGHPUT_TARGETS.cpuRatio)}; ` +
      `goal ${THROUGHPUT_TARGETS.goalCpuRatio}x: ${met(cpuRatio <= THROUGHPUT_TARGETS.goalCpuRatio)}), and the calibrated simulator's plain loop ${fixed(plain.medianCpuMs / minimal.medianCpuMs, 2)}x; ` +
      `${executor.solved && executor.errors === 0 ? 'solved with no errors' : 'NOT solved without errors'}; peak RSS ${fixed(rssMB, 0)} MB ` +
      `(target < ${THROUGHPUT_TARGETS.peakRssMB} MB: ${met(rssMB < THROUGHPUT_TARGETS.peakRssMB)}${baselineRssMB === null ? '' : `; a 2-disk run's own footprint is ${fixed(baselineRssMB, 0)} MB`}).`;
    const markdown = [
      `**Finding.** ${headline}`,
      '',
      table(
        [
          { header: 'run', align: 'left' },
          'runs',
          'median CPU (s)',
          'CPU ratio',
          'CPU beyond start-up (s)',
          'ratio',
          'median wall (s)',
          'wall ratio',
          'steps / s',
          'samples',
          'peak RSS (MB)',
          'solved, errors',
        ],
        stats.map((s) => [
          LABELS[s.kind],
          s.runs,
          fixed(s.medianCpuMs / 1000, 2),
          `${fixed(s.medianCpuMs / minimal.medianCpuMs, 2)}x`,
          fixed(s.loopCpuMs / 1000, 2),
          `${fixed(s.loopCpuMs / minimal.loopCpuMs, 2)}x`,
          fixed(s.medianWallMs / 1000, 2),
          `${fixed(s.medianWallMs / minimal.medianWallMs, 2)}x`,
          int(s.steps / (s.medianWallMs / 1000)),
          int(s.samples),
          fixed(megabytes(s.peakRssMiB), 0),
          `${s.solved ? 'yes' : 'no'}, ${s.errors}`,
        ]),
      ),
      '',
      `- \`maker run\` / minimal loop, medians: **${fixed(cpuRatio, 3)}x** CPU time of the whole process, ${fixed(loopCpuRatio, 3)}x beyond start-up ` +
        `(each command's 2-disk run subtracted), ${fixed(wallRatio, 3)}x the runs' own wall time`,
      `- the calibrated simulator's loop and \`maker run\` drew the same samples in every run: ${sameSamples ? 'yes' : 'NO'} (the minimal loop draws its own)`,
      ...(baselineRssMB === null
        ? []
        : [
            `- peak RSS of a 2-disk \`maker run\` (the process's own footprint: Node, the loaded modules, the tokenizer's tables): ${fixed(baselineRssMB, 0)} MB, so the ` +
              `${params.disks}-disk run adds ${fixed(rssMB - baselineRssMB, 0)} MB at its peak`,
          ]),
      `- load average (1 min) before each run: ${loads.map((load) => fixed(load, 2)).join(', ')} (2 cores shared with other work: CPU time is steadier than wall time)`,
      '',
      'Every run:',
      '',
      table(
        [{ header: 'run', align: 'left' }, { header: 'command', align: 'left' }, 'CPU (s)', 'wall (s)', 'process (s)', 'peak RSS (MB)', 'load before'],
        all.map((r) => [
          r.kind.startsWith('baseline') ? r.kind : `${r.kind} ${r.repeat}`,
          `\`${r.command}\``,
          r.cpuMs === null ? '—' : fixed(r.cpuMs / 1000, 2),
          fixed(r.wallMs / 1000, 2),
          fixed(r.processMs / 1000, 2),
          r.peakRssMiB === null ? '—' : fixed(megabytes(r.peakRssMiB), 0),
          r.loadBefore.join(', '),
        ]),
      ),
    ].join('\n');
    const data = results.map((r) => ({
      run: LABELS[r.kind as Kind].replaceAll('`', ''),
      cpu: r.cpuMs === null ? null : r.cpuMs / 1000,
      rss: r.peakRssMiB === null ? null : megabytes(r.peakRssMiB),
    }));
    const y = { field: 'run', type: 'nominal', title: null, sort: KINDS.map((kind) => LABELS[kind].replaceAll('`', '')) };
    const panel = (field: string, title: string, target: number | undefined) => ({
      width: 300,
      height: 110,
      layer: [
        { mark: { type: 'bar', opacity: 0.35 }, encoding: { y, x: { aggregate: 'median', field, type: 'quantitative', title } } },
        { mark: { type: 'point', filled: true, color: 'black' }, encoding: { y, x: { field, type: 'quantitative' } } },
        ...(target === undefined ? [] : [{ data: { values: [{ target }] }, mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] }, encoding: { x: { field: 'target', type: 'quantitative' } } }]),
      ],
    });
    const plot = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { text: `Throughput, ${params.disks}-disk Hanoi at k = ${params.k}: maker run at ${fixed(cpuRatio, 2)}x the minimal loop's CPU`, subtitle: 'bars: median; points: each run (fresh process); red: target' },
      data: { values: data },
      vconcat: [
        panel('cpu', 'CPU time of the process (s)', (minimal.medianCpuMs * THROUGHPUT_TARGETS.cpuRatio) / 1000),
        panel('rss', 'peak resident memory (MB)', THROUGHPUT_TARGETS.peakRssMB),
      ],
    } as unknown as TopLevelSpec;
    return {
      summary: { headline, cpuRatio, loopCpuRatio, wallRatio, sameSamples, minimal, plain, executor, peakRssMB: rssMB, baselineRssMB },
      markdown,
      plot,
    };
  },
});
