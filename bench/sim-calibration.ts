/**
 * Calibration of the simulated model against the paper: 20-disk Hanoi at k = 3 on `sim:gpt-4.1-mini` over
 * several seeds, one `maker run` per seed (each its own process), plus the measured per-sample error of the
 * model without voting, with 95% Wilson intervals. Writes results/sim-calibration.json and .md.
 *
 *   npx tsx bench/sim-calibration.ts [--seeds N] [--disks D] [--parallel P] [--samples S]
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { createSimModel, resolveProfile, resolveSimParameters, simulatedShift } from '../models/sim-model.ts';
import { HANOI_WRONG_ANSWERS, simulatedStepFailure } from './scenarios/error-vs-k.ts';
import { createHanoiTask, hanoiStateAt, hanoiSim } from '../tasks/hanoi/index.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    disks: { type: 'string', default: '20' },
    parallel: { type: 'string', default: '2' },
    samples: { type: 'string', default: '1000000' },
  },
});
const seeds = Number(values.seeds);
const disks = Number(values.disks);
const parallel = Number(values.parallel);
const sampleCount = Number(values.samples);

/** The 95% Wilson score interval of a proportion. */
function wilson(successes: number, trials: number, z = 1.96): [number, number] {
  const p = successes / trials;
  const denominator = 1 + (z * z) / trials;
  const centre = (p + (z * z) / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials))) / denominator;
  return [centre - half, centre + half];
}

/** Per-sample error of valid responses, no voting, over random steps of the oracle trajectory. */
function singleSampleError(samples: number): { valid: number; wrong: number; redFlagged: number } {
  const task = createHanoiTask({ disks });
  const model = createSimModel({ profile: 'gpt-4.1-mini', behaviour: hanoiSim, seed: 1 });
  let valid = 0;
  let wrong = 0;
  let redFlagged = 0;
  for (let i = 0; i < samples; i++) {
    const step = Math.floor(((i * 2654435761) % 4294967296) / 4294967296 * task.totalSteps!);
    const state = hanoiStateAt(disks, step);
    const { response } = model.complete({ messages: task.prompt(state, step), temperature: 0.1, maxOutputTokens: 750, seed: i });
    const parsed = task.parse(response.text);
    if (response.finishReason === 'length' || response.usage.completionTokens > 750 || !parsed.ok) {
      redFlagged++;
      continue;
    }
    valid++;
    if (parsed.key !== task.oracle!(state, step)) wrong++;
  }
  return { valid, wrong, redFlagged };
}

const started = new Date();
const command = `npx tsx bench/sim-calibration.ts --seeds ${seeds} --disks ${disks} --parallel ${parallel} --samples ${sampleCount}`;
const runs: Array<Record<string, unknown>> = [];
let next = 1;
async function worker(): Promise<void> {
  while (next <= seeds) {
    const seed = next++;
    const { stdout } = await run('node', ['bin/maker.js', 'run', 'hanoi', '--disks', String(disks), '--k', '3', '--model', 'sim:gpt-4.1-mini', '--seed', String(seed), '--json', '--no-progress'], {
      maxBuffer: 1 << 24,
    }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
    if (stdout.trim() === '') throw new Error(`seed ${seed}: maker run printed nothing`);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    runs.push(summary);
    process.stderr.write(`seed ${seed}: solved=${String(summary['solved'])} errors=${String(summary['errors'])} maxRounds=${String(summary['maxRoundsInStep'])}\n`);
  }
}
await Promise.all(Array.from({ length: parallel }, worker));
runs.sort((a, b) => Number(a['seed']) - Number(b['seed']));
const single = singleSampleError(sampleCount);
const solved = runs.filter((r) => r['solved'] === true).length;
const errorInterval = wilson(single.wrong, single.valid);
const redFlagInterval = wilson(single.redFlagged, single.valid + single.redFlagged);
const worstRounds = runs.map((r) => Number(r['maxRoundsInStep'])).sort((a, b) => a - b);
const roundsMedian = (worstRounds[Math.floor((worstRounds.length - 1) / 2)]! + worstRounds[Math.ceil((worstRounds.length - 1) / 2)]!) / 2;
// What the simulated model's own error structure predicts (the error-vs-k mixture: heterogeneous prompts, a recurring
// wrong answer, the exact multi-candidate race), so a run with an error can be weighed against how often one is due.
const parameters = resolveSimParameters(resolveProfile('gpt-4.1-mini'));
const stepFailure = simulatedStepFailure(parameters.errorRate, parameters.heterogeneity, parameters.attractorShare, 3, HANOI_WRONG_ANSWERS, simulatedShift(parameters));
const errorsPerRun = stepFailure * (2 ** disks - 1);
const predicted = { stepFailure, errorsPerRun, errorsOverSeeds: errorsPerRun * seeds, chanceAllSolved: Math.exp(-errorsPerRun * seeds) };
const result = {
  command,
  date: started.toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  disks,
  k: 3,
  model: 'sim:gpt-4.1-mini',
  singleSample: {
    ...single,
    errorRate: single.wrong / single.valid,
    errorRate95: errorInterval,
    redFlagRate: single.redFlagged / (single.valid + single.redFlagged),
    redFlagRate95: redFlagInterval,
  },
  worstStepRounds: { min: worstRounds[0], median: roundsMedian, max: worstRounds.at(-1) },
  predicted,
  solved,
  seeds,
  runs: runs.map((r) => ({
    seed: r['seed'],
    solved: r['solved'],
    errors: r['errors'],
    samples: r['samples'],
    samplesPerStep: r['samplesPerStep'],
    maxSamplesInStep: r['maxSamplesInStep'],
    maxRoundsInStep: r['maxRoundsInStep'],
    firstTwoWrong: r['firstTwoWrong'],
    redFlags: r['redFlags'],
    costUsd: r['costUsd'],
    wallMs: r['wallMs'],
  })),
};
mkdirSync('results', { recursive: true });
writeFileSync('results/sim-calibration.json', `${JSON.stringify(result, null, 2)}\n`);
const rows = result.runs
  .map((r) => `| ${String(r.seed)} | ${String(r.solved)} | ${String(r.errors)} | ${Number(r.samplesPerStep).toFixed(4)} | ${String(r.maxSamplesInStep)} | ${String(r.maxRoundsInStep)} | ${String(r.firstTwoWrong)} | ${String(r.redFlags)} | ${Number(r.costUsd).toFixed(0)} | ${(Number(r.wallMs) / 1000).toFixed(0)} |`)
  .join('\n');
writeFileSync(
  'results/sim-calibration.md',
  `# Calibration of the simulated model (sim:gpt-4.1-mini) against the paper

Command: \`${command}\` — ${result.date}, Node ${process.version}, ${result.machine.cpus} cores (${String(result.machine.cpuModel)}).

Single samples, no voting (${(single.valid + single.redFlagged).toLocaleString('en-US')} random steps of the ${disks}-disk trajectory): error among valid
responses **${(100 * result.singleSample.errorRate).toFixed(3)}%** (95% interval ${(100 * errorInterval[0]).toFixed(3)}–${(100 * errorInterval[1]).toFixed(3)}%;
the profile and the paper: 0.22%), red-flag rate ${(100 * result.singleSample.redFlagRate).toFixed(3)}% (95% interval ${(100 * redFlagInterval[0]).toFixed(3)}–${(100 * redFlagInterval[1]).toFixed(3)}%).

${disks} disks (${(2 ** disks - 1).toLocaleString('en-US')} steps) at k = 3: **${solved} of ${seeds} seeds solved with zero errors**; the worst step of a run
needed ${String(worstRounds[0])} to ${String(worstRounds.at(-1))} voting rounds (median ${String(roundsMedian)}). The model's own error structure predicts
a per-step failure of ${stepFailure.toExponential(2)} at k = 3, so ${predicted.errorsOverSeeds.toFixed(2)} errors over the ${seeds} runs, and all ${seeds} solved with
probability ${predicted.chanceAllSolved.toFixed(2)}.
The paper: zero errors, worst step 18 voting rounds, few steps whose first two votes were both wrong.

| seed | solved | errors | samples/step | most samples in a step | most rounds in a step | first two votes wrong | red flags | cost $ | wall s |
|---|---|---|---|---|---|---|---|---|---|
${rows}
`,
);
process.stderr.write(`wrote results/sim-calibration.json and .md (${solved}/${seeds} solved)\n`);
