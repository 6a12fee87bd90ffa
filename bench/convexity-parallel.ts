/**
 * Is the graph engine's parallelism real? A balanced convexity expression with 64 leaves is labelled by the
 * focused strategy through `maker serve --latency-ms 50` (the real HTTP client), once with every ready node voted
 * at the same time and once with its node questions one after another (the same calls, concurrency k, so only
 * one node is voted at a time). The target: the parallel wall time at most 25% of the sequential one, F1 1.0.
 * Writes results/convexity-parallel.json and .md.
 *
 *   npx tsx bench/convexity-parallel.ts [--latency-ms 50] [--leaves 64] [--repeats 3] [--k 3] [--seed 1]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { createOpenAIModel } from '../models/openai-model.ts';
import { evaluateConvexity } from '../tasks/convexity/index.ts';
import { parseExpression } from '../tasks/convexity/parser.ts';
import { describeMachine, loadAverage, machine, median, versions } from './harness/index.ts';
import { startServe } from './latency-server.ts';

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '50' },
    leaves: { type: 'string', default: '64' },
    repeats: { type: 'string', default: '3' },
    k: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'results' },
  },
});
const latencyMs = Number(values['latency-ms']);
const leaves = Number(values.leaves);
const repeats = Number(values.repeats);
const k = Number(values.k);
const seed = Number(values.seed);
const ATOMS = ['exp', 'square', 'log', 'sqrt'] as const;

/** A balanced sum of `n` atom terms (n a power of two): n leaves, n atom nodes and n - 1 additions. */
function balanced(n: number, offset = 0): string {
  if (n === 1) return `${ATOMS[offset % ATOMS.length]}(x${offset})`;
  return `(${balanced(n / 2, offset)} + ${balanced(n / 2, offset + n / 2)})`;
}

const text = balanced(leaves);
const expressions = [{ expr: parseExpression(text), text }];
const started = new Date();
const load = loadAverage();
const serve = await startServe(['--task', 'convexity', '--model', 'sim:gpt-4.1-mini', '--latency-ms', String(latencyMs), '--seed', String(seed)]);

/** One labelling of the expression: `concurrency` model calls in flight at once. */
async function measure(concurrency: number) {
  const model = createOpenAIModel({ model: 'gpt-4.1-mini', baseURL: serve.url, apiKey: 'bench' });
  const dispatcher = createDispatcher({ endpoints: [{ model, timeoutMs: 120_000 }], concurrency, seed });
  const t0 = performance.now();
  const result = await evaluateConvexity({ strategy: 'focused', dispatcher, expressions, depth: 0, count: 1, k, seed, concurrency });
  return { concurrency, wallMs: Math.round(performance.now() - t0), calls: result.steps, samples: result.samples, f1: result.f1 };
}

try {
  await measure(k); // warm-up: JIT and connections
  const parallel = [];
  const sequential = [];
  for (let r = 0; r < repeats; r++) {
    // Every node of a level ready at once: enough calls in flight for all of them and their k samples.
    parallel.push(await measure(leaves * k));
    sequential.push(await measure(k));
    process.stderr.write(`repeat ${r + 1}/${repeats}: parallel ${parallel.at(-1)!.wallMs} ms, sequential ${sequential.at(-1)!.wallMs} ms\n`);
  }
  const parallelMs = median(parallel.map((m) => m.wallMs));
  const sequentialMs = median(sequential.map((m) => m.wallMs));
  const ratio = Number((parallelMs / sequentialMs).toFixed(3));
  const command = `npx tsx bench/convexity-parallel.ts --latency-ms ${latencyMs} --leaves ${leaves} --repeats ${repeats} --k ${k} --seed ${seed}`;
  const document = {
    benchmark: 'convexity-parallel',
    question: 'Does the focused strategy vote independent sub-expressions at the same time?',
    command,
    seed,
    date: started.toISOString(),
    machine: machine(),
    versions: versions(),
    loadAverage: { start: load, end: loadAverage() },
    settings: { expression: `balanced sum of ${leaves} atom terms`, nodes: parallel[0]!.calls, latencyMs, k },
    median: { parallelMs, sequentialMs, ratio },
    target: { ratioAtMost: 0.25, met: ratio <= 0.25 && parallel.every((m) => m.f1 === 1) },
    parallel,
    sequential,
  };
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(`${values.out}/convexity-parallel.json`, `${JSON.stringify(document, null, 2)}\n`);
  const md = [
    '# Convexity on the graph: independent sub-expressions voted at the same time',
    '',
    `A balanced sum of ${leaves} atom terms (${parallel[0]!.calls} voted node questions, depth ${Math.log2(leaves) + 1}) labelled by the focused strategy ` +
      `through \`maker serve --latency-ms ${latencyMs}\`: with every ready node voted at once the median wall time is **${parallelMs} ms**, ` +
      `**${ratio}x** the ${sequentialMs} ms of voting the nodes one after another (target: at most 0.25x). F1: ${parallel.map((m) => m.f1).join(', ')} (parallel), ` +
      `${sequential.map((m) => m.f1).join(', ')} (sequential).`,
    '',
    '| run | concurrency | wall ms | calls | samples | F1 |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...parallel.map((m, i) => `| parallel ${i + 1} | ${m.concurrency} | ${m.wallMs} | ${m.calls} | ${m.samples} | ${m.f1} |`),
    ...sequential.map((m, i) => `| sequential ${i + 1} | ${m.concurrency} | ${m.wallMs} | ${m.calls} | ${m.samples} | ${m.f1} |`),
    '',
    `Sequential: concurrency k = ${k}, so one node's k samples are in flight and nodes are voted one at a time, as before the graph engine. ` +
      'Both runs make the same calls with the same seeds (the same votes); only the wall time differs.',
    '',
    `Reproduce: \`${command}\``,
    '',
    `Measured ${started.toISOString()} on ${describeMachine(document.machine)}, Node ${process.version}, load average ${load.join(' / ')} at the start; ` +
      `commit ${document.versions.gitCommit ?? 'unknown'}${document.versions.gitDirty ? ' (with uncommitted changes)' : ''}.`,
    '',
  ].join('\n');
  writeFileSync(`${values.out}/convexity-parallel.md`, md);
  process.stdout.write(`${md}\n`);
} finally {
  await serve.stop();
}
