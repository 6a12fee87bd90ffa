/**
 * What a PostgreSQL store costs a run, against the file journal: each run a fresh `node bin/maker.js run hanoi
 * ... --json` process, rounds alternating the order of the kinds. Writes results/store.json and results/store.md.
 *
 *   npx tsx bench/store.ts [--disks 20] [--runs 3] [--latency-disks 8] [--latency-ms 50] [--latency-runs 3] [--seed 1] [--out results]
 *   npx tsx bench/store.ts --render results/store.json      rewrite store.md from the recorded runs
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
import { describeMachine, loadAverage, machine, versions, type Provenance } from './harness/provenance.ts';

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
    render: { type: 'string' },
  },
});
/** With `--render FILE`: no runs, the Markdown is written again from a results JSON (for a changed report). */
const rendered = values.render === undefined ? undefined : (JSON.parse(readFileSync(values.render, 'utf8')) as { provenance: Provenance; measurements: Measurement[] });
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
const measurements: Measurement[] = rendered === undefined ? [] : rendered.measurements;

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
let databaseUrl = '';
async function measure(phase: Measurement['phase'], kind: Kind, n: number, round: number, model: readonly string[]): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'maker-store-bench-'));
  const args = ['run', 'hanoi', '--disks', String(n), '--seed', String(seed), ...model, '--no-progress', '--json'];
  if (kind === 'file') args.push('--run-dir', join(dir, 'run'));
  if (kind === 'store') args.push('--store', databaseUrl, '--run-id', `bench-${++runNumber}`);
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

if (rendered === undefined) {
  const database = await createTestDatabase();
  databaseUrl = database.url;
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
}

const latencyRunsOf = (list: readonly Measurement[]) => list.filter((m) => m.phase === 'latency').length;
const pick = (phase: Measurement['phase'], kind: Kind) => measurements.filter((m) => m.phase === phase && m.kind === kind);
const med = (list: readonly Measurement[], value: (m: Measurement) => number) => (list.length === 0 ? Number.NaN : median(list.map(value)));
const overhead = (phase: Measurement['phase'], kind: Kind, base: Kind, value: (m: Measurement) => number) => med(pick(phase, kind), value) / med(pick(phase, base), value) - 1;
const simSteps = pick('simulated', 'store')[0]?.steps ?? 0;
const provenance: Provenance = rendered?.provenance ?? {
  command,
  seed,
  size: 'full',
  date: started.toISOString(),
  durationMs: Date.now() - started.getTime(),
  versions: versions(),
  machine: machine(),
  loadAverage: { start: startLoad, end: loadAverage() },
};
const summary = {
  simulated: {
    disks: pick('simulated', 'store')[0]?.disks ?? disks,
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
    disks: pick('latency', 'store')[0]?.disks ?? latencyDisks,
    latencyMs: rendered === undefined ? latencyMs : Number(/--latency-ms (\d+)/.exec(provenance.command)?.[1] ?? latencyMs),
    steps: pick('latency', 'store')[0]?.steps ?? 0,
    plainWallMs: med(pick('latency', 'plain'), (m) => m.wallMs),
    fileWallMs: med(pick('latency', 'file'), (m) => m.wallMs),
    storeWallMs: med(pick('latency', 'store'), (m) => m.wallMs),
    storeOverFile: overhead('latency', 'store', 'file', (m) => m.wallMs),
    storeOverPlain: overhead('latency', 'store', 'plain', (m) => m.wallMs),
    fileOverPlain: overhead('latency', 'file', 'plain', (m) => m.wallMs),
    /** Slowest run over fastest, of all the latency runs whatever their kind, minus one: the noise floor. */
    spread: Math.max(...pick('latency', 'plain').concat(pick('latency', 'file'), pick('latency', 'store')).map((m) => m.wallMs)) / Math.min(...pick('latency', 'plain').concat(pick('latency', 'file'), pick('latency', 'store')).map((m) => m.wallMs)) - 1,
    /** Mean wall time of a step, in milliseconds. */
    stepMs: med(pick('latency', 'plain'), (m) => m.wallMs) / Math.max(pick('latency', 'plain')[0]?.steps ?? 1, 1),
    /** The same in spawn-to-exit time, each session's fixed start included. */
    storeOverFileProcess: overhead('latency', 'store', 'file', (m) => m.processMs),
  },
};

mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, 'store.json'), `${JSON.stringify({ format: 'maker-store-bench/1', provenance, summary, measurements }, null, 2)}\n`);
const s = summary.simulated;
const l = summary.latency;
const markdown = [
  '# Cost of a PostgreSQL run store',
  '',
  `Hanoi on the simulated model, each run a fresh \`node bin/maker.js run hanoi ... --json\` process, journaled in a run directory (\`--run-dir\`, the file journal) or kept in PostgreSQL (\`--store URL --run-id NAME\`: decided calls in batches every 50 ms, a segment workflow and snapshot every 10,000 calls); and the same against an OpenAI-compatible endpoint answering after ${l.latencyMs} ms (\`maker serve --latency-ms ${l.latencyMs}\`), where plain runs are measured too. Wall time is the run's own \`wallMs\` (deciding calls: for a stored run, from when it drives, after connecting and launching the engine); process time is spawn to exit, which adds each session's fixed start (Node, connecting, DBOS's launch); CPU time the maker process's user + system time; server CPU the CPU time of every PostgreSQL process on the machine during the run (an upper bound: other work shares the server).`,
  '',
  '## Findings',
  '',
  `- Simulated, ${int(s.steps)} steps (${s.disks} disks): the store took **${percent(s.wallOverhead)}** more wall time than the file journal (median ${fixed(s.storeWallMs / 1000, 1)} s against ${fixed(s.fileWallMs / 1000, 1)} s over ${pick('simulated', 'store').length} runs each), ${fixed(s.wallUsPerStep, 1)} µs per step; the maker process's CPU time **${percent(s.cpuOverhead)}** more (${fixed(s.storeCpuMs / 1000, 1)} s against ${fixed(s.fileCpuMs / 1000, 1)} s, ${fixed(s.cpuUsPerStep, 1)} µs per step), and the PostgreSQL server spent ${fixed(s.serverCpuUsPerStep, 1)} µs of CPU per step besides. Spawn to exit the stored run took ${fixed(s.processExtraMs / 1000, 1)} s longer, its fixed start included.`,
  ...(latencyRunsOf(measurements) > 0
    ? [
        `- At ${l.latencyMs} ms endpoint latency, ${int(l.steps)} steps (${l.disks} disks, ${fixed(l.stepMs, 1)} ms a step): median wall time ${fixed(l.storeWallMs / 1000, 1)} s with the store, ${fixed(l.fileWallMs / 1000, 1)} s with the file journal, ${fixed(l.plainWallMs / 1000, 1)} s plain: the store **${percent(l.storeOverPlain)}** over a plain run and ${percent(l.storeOverFile)} over the file journal, while the file journal itself came out ${percent(l.fileOverPlain)} over plain. These differences are inside the noise: the slowest of the ${l.steps === 0 ? 0 : latencyRunsOf(measurements)} latency runs took ${percent(l.spread)} longer than the fastest, whatever its kind. What the store adds per step is its CPU time, ${fixed(s.cpuUsPerStep + s.serverCpuUsPerStep, 1)} µs (client and server, from the simulated runs), ${percent(((s.cpuUsPerStep + s.serverCpuUsPerStep) / 1000) / l.stepMs, 3)} of a ${fixed(l.stepMs, 1)} ms step, against the target of under 5%; sending a batch overlaps the next calls' wait on the endpoint. Spawn to exit, with each session's fixed start (connecting, DBOS's launch), the store took ${percent(l.storeOverFileProcess)} more than the file journal on this short run; a real run at this latency lasts hours to days, over which that start is nothing.`,
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
  `- Command: \`${provenance.command}\``,
  `- Seed ${provenance.seed}; model \`sim:gpt-4.1-mini\` (behind \`maker serve\` for the latency runs), k = 3`,
  `- Date: ${provenance.date}; took ${fixed(provenance.durationMs / 60_000, 1)} min`,
  `- Machine: ${describeMachine(provenance.machine)}; commit ${provenance.versions.gitCommit ?? 'unknown'}`,
  `- Load average (1, 5, 15 min) at start ${provenance.loadAverage.start.join(', ')}, at end ${provenance.loadAverage.end.join(', ')}. The machine's cores were shared with other work, so wall times are noisy; rounds rotate which kind goes first.`,
  `- PostgreSQL on the same machine (127.0.0.1), a fresh database for the measurement, dropped after.`,
  '',
].join('\n');
writeFileSync(join(values.out, 'store.md'), markdown);
process.stderr.write(`wrote ${join(values.out, 'store.json')} and ${join(values.out, 'store.md')}\n`);
