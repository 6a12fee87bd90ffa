/**
 * What a run directory costs: 20-disk Hanoi (1,048,575 steps) on the simulated model with and without
 * `--run-dir`, each run in a fresh process, alternating which goes first; and 12-disk runs, for peak memory
 * (nothing per step is held, so a million-step journaled run should need about what a 4,095-step one does).
 * Writes results/journal.json and results/journal.md.
 *
 *   npx tsx bench/journal.ts [--disks 20] [--small 12] [--runs 3] [--seed 1] [--out results]
 *
 * Journaled runs write to a directory under the system temp dir, removed after each run. Wall times are the
 * runs' own (`wallMs` of `--json`: the loop, journal and snapshots, not Node's start-up); they are taken on a
 * shared machine, so the load average before and after each run is recorded with it.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runMakerChild } from './harness/child.ts';
import { median } from './harness/fit.ts';
import { fixed, int, percent, table } from './harness/markdown.ts';
import { describeMachine, loadAverage, machine, versions } from './harness/provenance.ts';

/** One measured run. */
interface Measurement {
  readonly kind: 'plain' | 'journaled';
  readonly disks: number;
  readonly round: number;
  readonly solved: boolean;
  readonly steps: number;
  /** The run's own wall time, from its summary, in milliseconds. */
  readonly wallMs: number;
  /** Spawn to exit, Node start-up included, in milliseconds. */
  readonly processMs: number;
  readonly peakRssMiB: number | undefined;
  /** Size of the journal at the end (journaled runs), in bytes. */
  readonly journalBytes: number | undefined;
  readonly loadBefore: [number, number, number];
  readonly loadAfter: [number, number, number];
}

const { values } = parseArgs({
  options: {
    disks: { type: 'string', default: '20' },
    small: { type: 'string', default: '12' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'results' },
  },
});
const disks = Number(values.disks);
const small = Number(values.small);
const runs = Number(values.runs);
const seed = Number(values.seed);
for (const [name, value] of [['disks', disks], ['small', small], ['runs', runs], ['seed', seed]] as const) {
  if (!Number.isInteger(value) || value < (name === 'seed' ? 0 : 1)) throw new Error(`Expected --${name} to be a positive integer, got \`${String(value)}\``);
}

const command = `npx tsx bench/journal.ts --disks ${disks} --small ${small} --runs ${runs} --seed ${seed}`;
const started = new Date();
const startLoad = loadAverage();
const measurements: Measurement[] = [];

async function measure(kind: Measurement['kind'], n: number, round: number): Promise<Measurement> {
  const dir = kind === 'journaled' ? mkdtempSync(join(tmpdir(), 'maker-journal-bench-')) : undefined;
  const args = ['run', 'hanoi', '--disks', String(n), '--seed', String(seed), '--no-progress', '--json'];
  if (dir !== undefined) args.push('--run-dir', join(dir, 'run'));
  const loadBefore = loadAverage();
  try {
    const child = await runMakerChild(args);
    const loadAfter = loadAverage();
    if ((child.code !== 0 && child.code !== 1) || child.stdout.trim() === '') throw new Error(`maker ${args.join(' ')} exited ${child.code}: ${child.stderr}`);
    const summary = JSON.parse(child.stdout) as { solved: boolean; steps: number; wallMs: number };
    const journalBytes = dir === undefined ? undefined : statSync(join(dir, 'run', 'journal.jsonl')).size;
    const measurement: Measurement = {
      kind,
      disks: n,
      round,
      solved: summary.solved,
      steps: summary.steps,
      wallMs: summary.wallMs,
      processMs: Math.round(child.processMs),
      peakRssMiB: child.peakRssMiB === undefined ? undefined : Math.round(child.peakRssMiB * 10) / 10,
      journalBytes,
      loadBefore,
      loadAfter,
    };
    process.stderr.write(`${kind.padEnd(9)} ${n} disks, round ${round}: ${fixed(measurement.wallMs / 1000, 1)} s, peak ${measurement.peakRssMiB} MiB, load ${loadBefore[0]} -> ${loadAfter[0]}\n`);
    return measurement;
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

for (let round = 1; round <= runs; round++) {
  // Alternate which goes first, so a load that rises or falls over the session weighs on both alike.
  const order: Measurement['kind'][] = round % 2 === 1 ? ['plain', 'journaled'] : ['journaled', 'plain'];
  for (const kind of order) measurements.push(await measure(kind, disks, round));
}
for (let round = 1; round <= runs; round++) {
  for (const kind of ['plain', 'journaled'] as const) measurements.push(await measure(kind, small, round));
}

const of = (kind: Measurement['kind'], n: number) => measurements.filter((m) => m.kind === kind && m.disks === n);
const medianOf = (list: readonly Measurement[], pick: (m: Measurement) => number | undefined) => {
  const picked = list.map(pick).filter((value): value is number => value !== undefined);
  return picked.length === 0 ? Number.NaN : median(picked);
};
const plainWall = medianOf(of('plain', disks), (m) => m.wallMs);
const journaledWall = medianOf(of('journaled', disks), (m) => m.wallMs);
const pairRatios = Array.from({ length: runs }, (_, i) => {
  const plain = of('plain', disks)[i]!;
  const journaled = of('journaled', disks)[i]!;
  return journaled.wallMs / plain.wallMs - 1;
});
const peak = (kind: Measurement['kind'], n: number) => medianOf(of(kind, n), (m) => m.peakRssMiB);
const journalBytes = medianOf(of('journaled', disks), (m) => m.journalBytes);
const steps = of('journaled', disks)[0]!.steps;
const summary = {
  steps,
  plainWallMs: plainWall,
  journaledWallMs: journaledWall,
  /** Median journaled wall time over median plain wall time, minus one. */
  overhead: journaledWall / plainWall - 1,
  /** The same per round (each round's two runs ran back to back). */
  overheadByRound: pairRatios,
  journalBytes,
  journalBytesPerStep: journalBytes / steps,
  peakRssMiB: {
    [`plain${disks}`]: peak('plain', disks),
    [`journaled${disks}`]: peak('journaled', disks),
    [`plain${small}`]: peak('plain', small),
    [`journaled${small}`]: peak('journaled', small),
  },
  /** Peak memory of the big journaled run over the small journaled run's. */
  peakRssRatio: peak('journaled', disks) / peak('journaled', small),
};
const provenance = {
  command,
  seed,
  date: started.toISOString(),
  durationMs: Date.now() - started.getTime(),
  versions: { ...versions(), ...(process.env['MAKER_BENCH_COMMIT'] === undefined ? {} : { gitCommit: process.env['MAKER_BENCH_COMMIT'] }) },
  machine: machine(),
  loadAverage: { start: startLoad, end: loadAverage() },
};

mkdirSync(values.out, { recursive: true });
writeFileSync(
  join(values.out, 'journal.json'),
  `${JSON.stringify({ format: 'maker-bench-result/1', scenario: 'journal', provenance, params: { disks, small, runs, seed, model: 'sim:gpt-4.1-mini', k: 3 }, summary, measurements }, null, 2)}\n`,
);

const rows = measurements.map((m) => [
  m.kind,
  m.disks,
  m.round,
  int(m.steps),
  m.solved ? 'yes' : 'no',
  fixed(m.wallMs / 1000, 1),
  fixed(m.processMs / 1000, 1),
  m.peakRssMiB === undefined ? 'n/a' : fixed(m.peakRssMiB, 1),
  m.journalBytes === undefined ? '' : fixed(m.journalBytes / 2 ** 20, 1),
  `${m.loadBefore[0]} → ${m.loadAfter[0]}`,
]);
const markdown = [
  '# Journaling cost and memory',
  '',
  `${int(steps)}-step (${disks}-disk) Hanoi on \`sim:gpt-4.1-mini\`, k = 3, seed ${seed}, with and without \`--run-dir\`; ${small}-disk runs for peak memory. Each run is a fresh \`node bin/maker.js run hanoi ... --json\` process; wall time is the run's own \`wallMs\` (loop, journal, snapshots; not Node's start-up).`,
  '',
  '## Findings',
  '',
  `- Journaling cost **${percent(summary.overhead)}** of the un-journaled wall time (median ${fixed(journaledWall / 1000, 1)} s against ${fixed(plainWall / 1000, 1)} s over ${runs} runs each; by round: ${pairRatios.map((ratio) => percent(ratio)).join(', ')}): ${summary.overhead <= 0.25 ? 'within' : '**over**'} the budget of 25%.`,
  `- Peak memory of the ${disks}-disk journaled run was **${fixed(peak('journaled', disks), 0)} MiB**, against ${fixed(peak('journaled', small), 0)} MiB for ${small} disks (ratio ${fixed(summary.peakRssRatio, 2)}) and ${fixed(peak('plain', disks), 0)} MiB without a journal: nothing per step is held.`,
  `- The journal held ${fixed(journalBytes / 2 ** 20, 0)} MiB, ${fixed(summary.journalBytesPerStep, 0)} bytes per step (key, value, tally, tokens, cost, checksum).`,
  '',
  '## Runs',
  '',
  table(
    [
      { header: 'run', align: 'left' },
      'disks',
      'round',
      'steps',
      { header: 'solved', align: 'left' },
      'wall s',
      'process s',
      'peak RSS MiB',
      'journal MiB',
      { header: 'load (1 min) before → after', align: 'left' },
    ],
    rows,
  ),
  '',
  '## How this was produced',
  '',
  `- Command: \`${command}\``,
  `- Date: ${provenance.date}; took ${fixed(provenance.durationMs / 60_000, 1)} min`,
  `- Machine: ${describeMachine(provenance.machine)}; Node ${provenance.versions.node}; commit ${provenance.versions.gitCommit ?? 'unknown'}`,
  `- Load average (1, 5, 15 min) at start ${startLoad.join(', ')}, at end ${provenance.loadAverage.end.join(', ')}. The machine was shared with other work, so wall times are noisy; the rounds alternate which run goes first.`,
  '- Durability policy measured: records handed to the OS at most every 50 ms or 64 KiB, fsync at most every second, a snapshot every 10,000 steps.',
  '',
].join('\n');
writeFileSync(join(values.out, 'journal.md'), markdown);
process.stderr.write(`wrote ${join(values.out, 'journal.json')} and ${join(values.out, 'journal.md')}\n`);
