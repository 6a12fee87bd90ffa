/**
 * What a PostgreSQL store costs a run, against the file journal: each run a fresh `node bin/maker.js run hanoi
 * ... --json` process, rounds alternating the order of the kinds. Writes results/store.json and results/store.md.
 *
 *   npx tsx bench/store.ts [--disks 20] [--runs 3] [--latency-disks 8] [--latency-ms 50] [--latency-runs 3] [--seed 1] [--out results]
 *
 * - Simulated: `--disks` Hanoi on `sim:gpt-4.1-mini` (answers at once), with `--run-dir` and with `--store`: the
 *   whole cost of keeping each decided call, per step. Wall time is the run's own `wallMs`; CPU time is the
 *   maker process's (user + system), and the PostgreSQL server's CPU time over the run is read from /proc
 *   (every `postgres` process on the machine: an upper bound, since other work may use the server too).
 * - Endpoint latency: `--latency-disks` Hanoi against `maker serve --latency-ms 50` (a simulated model behind an
 *   OpenAI-compatible endpoint on 127.0.0.1), plain, with `--run-dir`, and with `--store`.
 *
 * The store is a fresh database on MAKER_PG_URL's server (default the local one), dropped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../durable/pg-test-database.ts';
import { median } from './harness/fit.ts';
import { fixed, int, percent, table } from './harness/markdown.ts';
import { describeMachine, loadAverage, machine, versions } from './harness/provenance.ts';

type Kind = 'plain' | 'file' | 'store';

interface Measurement {
  readonly phase: 'simulated' | 'latency';
  readonly kind: Kind;
  readonly disks: number;
  readonly round: number;
  readonly steps: number;
  readonly solved: boolean;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** CPU time of every PostgreSQL process on the machine over the run, in milliseconds. */
  readonly serverCpuMs: number;
  /** Spawn to exit, Node's start-up, connecting and the engine's launch included, in milliseconds. */
  readonly processMs: number;
  readonly samples: number;
  readonly loadBefore: [number, number, number];
  readonly loadAfter: [number, number, number];
}

const { values } = parseArgs({
  options: {
    disks: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    'latency-disks': { type: 'string', default: '8' },
    'latency-ms': { type: 'string', default: '50' },
    'latency-runs': { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'results' },
  },
});
const disks = Number(values.disks);
const runs = Number(values.runs);
const latencyDisks = Number(values['latency-disks']);
const latencyMs = Number(values['latency-ms']);
const latencyRuns = Number(values['latency-runs']);
const seed = Number(values.seed);
for (const [name, value] of [['disks', disks], ['runs', runs], ['latency-disks', latencyDisks], ['latency-ms', latencyMs], ['latency-runs', latencyRuns], ['seed', seed]] as const) {
  if (!Number.isInteger(value) || value < (name === 'seed' || name === 'latency-runs' ? 0 : 1)) throw new Error(`Expected --${name} to be a non-negative integer, got \`${String(value)}\``);
}

const makerBin = fileURLToPath(new URL('../bin/maker.js', import.meta.url));
const probe = pathToFileURL(fileURLToPath(new URL('./journal-probe.mjs', import.meta.url))).href;
const command = `npx tsx bench/store.ts --disks ${disks} --runs ${runs} --latency-disks ${latencyDisks} --latency-ms ${latencyMs} --latency-runs ${latencyRuns} --seed ${seed}`;
const started = new Date();
const startLoad = loadAverage();
const measurements: Measurement[] = [];
const database = await createTestDatabase();

/** CPU time (user + system) of each `postgres` process now, in milliseconds, by pid, from /proc. */
function serverCpu(): Map<string, number> {
  const tick = 100; // USER_HZ on Linux
  const cpu = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== 'postgres') continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / tick);
    } catch {
      // The process ended while we looked.
    }
  }
  return cpu;
}

/**
 * Watches the server's CPU time over a run: sampled every 100 ms, since a connection's backend process exits
 * (taking its counters with it) when the connection closes. Returns a function that stops and gives the total.
 */
function watchServerCpu(): () => number {
  const first = serverCpu();
  const last = new Map(first);
  const timer = setInterval(() => {
    for (const [pid, ms] of serverCpu()) last.set(pid, ms);
  }, 100);
  return () => {
    clearInterval(timer);
    for (const [pid, ms] of serverCpu()) last.set(pid, ms);
    let total = 0;
    for (const [pid, ms] of last) total += ms - (first.get(pid) ?? 0);
    return total;
  };
}

function child(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string; processMs: number; probe: { userMs: number; systemMs: number } }> {
  const dir = mkdtempSync(join(tmpdir(), 'maker-store-probe-'));
  const file = join(dir, 'probe.json');
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', probe, makerBin, ...args], { env: { ...process.env, MAKER_JOURNAL_PROBE_FILE: file }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      try {
        resolve({ code, stdout, stderr, processMs: performance.now() - began, probe: JSON.parse(readFileSync(file, 'utf8')) as { userMs: number; systemMs: number } });
      } catch (error) {
        reject(new Error(`maker ${args.join(' ')} exited ${code} without its measurements: ${stderr}`, { cause: error }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

let runNumber = 0;
async function measure(phase: Measurement['phase'], kind: Kind, n: number, round: number, model: readonly string[]): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'maker-store-bench-'));
  const args = ['run', 'hanoi', '--disks', String(n), '--seed', String(seed), ...model, '--no-progress', '--json'];
  if (kind === 'file') args.push('--run-dir', join(dir, 'run'));
  if (kind === 'store') args.push('--store', database.url, '--run-id', `bench-${++runNumber}`);
  const loadBefore = loadAverage();
  const server = watchServerCpu();
  try {
    const run = await child(args);
    const serverMs = server();
    if ((run.code !== 0 && run.code !== 1) || run.stdout.trim() === '') throw new Error(`maker ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
    const summary = JSON.parse(run.stdout) as { solved: boolean; steps: number; wallMs: number; samples: number };
    const measurement: Measurement = {
      phase,
      kind,
      disks: n,
      round,
      steps: summary.steps,
      solved: summary.solved,
      wallMs: summary.wallMs,
      cpuMs: Math.round(run.probe.userMs + run.probe.systemMs),
      serverCpuMs: Math.round(serverMs),
      processMs: Math.round(run.processMs),
      samples: summary.samples,
      loadBefore,
      loadAfter: loadAverage(),
    };
    process.stderr.write(`${phase} ${kind.padEnd(5)} ${n} disks, round ${round}: wall ${fixed(measurement.wallMs / 1000, 1)} s, CPU ${fixed(measurement.cpuMs / 1000, 1)} s, server CPU ${fixed(measurement.serverCpuMs / 1000, 1)} s, load ${loadBefore[0]} -> ${measurement.loadAfter[0]}\n`);
    return measurement;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `maker serve` on a free port; resolves with its base URL once it listens. */
function serve(): Promise<{ url: string; process: ChildProcess }> {
  const proc = spawn(process.execPath, [makerBin, 'serve', '--port', '0', '--latency-ms', String(latencyMs), '--seed', String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(output);
      if (match !== null) resolve({ url: match[1]!, process: proc });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('error', reject);
    proc.on('close', (code) => reject(new Error(`maker serve exited ${code}: ${output}`)));
  });
}

try {
  const rotate = <T>(list: readonly T[], by: number) => list.map((_, i) => list[(i + by) % list.length]!);
  const kinds: Kind[] = ['file', 'store'];
  for (let round = 1; round <= runs; round++) {
    for (const kind of rotate(kinds, round - 1)) measurements.push(await measure('simulated', kind, disks, round, []));
  }
  if (latencyRuns > 0) {
    const server = await serve();
    try {
      const model = ['--model', 'openai:gpt-4.1-mini', '--base-url', server.url, '--api-key', 'local'];
      const all: Kind[] = ['plain', 'file', 'store'];
      for (let round = 1; round <= latencyRuns; round++) {
        for (const kind of rotate(all, round - 1)) measurements.push(await measure('latency', kind, latencyDisks, round, model));
      }
    } finally {
      server.process.kill();
    }
  }
} finally {
  await database.drop();
}

const pick = (phase: Measurement['phase'], kind: Kind) => measurements.filter((m) => m.phase === phase && m.kind === kind);
const med = (list: readonly Measurement[], value: (m: Measurement) => number) => (list.length === 0 ? Number.NaN : median(list.map(value)));
const overhead = (phase: Measurement['phase'], kind: Kind, base: Kind, value: (m: Measurement) => number) => med(pick(phase, kind), value) / med(pick(phase, base), value) - 1;
const simSteps = pick('simulated', 'store')[0]?.steps ?? 0;
const summary = {
  simulated: {
    disks,
    steps: simSteps,
    fileWallMs: med(pick('simulated', 'file'), (m) => m.wallMs),
    storeWallMs: med(pick('simulated', 'store'), (m) => m.wallMs),
    wallOverhead: overhead('simulated', 'store', 'file', (m) => m.wallMs),
    fileCpuMs: med(pick('simulated', 'file'), (m) => m.cpuMs),
    storeCpuMs: med(pick('simulated', 'store'), (m) => m.cpuMs),
    cpuOverhead: overhead('simulated', 'store', 'file', (m) => m.cpuMs),
    /** Extra wall time per step of the store over the file journal, in microseconds. */
    wallUsPerStep: ((med(pick('simulated', 'store'), (m) => m.wallMs) - med(pick('simulated', 'file'), (m) => m.wallMs)) * 1000) / Math.max(simSteps, 1),
    cpuUsPerStep: ((med(pick('simulated', 'store'), (m) => m.cpuMs) - med(pick('simulated', 'file'), (m) => m.cpuMs)) * 1000) / Math.max(simSteps, 1),
    serverCpuUsPerStep: (med(pick('simulated', 'store'), (m) => m.serverCpuMs) * 1000) / Math.max(simSteps, 1),
    /** Extra spawn-to-exit time of a stored run: its fixed start plus its per-step cost, in milliseconds. */
    processExtraMs: med(pick('simulated', 'store'), (m) => m.processMs) - med(pick('simulated', 'file'), (m) => m.processMs),
  },
  latency: {
    disks: latencyDisks,
    latencyMs,
    steps: pick('latency', 'store')[0]?.steps ?? 0,
    plainWallMs: med(pick('latency', 'plain'), (m) => m.wallMs),
    fileWallMs: med(pick('latency', 'file'), (m) => m.wallMs),
    storeWallMs: med(pick('latency', 'store'), (m) => m.wallMs),
    storeOverFile: overhead('latency', 'store', 'file', (m) => m.wallMs),
    storeOverPlain: overhead('latency', 'store', 'plain', (m) => m.wallMs),
    /** The same in spawn-to-exit time, each session's fixed start included. */
    storeOverFileProcess: overhead('latency', 'store', 'file', (m) => m.processMs),
  },
};
const provenance = { command, seed, date: started.toISOString(), durationMs: Date.now() - started.getTime(), versions: versions(), machine: machine(), loadAverage: { start: startLoad, end: loadAverage() } };

mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, 'store.json'), `${JSON.stringify({ format: 'maker-store-bench/1', provenance, summary, measurements }, null, 2)}\n`);
const s = summary.simulated;
const l = summary.latency;
const markdown = [
  '# Cost of a PostgreSQL run store',
  '',
  `Hanoi on the simulated model, each run a fresh \`node bin/maker.js run hanoi ... --json\` process, journaled in a run directory (\`--run-dir\`, the file journal) or kept in PostgreSQL (\`--store URL --run-id NAME\`: decided calls in batches every 50 ms, a segment workflow and snapshot every 10,000 calls); and the same against an OpenAI-compatible endpoint answering after ${latencyMs} ms (\`maker serve --latency-ms ${latencyMs}\`), where plain runs are measured too. Wall time is the run's own \`wallMs\` (deciding calls: for a stored run, from when it drives, after connecting and launching the engine); process time is spawn to exit, which adds each session's fixed start (Node, connecting, DBOS's launch); CPU time the maker process's user + system time; server CPU the CPU time of every PostgreSQL process on the machine during the run (an upper bound: other work shares the server).`,
  '',
  '## Findings',
  '',
  `- Simulated, ${int(s.steps)} steps (${disks} disks): the store took **${percent(s.wallOverhead)}** more wall time than the file journal (median ${fixed(s.storeWallMs / 1000, 1)} s against ${fixed(s.fileWallMs / 1000, 1)} s over ${runs} runs each), ${fixed(s.wallUsPerStep, 1)} µs per step; the maker process's CPU time **${percent(s.cpuOverhead)}** more (${fixed(s.storeCpuMs / 1000, 1)} s against ${fixed(s.fileCpuMs / 1000, 1)} s, ${fixed(s.cpuUsPerStep, 1)} µs per step), and the PostgreSQL server spent ${fixed(s.serverCpuUsPerStep, 1)} µs of CPU per step besides. Spawn to exit the stored run took ${fixed(s.processExtraMs / 1000, 1)} s longer, its fixed start included.`,
  ...(latencyRuns > 0
    ? [
        `- At ${latencyMs} ms endpoint latency, ${int(l.steps)} steps (${latencyDisks} disks): the store's wall time was **${percent(l.storeOverFile)}** over the file journal's (median ${fixed(l.storeWallMs / 1000, 1)} s against ${fixed(l.fileWallMs / 1000, 1)} s) and **${percent(l.storeOverPlain)}** over a plain run's (${fixed(l.plainWallMs / 1000, 1)} s), against a target of under 5%: a batch goes to the server while the next calls wait on the endpoint. Spawn to exit, with each session's fixed start (connecting, DBOS's launch), the store took ${percent(l.storeOverFileProcess)} more than the file journal on this short run; a real run at this latency lasts hours to days, over which that start is nothing.`,
      ]
    : []),
  '',
  '## Runs',
  '',
  table(
    ['phase', 'run', 'disks', 'round', 'steps', 'solved', 'wall s', 'process s', 'CPU s', 'server CPU s', 'load (1 min) before → after'],
    measurements.map((m) => [m.phase, m.kind, m.disks, m.round, int(m.steps), m.solved ? 'yes' : 'no', fixed(m.wallMs / 1000, 1), fixed(m.processMs / 1000, 1), fixed(m.cpuMs / 1000, 1), fixed(m.serverCpuMs / 1000, 1), `${m.loadBefore[0]} → ${m.loadAfter[0]}`]),
  ),
  '',
  '## How this was produced',
  '',
  `- Command: \`${command}\``,
  `- Seed ${seed}; model \`sim:gpt-4.1-mini\` (behind \`maker serve\` for the latency runs), k = 3`,
  `- Date: ${provenance.date}; took ${fixed(provenance.durationMs / 60_000, 1)} min`,
  `- Machine: ${describeMachine(provenance.machine)}; commit ${provenance.versions.gitCommit ?? 'unknown'}`,
  `- Load average (1, 5, 15 min) at start ${startLoad.join(', ')}, at end ${provenance.loadAverage.end.join(', ')}. The machine's cores were shared with other work, so wall times are noisy; rounds rotate which kind goes first.`,
  `- PostgreSQL on the same machine (127.0.0.1), a fresh database for the measurement, dropped after.`,
  '',
].join('\n');
writeFileSync(join(values.out, 'store.md'), markdown);
process.stderr.write(`wrote ${join(values.out, 'store.json')} and ${join(values.out, 'store.md')}\n`);
