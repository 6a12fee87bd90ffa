/**
 * Where a simulated run's CPU time goes: runs `maker run hanoi` under V8's sampling profiler in a child process
 * and writes a summary beside the throughput results — self time by part of the code (the folders are the
 * architecture) and the functions that cost most. Writes results/throughput-profile.md and .json.
 *
 *   npx tsx bench/profile.ts [--disks 16] [--seed 1] [--out results]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describeMachine, loadAverage, machine, versions } from './harness/index.ts';

const { values } = parseArgs({
  options: { disks: { type: 'string', default: '16' }, seed: { type: 'string', default: '1' }, out: { type: 'string', default: 'results' } },
});
const disks = Number(values.disks);
const seed = Number(values.seed);

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** The part of the code a frame belongs to: a folder of this project, a dependency, or the runtime. */
function partOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(root)') return 'idle and VM';
  if (url.includes('/node_modules/gpt-tokenizer/')) return 'models/tokens (gpt-tokenizer)';
  if (url.includes('/node_modules/p-queue/') || url.includes('/node_modules/eventemitter3/')) return 'dispatch (p-queue)';
  if (url.includes('/node_modules/') || url.startsWith('node:') || url === '' || url.includes('/esm/') || url.includes('bootstrap')) return 'start-up, loader and runtime';
  const match = /\/(core|models|dispatch|voting|planning|run|durable|tasks|testing|bench|cli)\/([^/]+)/.exec(url);
  if (match === null) return 'other';
  if (match[1] === 'models') return `models/${match[2]!.replace(/\.ts$/, '')}`;
  if (match[1] === 'tasks') return `tasks/${match[2]}`;
  return match[1]!;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'maker-profile-'));
const args = ['run', 'hanoi', '--disks', String(disks), '--k', '3', '--model', 'sim:gpt-4.1-mini', '--seed', String(seed), '--json', '--no-progress'];
const load = loadAverage();
const started = new Date();
const stdout = execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, join(root, 'bin/maker.js'), ...args], { encoding: 'utf8' });
const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { steps: number; samples: number; solved: boolean };
// One profile per thread: the main thread's is the one with the run in it (the largest).
const file = readdirSync(dir)
  .map((name) => join(dir, name))
  .sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
rmSync(dir, { recursive: true, force: true });

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const ticks = new Map<number, number>();
for (const id of profile.samples) ticks.set(id, (ticks.get(id) ?? 0) + 1);
const busy = [...ticks].filter(([id]) => byId.get(id)!.callFrame.functionName !== '(idle)').reduce((sum, [, n]) => sum + n, 0);
const parts = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, count] of ticks) {
  const node = byId.get(id)!;
  if (node.callFrame.functionName === '(idle)') continue;
  const part = partOf(node);
  parts.set(part, (parts.get(part) ?? 0) + count);
  const where = node.callFrame.url === '' ? '' : ` (${node.callFrame.url.replace(/^.*\/(node_modules\/[^/]+|[a-z-]+\/[a-z-]+\.ts)$/, '$1').replace(/^file:\/\/.*\//, '')})`;
  const name = `${node.callFrame.functionName || '(anonymous)'}${where}`;
  functions.set(name, (functions.get(name) ?? 0) + count);
}
const share = (count: number) => `${((100 * count) / busy).toFixed(1)}%`;
const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
const command = `npx tsx bench/profile.ts --disks ${disks} --seed ${seed}`;
const durationS = (profile.endTime - profile.startTime) / 1e6;
const document = {
  benchmark: 'throughput-profile',
  command,
  profiled: `node --cpu-prof bin/maker.js ${args.join(' ')}`,
  date: started.toISOString(),
  machine: machine(),
  versions: versions(),
  loadAverage: { start: load, end: loadAverage() },
  run: summary,
  profileSeconds: durationS,
  busyShare: Object.fromEntries(sorted(parts).map(([part, count]) => [part, count / busy])),
  topFunctions: sorted(functions).slice(0, 30).map(([name, count]) => ({ name, share: count / busy })),
};
const md = [
  '# Throughput profile: where a simulated run spends its CPU time',
  '',
  `\`node --cpu-prof bin/maker.js ${args.join(' ')}\` (${summary.steps.toLocaleString('en-US')} steps, ${summary.samples.toLocaleString('en-US')} samples, ` +
    `solved: ${summary.solved ? 'yes' : 'no'}), V8's sampling profiler on the main thread, ${durationS.toFixed(1)} s profiled. ` +
    'Shares are of the busy samples (idle excluded), by self time: a function\'s own time, not its callees\'.',
  '',
  '| part of the code | share of CPU |',
  '|:---|---:|',
  ...sorted(parts).map(([part, count]) => `| ${part} | ${share(count)} |`),
  '',
  'The costliest functions:',
  '',
  '| function | share of CPU |',
  '|:---|---:|',
  ...sorted(functions)
    .slice(0, 25)
    .map(([name, count]) => `| \`${name.replaceAll('|', '\\|')}\` | ${share(count)} |`),
  '',
  `Reproduce: \`${command}\`. Measured ${started.toISOString()} on ${describeMachine(document.machine)}, Node ${process.version}, load average ` +
    `${load.join(' / ')} at the start; commit ${document.versions.gitCommit ?? 'unknown'}${document.versions.gitDirty ? ' (with uncommitted changes)' : ''}.`,
  '',
].join('\n');
mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'throughput-profile.json'), `${JSON.stringify(document, null, 2)}\n`);
writeFileSync(join(values.out!, 'throughput-profile.md'), md);
process.stdout.write(md);
