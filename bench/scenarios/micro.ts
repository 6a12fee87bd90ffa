/**
 * Micro-benchmarks (tinybench) of the hot path of one voted step: the ahead-by-k race update, the strict parsers,
 * prompt rendering, one simulated model call (a new prompt, and a later vote on the same prompt), and a whole
 * short run through the executor.
 */
import { Console } from 'node:console';
import { Bench } from 'tinybench';
import type { TopLevelSpec } from 'vega-lite';
import { asGraphTask, runTask } from '../../run/run-task.ts';
import { createSimModel } from '../../models/sim-model.ts';
import { countMessageTokens } from '../../models/tokens.ts';
import { createConvexityTask, parseAnswer } from '../../tasks/convexity/index.ts';
import { answerText, createHanoiTask, flatSolution, hanoiStateAt, movesText, parseFlatHanoi, parseHanoi, hanoiSim } from '../../tasks/hanoi/index.ts';
import { applyMove, strategyMove, directionFor } from '../../tasks/hanoi/rules.ts';
import { AheadByKRace } from '../../voting/ahead-by-k.ts';
import { fixed, int, table } from '../harness/markdown.ts';
import { defineScenario, type BenchCase } from '../harness/scenario.ts';

/** The micro-benchmarks, in report order. */
export const MICRO_TASKS = [
  'race: 5 votes, ahead-by-3',
  'parse: Hanoi answer (20 disks)',
  'parse: convexity answer',
  'parse: flat Hanoi (1,023 moves)',
  'prompt: Hanoi step (20 disks)',
  'prompt: Hanoi step + token count',
  'prompt: convexity focused node',
  'sim call: new prompt',
  'sim call: later vote, same prompt',
  'executor: 63-step Hanoi run, k = 3',
] as const;
type MicroTask = (typeof MICRO_TASKS)[number];

interface MicroParams {
  /** tinybench time budget per task, in milliseconds. */
  readonly time: number;
  readonly warmupTime: number;
  readonly iterations: number;
}

interface MicroCase {
  readonly task: MicroTask;
}

interface MicroResult {
  readonly task: MicroTask;
  /** tinybench's console.table row for the task. */
  readonly table: Record<string, string | number | undefined> | null;
  readonly samples: number;
  readonly meanNs: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly rmePercent: number;
  readonly opsPerSecond: number;
}

/** Builds the function measured for a task: setup happens here, once, outside the measured calls. */
function fixture(task: MicroTask): () => unknown {
  const disks = 20;
  const hanoi = createHanoiTask({ disks });
  const states = Array.from({ length: 512 }, (_, i) => hanoiStateAt(disks, (i * 2047 + 12_345) % hanoi.totalSteps!));
  let next = 0;
  const nextState = () => states[next++ % states.length]!;
  switch (task) {
    case 'race: 5 votes, ahead-by-3':
      return () => {
        const race = new AheadByKRace(3);
        for (const key of ['a', 'b', 'a', 'a', 'a']) race.vote(key);
        return race.winner;
      };
    case 'parse: Hanoi answer (20 disks)': {
      const state = hanoiStateAt(disks, 700_000);
      const move = strategyMove(state.pegs, state.previous, directionFor(disks))!;
      const text = `Disk 1 moved last, so I make the only other legal move.\n${answerText(move, applyMove(state.pegs, move))}`;
      return () => parseHanoi(text, disks);
    }
    case 'parse: convexity answer':
      return () => parseAnswer('The argument is convex and exp is nondecreasing.\ncurvature = CONVEX\nsign = NONNEGATIVE');
    case 'parse: flat Hanoi (1,023 moves)': {
      const text = movesText(flatSolution(10));
      return () => parseFlatHanoi(text, 10);
    }
    case 'prompt: Hanoi step (20 disks)':
      return () => hanoi.prompt(nextState(), 0);
    case 'prompt: Hanoi step + token count':
      return () => countMessageTokens(hanoi.prompt(nextState(), 0));
    case 'prompt: convexity focused node': {
      const convexity = createConvexityTask({ expr: 'exp(square(x) + log(y)) - 2 * sqrt(z)', strategy: 'focused' });
      const graph = asGraphTask(convexity);
      const state = graph.initialState();
      return () => [...graph.ready(state)][0]!.messages;
    }
    case 'sim call: new prompt': {
      const model = createSimModel({ behaviour: hanoiSim, seed: 1 });
      const prompts = states.map((state) => hanoi.prompt(state, 0));
      let seed = 0;
      return () => model.complete({ messages: prompts[seed % prompts.length]!, temperature: 0.1, maxOutputTokens: 750, seed: seed++ });
    }
    case 'sim call: later vote, same prompt': {
      const model = createSimModel({ behaviour: hanoiSim, seed: 1 });
      const messages = hanoi.prompt(states[0]!, 0);
      let seed = 0;
      return () => model.complete({ messages, temperature: 0.1, maxOutputTokens: 750, seed: seed++ });
    }
    case 'executor: 63-step Hanoi run, k = 3': {
      const small = createHanoiTask({ disks: 6 });
      const model = createSimModel({ behaviour: hanoiSim, seed: 1 });
      let seed = 0;
      return () => runTask({ task: small, model, k: 3, seed: seed++ });
    }
  }
}

/** The micro scenario: tinybench timings of the hot path of one voted step. */
export const microScenario = defineScenario<MicroParams, MicroCase, MicroResult>({
  name: 'micro',
  timing: true,
  title: 'Micro-benchmarks: the hot path of one voted step',
  description:
    'tinybench timings of what every voted step does: the ahead-by-k race update, the strict parsers (a Hanoi step ' +
    'answer, a convexity label, a whole flat Hanoi move list), prompt rendering (with and without counting its ' +
    'tokens), one simulated model call (a new prompt, which computes its difficulty and answers once; and a later ' +
    'vote on the same prompt, which reuses them), and a whole 63-step run through the executor. ' +
    'Mean and percentiles are per call.',

  plan(settings) {
    const sizes = {
      test: { time: 20, warmupTime: 5, iterations: 10 },
      quick: { time: 300, warmupTime: 100, iterations: 64 },
      full: { time: 2000, warmupTime: 500, iterations: 64 },
    } as const;
    const params: MicroParams = sizes[settings.size];
    const cases: BenchCase<MicroCase>[] = MICRO_TASKS.map((task) => ({ id: task, label: task, weight: 1, input: { task } }));
    return { params, cases };
  },

  async runCase(input, params, context) {
    // tinybench never removes its abort listener: give each bench its own signal, linked for this case only.
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    context.signal.addEventListener('abort', onAbort, { once: true });
    const bench = new Bench({ time: params.time, warmupTime: params.warmupTime, iterations: params.iterations, signal: controller.signal });
    bench.add(input.task, fixture(input.task));
    try {
      await bench.run();
    } finally {
      context.signal.removeEventListener('abort', onAbort);
    }
    const rows = bench.table();
    // tinybench's own table, as it prints it, on stderr (stdout may carry JSON).
    if (context.settings.size !== 'test') new Console(process.stderr).table(rows);
    const result = bench.tasks[0]!.result;
    if (result.state !== 'completed') throw new Error(`Micro-benchmark \`${input.task}\` ended ${result.state}`);
    return {
      task: input.task,
      table: rows[0] ?? null,
      samples: result.latency.samplesCount,
      meanNs: result.latency.mean * 1e6,
      p50Ns: result.latency.p50 * 1e6,
      p99Ns: result.latency.p99 * 1e6,
      rmePercent: result.latency.rme,
      opsPerSecond: result.throughput.mean,
    };
  },

  report(params, outcomes) {
    const results = outcomes.map((outcome) => outcome.result);
    const byName = (name: MicroTask) => results.find((result) => result.task === name);
    const call = byName('sim call: new prompt');
    const run = byName('executor: 63-step Hanoi run, k = 3');
    const headline =
      call !== undefined && run !== undefined
        ? `One simulated call on a new prompt costs ${fixed(call.meanNs / 1000, 1)} µs; a whole voted step through the executor, ${fixed(run.meanNs / 63 / 1000, 1)} µs (mean, over a 63-step run).`
        : 'Micro-benchmarks of the voted step.';
    const markdown = [
      `**Finding.** ${headline}`,
      '',
      `tinybench, ${params.time} ms per task after ${params.warmupTime} ms of warm-up.`,
      '',
      table(
        [{ header: 'task', align: 'left' }, 'mean (µs)', 'p50 (µs)', 'p99 (µs)', '± rme', 'ops / s', 'samples'],
        results.map((r) => [r.task, fixed(r.meanNs / 1000, 3), fixed(r.p50Ns / 1000, 3), fixed(r.p99Ns / 1000, 3), `${fixed(r.rmePercent, 2)}%`, int(r.opsPerSecond), int(r.samples)]),
      ),
    ].join('\n');
    const data = results.map((r) => ({ task: r.task, mean: r.meanNs / 1000, p50: r.p50Ns / 1000, p99: r.p99Ns / 1000 }));
    const y = { field: 'task', type: 'nominal', sort: [...MICRO_TASKS], title: null, axis: { labelLimit: 320 } };
    const plot = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { text: 'Micro-benchmarks of one voted step', subtitle: 'dot: mean per call (labelled); line: median to p99; red tick: p99' },
      data: { values: data },
      width: 420,
      height: { step: 20 },
      encoding: { y },
      layer: [
        {
          mark: { type: 'rule', color: '#888' },
          encoding: { x: { field: 'p50', type: 'quantitative', scale: { type: 'log' }, title: 'microseconds per call (log scale)' }, x2: { field: 'p99' } },
        },
        { mark: { type: 'point', filled: true, size: 60, color: '#1f77b4' }, encoding: { x: { field: 'mean', type: 'quantitative' } } },
        { mark: { type: 'tick', color: '#d62728', thickness: 2 }, encoding: { x: { field: 'p99', type: 'quantitative' } } },
        { mark: { type: 'text', align: 'left', dx: 6, dy: -8, fontSize: 10 }, encoding: { x: { field: 'mean', type: 'quantitative' }, text: { field: 'mean', type: 'quantitative', format: ',.3~r' } } },
      ],
    } as unknown as TopLevelSpec;
    return { summary: { headline, results }, markdown, plot };
  },
});
