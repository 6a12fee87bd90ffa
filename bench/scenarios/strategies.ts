/**
 * Strategies: on a model whose errors are heterogeneous and correlated (the simulated model's default: per-prompt
 * error rates spread logit-normally, a recurring wrong answer per prompt, red flags that come with errors), the
 * same Hanoi puzzle solved four ways — one flat call for the whole move list, decomposed with no voting,
 * decomposed with a fixed majority of n, decomposed with ahead-by-k — each with and without red-flagging. What
 * voting buys and what red-flagging buys, in success, samples, tokens and dollars.
 */
import type { TopLevelSpec } from 'vega-lite';
import { promptText } from '../../core/task.ts';
import { countTokens } from '../../models/tokens.ts';
import { createFlatHanoiTask, createHanoiTask, hanoiFlatSim, hanoiSim } from '../../tasks/hanoi/index.ts';
import { defaultRedFlags } from '../../voting/red-flags.ts';
import { runMajorityOfN } from '../majority-of-n.ts';
import { wilsonInterval } from '../../planning/calibration.ts';
import { dollars, fixed, int, interval, percent, table } from '../harness/markdown.ts';
import { hanoiSteps, outputCap, planningErrorRate } from '../harness/models.ts';
import { estimateRun, kMin } from '../../planning/reliability.ts';
import { defineScenario, type BenchCase } from '../harness/scenario.ts';
import { measureRun } from './measure-run.ts';

/** The four ways to solve the task, in report order. */
export const STRATEGY_KINDS = ['flat', 'no-voting', 'majority', 'ahead-by-k'] as const;
type StrategyKind = (typeof STRATEGY_KINDS)[number];

/**
 * The model measured when none is given: the simulated gpt-oss-20b (3.6% per-step error), where the strategies
 * separate within a hundred runs; at gpt-4.1-mini's 0.22% every voting rule looks perfect at this length.
 */
export const STRATEGIES_MODEL = 'sim:gpt-oss-20b';

interface StrategiesParams {
  readonly model: string;
  readonly disks: number;
  readonly runs: number;
  readonly k: number;
  readonly n: number;
  /** Output cap (and over-long flag) of decomposed calls with red-flagging. */
  readonly outputCap: number;
  /** Output cap without red-flagging: high enough that no answer is cut. */
  readonly uncappedOutput: number;
}

interface StrategiesCase {
  readonly strategy: StrategyKind;
  readonly redFlagging: boolean;
}

interface RunRecord {
  readonly seed: number;
  readonly solved: boolean;
  readonly steps: number;
  readonly errors: number;
  readonly samples: number;
  readonly redFlags: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
}

interface StrategiesResult {
  readonly runs: readonly RunRecord[];
}

const LABELS: Record<StrategyKind, (params: StrategiesParams) => string> = {
  flat: () => 'flat: one call for the whole task',
  'no-voting': () => 'decomposed, no voting',
  majority: (params) => `decomposed, majority of ${params.n}`,
  'ahead-by-k': (params) => `decomposed, ahead-by-${params.k}`,
};

function sizeOf(size: 'test' | 'quick' | 'full'): { disks: number; runs: number } {
  if (size === 'test') return { disks: 3, runs: 2 };
  if (size === 'quick') return { disks: 8, runs: 30 };
  return { disks: 10, runs: 100 };
}

interface Row {
  readonly strategy: StrategyKind;
  readonly label: string;
  readonly redFlagging: boolean;
  readonly runs: number;
  readonly solved: number;
  readonly success: number;
  readonly low: number;
  readonly high: number;
  readonly stepErrorsPerRun: number;
  readonly samplesPerRun: number;
  readonly samplesPerStep: number;
  readonly redFlagsPerRun: number;
  readonly tokensPerRun: number;
  readonly costPerRun: number;
  readonly costPerSuccess: number;
}

/** The strategies scenario: flat, no voting, majority of n and ahead-by-k, each with and without red flags. */
export const strategiesScenario = defineScenario<StrategiesParams, StrategiesCase, StrategiesResult>({
  name: 'strategies',
  title: 'Strategies: what decomposition, voting and red-flagging buy',
  description:
    'The same Hanoi puzzle solved four ways on a model with heterogeneous, correlated errors (the simulated ' +
    'gpt-oss-20b: per-prompt error rates spread logit-normally around 3.6%, a recurring wrong answer per prompt, ' +
    'wrong answers far more often over-long): one flat call for the whole move list; decomposed into one call per ' +
    'move with no voting; with a fixed majority of n samples; with first-to-ahead-by-k voting at the paper\'s k_min ' +
    '(n is the odd number of samples nearest what ahead-by-k is expected to take, so both votes cost about the same) — ' +
    "each with the paper's red flags (over-long, truncated, unparseable) and without (only unparseable answers " +
    'dropped). Every strategy sees the same seeds; success rates carry 95% Wilson intervals.',

  plan(settings) {
    const model = settings.model ?? STRATEGIES_MODEL;
    const { disks, runs } = sizeOf(settings.size);
    const cap = outputCap(model, settings);
    const steps = hanoiSteps(disks);
    // The paper's margin for this task length; a majority of about as many samples as ahead-by-k is expected to
    // take (odd, so two answers cannot tie), so the two voting rules are compared at equal cost.
    const p = 1 - planningErrorRate(model, settings);
    const k = kMin(p, steps, 0.95);
    const expected = estimateRun({ p, steps, target: 0.95, k }).expectedSamplesPerStep;
    const n = Math.max(3, 2 * Math.round((expected - 1) / 2) + 1);
    const params: StrategiesParams = { model, disks, runs, k, n, outputCap: cap, uncappedOutput: 100_000 };
    const cost: Record<StrategyKind, number> = { flat: 1, 'no-voting': steps, majority: n * steps, 'ahead-by-k': expected * steps };
    const cases: BenchCase<StrategiesCase>[] = [];
    for (const strategy of STRATEGY_KINDS) {
      for (const redFlagging of [true, false]) {
        cases.push({
          id: `${strategy}/${redFlagging ? 'red-flags' : 'no-red-flags'}`,
          label: `${LABELS[strategy](params)}, ${redFlagging ? 'with' : 'without'} red flags`,
          // Flat calls are few but each writes the whole move list.
          weight: runs * (strategy === 'flat' ? steps / 4 : cost[strategy]),
          input: { strategy, redFlagging },
        });
      }
    }
    return { params, cases };
  },

  async runCase(input, params, context) {
    const runs: RunRecord[] = [];
    for (let run = 0; run < params.runs; run++) {
      if (context.signal.aborted) break;
      const seed = context.settings.seed + run;
      context.progress(run / params.runs, `run ${run + 1} of ${params.runs}`);
      if (input.strategy === 'flat') {
        const task = createFlatHanoiTask({ disks: params.disks });
        // The flat prompt asks for the whole move list: the simulated model answers it with the flat behaviour.
        const model = context.model(params.model, hanoiFlatSim, { seed });
        // The flat answer is the whole move list: its cap is the step cap plus room for the list.
        const listTokens = countTokens(hanoiFlatSim.respond(promptText(task.prompt(task.initialState(), 0))) ?? '');
        const cap = params.outputCap + Math.ceil(1.25 * listTokens);
        const result = await measureRun(
          {
            task,
            model,
            k: 1,
            seed,
            maxOutputTokens: input.redFlagging ? cap : params.uncappedOutput + 2 * listTokens,
            redFlags: input.redFlagging ? defaultRedFlags(cap) : [],
          },
          context,
          1 << 30,
        );
        runs.push(record(seed, result));
        continue;
      }
      const task = createHanoiTask({ disks: params.disks });
      const model = context.model(params.model, hanoiSim, { seed });
      const maxOutputTokens = input.redFlagging ? params.outputCap : params.uncappedOutput;
      const redFlags = input.redFlagging ? defaultRedFlags(params.outputCap) : [];
      if (input.strategy === 'majority') {
        const result = await runMajorityOfN({ task, model, n: params.n, seed, maxOutputTokens, redFlags, signal: context.signal });
        runs.push({ seed, solved: result.solved, steps: result.steps, errors: result.errors, samples: result.samples, redFlags: result.redFlags, promptTokens: result.promptTokens, completionTokens: result.completionTokens, costUsd: result.costUsd });
        continue;
      }
      const k = input.strategy === 'no-voting' ? 1 : params.k;
      runs.push(record(seed, await measureRun({ task, model, k, seed, maxOutputTokens, redFlags }, context, 1 << 30)));
    }
    return { runs };
  },

  report(params, outcomes, settings) {
    const rows: Row[] = outcomes.map(({ input, result }) => {
      const runs = result.runs;
      const solved = runs.filter((run) => run.solved).length;
      const ci = wilsonInterval(solved, Math.max(runs.length, 1));
      const sum = (f: (run: RunRecord) => number) => runs.reduce((total, run) => total + f(run), 0);
      const mean = (f: (run: RunRecord) => number) => sum(f) / Math.max(runs.length, 1);
      return {
        strategy: input.strategy,
        label: LABELS[input.strategy](params),
        redFlagging: input.redFlagging,
        runs: runs.length,
        solved,
        success: solved / Math.max(runs.length, 1),
        low: ci.lower,
        high: ci.upper,
        stepErrorsPerRun: mean((run) => run.errors),
        samplesPerRun: mean((run) => run.samples),
        samplesPerStep: sum((run) => run.samples) / Math.max(1, sum((run) => run.steps)),
        redFlagsPerRun: mean((run) => run.redFlags),
        tokensPerRun: mean((run) => run.promptTokens + run.completionTokens),
        costPerRun: mean((run) => run.costUsd),
        costPerSuccess: solved === 0 ? Number.POSITIVE_INFINITY : sum((run) => run.costUsd) / solved,
      };
    });
    const find = (strategy: StrategyKind, redFlagging: boolean) => rows.find((row) => row.strategy === strategy && row.redFlagging === redFlagging)!;
    const pct = (row: Row) => percent(row.success, 1);
    const votingBuys = [true, false].map((rf) => {
      const none = find('no-voting', rf);
      const majority = find('majority', rf);
      const ahead = find('ahead-by-k', rf);
      return `${rf ? 'With' : 'Without'} red-flagging, voting takes success from ${pct(none)} (no voting) to ${pct(majority)} (majority of ${params.n}) and ${pct(ahead)} (ahead-by-${params.k}), for ${fixed(majority.samplesPerStep, 2)} and ${fixed(ahead.samplesPerStep, 2)} samples per step instead of ${fixed(none.samplesPerStep, 2)}.`;
    });
    const flagsBuy = STRATEGY_KINDS.map((strategy) => {
      const on = find(strategy, true);
      const off = find(strategy, false);
      return `${on.label}: ${pct(off)} → ${pct(on)} success, ${fixed(off.stepErrorsPerRun, 2)} → ${fixed(on.stepErrorsPerRun, 2)} wrong steps per run, ${dollars(off.costPerRun)} → ${dollars(on.costPerRun)} per run`;
    });
    const flat = find('flat', true);
    const best = find('ahead-by-k', true);
    const headline =
      `On ${hanoiSteps(params.disks)}-step Hanoi with correlated errors, one flat call succeeds ${pct(flat)} of the time, ` +
      `decomposition without voting ${pct(find('no-voting', true))}, majority of ${params.n} ${pct(find('majority', true))} and ahead-by-${params.k} ${pct(best)} ` +
      `(all with red-flagging); red-flagging takes ahead-by-${params.k} from ${pct(find('ahead-by-k', false))} to ${pct(best)}.`;
    const markdown = [
      `**Finding.** ${headline}`,
      '',
      `${params.runs} runs of ${params.disks}-disk Hanoi (${int(hanoiSteps(params.disks))} steps) per row on \`${params.model}\`, seeds ${settings.seed}–${settings.seed + params.runs - 1} (the same for every row); ` +
        `output cap ${params.outputCap} tokens with red-flagging (the flat call: plus 1.25× its move list), none without.`,
      '',
      table(
        [{ header: 'strategy', align: 'left' }, { header: 'red flags', align: 'left' }, 'solved', 'success', '95% interval', 'wrong steps / run', 'samples / run', 'samples / step', 'red-flagged / run', 'tokens / run', '$ / run', '$ / success'],
        rows.map((row) => [
          row.label,
          row.redFlagging ? 'yes' : 'no',
          `${row.solved}/${row.runs}`,
          percent(row.success, 1),
          interval(row.low, row.high),
          fixed(row.stepErrorsPerRun, 3),
          int(row.samplesPerRun),
          fixed(row.samplesPerStep, 3),
          fixed(row.redFlagsPerRun, 2),
          int(row.tokensPerRun),
          dollars(row.costPerRun),
          Number.isFinite(row.costPerSuccess) ? dollars(row.costPerSuccess) : '—',
        ]),
      ),
      '',
      '**What voting buys.**',
      '',
      ...votingBuys.map((line) => `- ${line}`),
      '',
      '**What red-flagging buys** (without → with):',
      '',
      ...flagsBuy.map((line) => `- ${line}`),
      '',
      'Why: a flat call must get every move right, so it succeeds about (1 - e)^s of the time for a per-step error e —',
      'no better than decomposition without voting, which multiplies the same s per-step successes. A fixed majority of',
      'n decides contested steps on whatever the n samples say, so a prompt\'s recurring wrong answer wins whenever it',
      'takes the plurality; ahead-by-k keeps sampling exactly on those steps. Red flags discard over-long answers, which',
      'are far more often wrong, so under ahead-by-k they remove errors that voting alone would have to outvote. Under a',
      'fixed n they can hurt: on hard prompts the model rambles, red flags discard most of the n samples, and one or two',
      'surviving votes decide the step. Wrong steps per run count every wrong step, and a run that goes wrong once has',
      'derailed: most of its later steps are wrong too.',
    ].join('\n');

    const data = rows.map((row) => ({ strategy: row.label, redFlagging: row.redFlagging ? 'with red-flagging' : 'without red-flagging', success: row.success, low: row.low, high: row.high, samplesPerStep: row.samplesPerStep, costPerRun: row.costPerRun }));
    const order = STRATEGY_KINDS.map((kind) => LABELS[kind](params));
    const color = { field: 'redFlagging', type: 'nominal', title: null, scale: { domain: ['with red-flagging', 'without red-flagging'], range: ['#1f77b4', '#ff7f0e'] } };
    const y = { field: 'strategy', type: 'nominal', sort: order, title: null, axis: { labelLimit: 320 } };
    const plot = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { text: `Strategies on ${hanoiSteps(params.disks)}-step Hanoi, ${params.model}`, subtitle: `${params.runs} runs each; bars: success with 95% Wilson interval; cost per run` },
      data: { values: data },
      hconcat: [
        {
          width: 280,
          height: { step: 16 },
          encoding: { y, yOffset: { field: 'redFlagging' } },
          layer: [
            { mark: 'bar', encoding: { x: { field: 'success', type: 'quantitative', title: 'task success', scale: { domain: [0, 1] }, axis: { format: '%' } }, color } },
            {
              mark: { type: 'errorbar', ticks: true, color: 'black' },
              encoding: { x: { field: 'low', type: 'quantitative', title: 'task success' }, x2: { field: 'high' } },
            },
          ],
        },
        {
          width: 220,
          height: { step: 16 },
          mark: 'bar',
          encoding: { y: { ...y, axis: null }, yOffset: { field: 'redFlagging' }, x: { field: 'costPerRun', type: 'quantitative', title: 'dollars per run' }, color },
        },
      ],
    } as unknown as TopLevelSpec;
    return { summary: { headline, rows }, markdown, plot };
  },
});

function record(seed: number, result: Awaited<ReturnType<typeof measureRun>>): RunRecord {
  return {
    seed,
    solved: result.solved,
    steps: result.steps,
    errors: result.errors,
    samples: result.samples,
    redFlags: result.redFlags,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    costUsd: result.costUsd,
  };
}
