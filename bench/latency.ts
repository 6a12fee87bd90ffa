/**
 * Latency benchmark: does voting sample in parallel, and what does a round cost beyond the server's latency?
 * `maker serve` answers every completion after a fixed latency (50 ms); Hanoi runs against it through the openai
 * backend with concurrency k. A step needs as many waits as it has voting rounds (the first k samples are one
 * round, each top-up another), so with parallel sampling its wall time should be close to latency x rounds, and
 * with calls one after another close to latency x samples. Beside it, the floor: the same rounds of k POSTs to the
 * same server from a bare keep-alive node:http client, which is what loopback HTTP and the machine's load cost any
 * client; and the client's own CPU time per call, which load does not inflate the way it inflates wall time.
 * Writes results/latency.json and results/latency.md.
 *
 *   npx tsx bench/latency.ts [--latency-ms 50] [--steps 200] [--repeats 5] [--k 3] [--seed 1]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
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
  /** CPU time of this (client) process per model call, in milliseconds. */
  readonly clientCpuMsPerCall: number;
}

const started = new Date();
const load = loadAverage();
const serve = await startServe(['--task', 'hanoi', '--model', 'sim:gpt-4.1-mini', '--latency-ms', String(latencyMs), '--seed', String(seed)]);

async function measure(concurrency: number, maxSteps: number): Promise<Measurement> {
  const task = createHanoiTask({ disks });
  const model = createOpenAIModel({ model: 'gpt-4.1-mini', baseURL: serve.url, apiKey: 'bench' });
  const dispatcher = createDispatcher({ endpoints: [{ model, timeoutMs: 120_000 }], concurrency, seed });
  let rounds = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const result = await runTask({ task, dispatcher, k, seed, maxSteps, onStep: (event) => (rounds += event.stats.rounds) });
  const wallMs = performance.now() - t0;
  const used = process.cpuUsage(cpu);
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
    clientCpuMsPerCall: Number(((used.user + used.system) / 1000 / result.totals.samples).toFixed(3)),
  };
}

/** Rounds of k POSTs at once from a bare keep-alive node:http client: the floor any client stands on here. */
async function measureFloor(rounds: number): Promise<{ readonly rounds: number; readonly msPerRound: number; readonly ratio: number; readonly clientCpuMsPerCall: number }> {
  const task = createHanoiTask({ disks });
  const url = new URL(`${serve.url}/chat/completions`);
  const agent = new http.Agent({ keepAlive: true });
  const messages = task.prompt(task.initialState(), 0);
  const post = (sample: number) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ model: 'gpt-4.1-mini', messages, temperature: 0.1, max_tokens: 750, seed: sample });
      const request = http.request(
        { hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            JSON.parse(Buffer.concat(chunks).toString('utf8'));
            resolve();
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const round = (r: number) => Promise.all(Array.from({ length: k }, (_, i) => post(r * k + i)));
  for (let r = 0; r < 20; r++) await round(r);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) await round(r);
  const msPerRound = (performance.now() - t0) / rounds;
  const used = process.cpuUsage(cpu);
  agent.destroy();
  return {
    rounds,
    msPerRound: Number(msPerRound.toFixed(2)),
    ratio: Number((msPerRound / latencyMs).toFixed(3)),
    clientCpuMsPerCall: Number(((used.user + used.system) / 1000 / (rounds * k)).toFixed(3)),
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
  const floor = await measureFloor(steps);
  process.stderr.write(`floor: ${JSON.stringify(floor)}\n`);
  const ratio = median(parallel.map((m) => m.ratio));
  const msPerStep = median(parallel.map((m) => m.msPerStep));
  const idealMsPerStep = median(parallel.map((m) => m.idealMsPerStep));
  const clientCpuMsPerCall = median(parallel.map((m) => m.clientCpuMsPerCall));
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
    median: { msPerStep, idealMsPerStep, ratio, clientCpuMsPerCall },
    target: { ratioAtMost: 1.2, met: ratio <= 1.2, goal: 1.05 },
    floor,
    parallel,
    sequential,
  };
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(`${values.out}/latency.json`, `${JSON.stringify(document, null, 2)}\n`);
  const row = (m: Measurement, label: string) =>
    `| ${label} | ${m.concurrency} | ${m.steps} | ${(m.samples / m.steps).toFixed(2)} | ${(m.rounds / m.steps).toFixed(3)} | ${m.msPerStep} | ${m.idealMsPerStep} | ${m.ratio} | ${m.clientCpuMsPerCall} |`;
  const md = [
    '# Latency: parallel sampling against a server with fixed latency',
    '',
    `With ${latencyMs} ms of server latency per call and concurrency ${k} = k, the median wall time per step is **${msPerStep} ms**, ` +
      `**${ratio}x** the ${idealMsPerStep} ms that latency x voting rounds allows (target: at most 1.2x; goal 1.05x). ` +
      `The floor on this machine — the same rounds of ${k} POSTs to the same server from a bare keep-alive node:http client — is ` +
      `${floor.msPerRound} ms a round, **${floor.ratio}x**: what loopback HTTP and the machine's load cost any client; ` +
      `the executor's client spends ${clientCpuMsPerCall} ms of CPU per call against the bare client's ${floor.clientCpuMsPerCall} ms. ` +
      `Calls one after another (concurrency 1) take ${sequential.msPerStep} ms per step, about latency x samples.`,
    '',
    '| run | concurrency | steps | samples/step | rounds/step | ms/step | latency x rounds | ratio | client CPU ms/call |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...parallel.map((m, i) => row(m, `parallel ${i + 1}`)),
    row(sequential, 'sequential'),
    `| floor: bare node:http, ${k} POSTs a round | ${k} | ${floor.rounds} rounds | ${k} | 1 | ${floor.msPerRound} | ${latencyMs} | ${floor.ratio} | ${floor.clientCpuMsPerCall} |`,
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
