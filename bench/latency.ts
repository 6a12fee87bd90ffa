/**
 * Latency benchmark: does voting sample in parallel? `maker serve` answers every completion after a fixed latency
 * (50 ms); Hanoi runs against it through the openai backend with concurrency k. A step needs as many waits as
 * it has voting rounds (the first k samples are one round, each top-up another), so with parallel sampling its
 * wall time should be close to latency x rounds, and with calls one after another close to latency x samples.
 * Writes results/latency.json and results/latency.md.
 *
 *   npx tsx bench/latency.ts [--latency-ms 50] [--steps 200] [--repeats 5] [--k 3] [--seed 1]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { createOpenAIModel } from '../models/openai-model.ts';
import { runTask } from '../run/run-task.ts';
import { createHanoiTask } from '../tasks/hanoi/index.ts';
import { describeMachine, loadAverage, machine, median, versions } from './harness/index.ts';
import { startServe } from './latency-server.ts';

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '50' },
    steps: { type: 'string', default: '200' },
    repeats: { type: 'string', default: '5' },
    k: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    'sequential-steps': { type: 'string', default: '40' },
    out: { type: 'string', default: 'results' },
  },
});
const latencyMs = Number(values['latency-ms']);
const steps = Number(values.steps);
const repeats = Number(values.repeats);
const k = Number(values.k);
const seed = Number(values.seed);
const sequentialSteps = Number(values['sequential-steps']);
const disks = 10;

/** One measured run. */
interface Measurement {
  readonly concurrency: number;
  readonly steps: number;
  readonly samples: number;
  readonly rounds: number;
  readonly wallMs: number;
  readonly msPerStep: number;
  /** latency x rounds per step: the wall time of perfectly parallel sampling with free overhead. */
  readonly idealMsPerStep: number;
  readonly ratio: number;
}

const started = new Date();
const load = loadAverage();
const serve = await startServe(['--task', 'hanoi', '--model', 'sim:gpt-4.1-mini', '--latency-ms', String(latencyMs), '--seed', String(seed)]);

async function measure(concurrency: number, maxSteps: number): Promise<Measurement> {
  const task = createHanoiTask({ disks });
  const model = createOpenAIModel({ model: 'gpt-4.1-mini', baseURL: serve.url, apiKey: 'bench' });
  const dispatcher = createDispatcher({ endpoints: [{ model, timeoutMs: 120_000 }], concurrency, seed });
  let rounds = 0;
  const t0 = performance.now();
  const result = await runTask({ task, dispatcher, k, seed, maxSteps, onStep: (event) => (rounds += event.stats.rounds) });
  const wallMs = performance.now() - t0;
  const done = result.totals.steps;
  const idealMsPerStep = (latencyMs * rounds) / done;
  return {
    concurrency,
    steps: done,
    samples: result.totals.samples,
    rounds,
    wallMs: Math.round(wallMs),
    msPerStep: Number((wallMs / done).toFixed(2)),
    idealMsPerStep: Number(idealMsPerStep.toFixed(2)),
    ratio: Number((wallMs / done / idealMsPerStep).toFixed(3)),
  };
}

try {
  // Warm-up: both processes' JIT and the connections; the first hundreds of calls run measurably slower.
  await measure(k, 100);
  const parallel: Measurement[] = [];
  for (let r = 0; r < repeats; r++) {
    parallel.push(await measure(k, steps));
    process.stderr.write(`parallel run ${r + 1}/${repeats}: ${JSON.stringify(parallel.at(-1))}\n`);
  }
  const sequential = await measure(1, sequentialSteps);
  process.stderr.write(`sequential run: ${JSON.stringify(sequential)}\n`);
  const ratio = median(parallel.map((m) => m.ratio));
  const msPerStep = median(parallel.map((m) => m.msPerStep));
  const idealMsPerStep = median(parallel.map((m) => m.idealMsPerStep));
  const command = `npx tsx bench/latency.ts --latency-ms ${latencyMs} --steps ${steps} --repeats ${repeats} --k ${k} --seed ${seed} --sequential-steps ${sequentialSteps}`;
  const document = {
    benchmark: 'latency',
    question: 'With server latency L per call and concurrency >= k, is wall time per step close to L x voting rounds?',
    command,
    seed,
    date: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    machine: machine(),
    versions: versions(),
    loadAverage: { start: load, end: loadAverage() },
    settings: { task: `hanoi, ${disks} disks, first ${steps} steps`, model: 'openai:gpt-4.1-mini -> maker serve sim:gpt-4.1-mini', latencyMs, k, concurrency: k, repeats },
    median: { msPerStep, idealMsPerStep, ratio },
    target: { ratioAtMost: 1.2, met: ratio <= 1.2 },
    parallel,
    sequential,
  };
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(`${values.out}/latency.json`, `${JSON.stringify(document, null, 2)}\n`);
  const row = (m: Measurement, label: string) =>
    `| ${label} | ${m.concurrency} | ${m.steps} | ${(m.samples / m.steps).toFixed(2)} | ${(m.rounds / m.steps).toFixed(3)} | ${m.msPerStep} | ${m.idealMsPerStep} | ${m.ratio} |`;
  const md = [
    '# Latency: parallel sampling against a server with fixed latency',
    '',
    `With ${latencyMs} ms of server latency per call and concurrency ${k} = k, the median wall time per step is **${msPerStep} ms**, ` +
      `**${ratio}x** the ${idealMsPerStep} ms that latency x voting rounds allows (target: at most 1.2x). ` +
      `Calls one after another (concurrency 1) take ${sequential.msPerStep} ms per step, about latency x samples.`,
    '',
    '| run | concurrency | steps | samples/step | rounds/step | ms/step | latency x rounds | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...parallel.map((m, i) => row(m, `parallel ${i + 1}`)),
    row(sequential, 'sequential'),
    '',
    `Hanoi with ${disks} disks (the first ${steps} steps), k = ${k}, seed ${seed}, through the openai backend (the real HTTP client, ` +
      `retries and timeouts on) against \`maker serve --latency-ms ${latencyMs}\` in a separate process on 127.0.0.1. ` +
      'Rounds per step come from the sampler: the first k samples are one round, each top-up after a disagreement or a red flag another.',
    '',
    `Reproduce: \`${command}\``,
    '',
    `Measured ${started.toISOString()} on ${describeMachine(document.machine)}, Node ${process.version}, ` +
      `load average ${load.join(' / ')} at the start; commit ${document.versions.gitCommit ?? 'unknown'}${document.versions.gitDirty ? ' (with uncommitted changes)' : ''}.`,
    '',
  ].join('\n');
  writeFileSync(`${values.out}/latency.md`, md);
  process.stdout.write(`${md}\n`);
} finally {
  await serve.stop();
}
