/**
 * End to end under faults: Hanoi through the openai backend against `maker serve` injecting 10% faults of every
 * kind (429, 5xx, 408, 409, dropped connections, truncated and invalid bodies, empty choices, finish_reason
 * length, hanging connections). Checks that the run solves with 0 errors and that the faults the run reports are
 * exactly the faults the server injected (a `length` response is red-flagged as truncated, not retried).
 * Writes results/latency-faults.json and results/latency-faults.md.
 *
 *   npx tsx bench/latency-faults.ts [--disks 12] [--fault-rate 0.1] [--seed 3] [--fault-seed 14]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { CLIENT_FAULT, INJECTABLE_FAULTS } from '../testing/fault-injection.ts';
import { createOpenAIModel } from '../models/openai-model.ts';
import { runTask } from '../run/run-task.ts';
import { createHanoiTask } from '../tasks/hanoi/index.ts';
import { describeMachine, loadAverage, machine, versions } from './harness/index.ts';
import { startServe } from './latency-server.ts';

const { values } = parseArgs({
  options: {
    disks: { type: 'string', default: '12' },
    'fault-rate': { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '3' },
    'fault-seed': { type: 'string', default: '14' },
    'timeout-ms': { type: 'string', default: '400' },
    out: { type: 'string', default: 'results' },
  },
});
const disks = Number(values.disks);
const faultRate = Number(values['fault-rate']);
const seed = Number(values.seed);
const faultSeed = Number(values['fault-seed']);
const timeoutMs = Number(values['timeout-ms']);
// Every kind; hanging connections a third as often, since each costs the client its whole timeout.
const kinds = 'rate-limit,server-error,request-timeout,conflict,drop,truncated,invalid-json,empty-choices,length,hang=0.3';
const k = 3;

const started = new Date();
const load = loadAverage();
const serveArgs = ['--task', 'hanoi', '--model', 'sim:gpt-4.1-mini', '--fault-rate', String(faultRate), '--faults', kinds, '--fault-seed', String(faultSeed), '--retry-after-ms', '1', '--hang-ms', '60000'];
const serve = await startServe(serveArgs);
try {
  const task = createHanoiTask({ disks });
  const model = createOpenAIModel({ model: 'gpt-4.1-mini', baseURL: serve.url, apiKey: 'bench' });
  const dispatcher = createDispatcher({ endpoints: [{ model, timeoutMs }], concurrency: k, seed, retry: { baseDelayMs: 1, maxDelayMs: 4 } });
  const t0 = performance.now();
  const result = await runTask({ task, dispatcher, k, seed });
  const wallMs = Math.round(performance.now() - t0);
  const stats = await serve.stats();
  const rows = INJECTABLE_FAULTS.map((kind) => {
    const injected = stats.faults.injected[kind] ?? 0;
    const counted = kind === 'length' ? undefined : (result.totals.faults[CLIENT_FAULT[kind]] ?? 0);
    return { kind, injected, clientKind: kind === 'length' ? 'red flag: truncated' : CLIENT_FAULT[kind], counted };
  });
  const truncatedFlags = result.totals.redFlagsByRule['truncated'] ?? 0;
  const lengthSent = (stats.finishReasons['length'] ?? 0) + (stats.faults.injected['length'] ?? 0);
  const faultsMatch = rows.every((row) => row.counted === undefined || row.counted === row.injected);
  const command = `npx tsx bench/latency-faults.ts --disks ${disks} --fault-rate ${faultRate} --seed ${seed} --fault-seed ${faultSeed} --timeout-ms ${timeoutMs}`;
  const document = {
    benchmark: 'latency-faults',
    question: 'Does a run through the openai backend against a server injecting every kind of fault solve with 0 errors, reporting exactly the faults injected?',
    command,
    seed,
    faultSeed,
    date: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    machine: machine(),
    versions: versions(),
    loadAverage: { start: load, end: loadAverage() },
    settings: { task: `hanoi, ${disks} disks`, k, concurrency: k, faultRate, kinds, timeoutMs, retry: { baseDelayMs: 1, maxDelayMs: 4 } },
    outcome: {
      solved: result.solved,
      steps: result.totals.steps,
      errors: result.totals.errors,
      samples: result.totals.samples,
      votes: result.totals.votes,
      retries: result.totals.retries,
      serverRequests: stats.requests,
      clientCalls: result.dispatch?.calls,
      wallMs,
    },
    faults: rows,
    faultsMatch,
    lengthResponses: { sentByServer: lengthSent, injected: stats.faults.injected['length'], redFlaggedTruncated: truncatedFlags, match: lengthSent === truncatedFlags },
  };
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(`${values.out}/latency-faults.json`, `${JSON.stringify(document, null, 2)}\n`);
  const md = [
    '# End to end under faults',
    '',
    `Hanoi with ${disks} disks (${result.totals.steps} steps) through the openai backend against \`maker serve\` injecting faults into ` +
      `${(faultRate * 100).toFixed(0)}% of requests: **${result.solved ? 'solved' : 'not solved'} with ${result.totals.errors} errors** in ${(wallMs / 1000).toFixed(1)} s, ` +
      `${stats.requests} requests, ${result.totals.retries} retries. The faults the run counted ${faultsMatch ? 'match' : 'do NOT match'} what the server injected, kind by kind:`,
    '',
    '| injected by the server | count | seen by the run as | count |',
    '| --- | ---: | --- | ---: |',
    ...rows.map((row) => `| ${row.kind} | ${row.injected} | ${row.clientKind} | ${row.counted ?? '(see below)'} |`),
    '',
    `Responses with \`finish_reason: "length"\` (${stats.faults.injected['length']} injected, ${stats.finishReasons['length'] ?? 0} from the simulated model itself) are not faults of the call: ` +
      `the sampler red-flags them as truncated, ${truncatedFlags} times here (${lengthSent === truncatedFlags ? 'all of them' : `of ${lengthSent} sent`}), and none is a vote.`,
    '',
    `k = ${k}, concurrency ${k}, seed ${seed}, fault seed ${faultSeed}, per-request timeout ${timeoutMs} ms, backoff from 1 ms (Retry-After 1 ms on 429s). ` +
      'Hanging connections are injected a third as often as the other kinds: each costs the client its whole timeout.',
    '',
    `Reproduce: \`${command}\``,
    '',
    `Measured ${started.toISOString()} on ${describeMachine(document.machine)}, Node ${process.version}, load average ${load.join(' / ')} at the start; ` +
      `commit ${document.versions.gitCommit ?? 'unknown'}${document.versions.gitDirty ? ' (with uncommitted changes)' : ''}.`,
    '',
  ].join('\n');
  writeFileSync(`${values.out}/latency-faults.md`, md);
  process.stdout.write(`${md}\n`);
} finally {
  await serve.stop();
}
