/**
 * A sweep over a problem-set task (multiplication, sorting): accuracy, calls and cost against problem size for
 * the decomposed strategy and the flat one, each voted (k = 3) and not (k = 1), on seeded sets of our own at
 * each size and on the MAKER authors' sets, every cell measured beside the planner's prediction for it.
 *
 * The prediction: a decomposed problem is `s` voted calls of one step each (`s` the decomposition's exact call
 * count, which never depends on the answers); a flat problem is one call that must get all `m` hidden steps right
 * (`m` from the simulated model's own `stepsInAnswer`). `estimateRun` gives the chance every call is decided
 * correctly, the expected samples and the expected dollars at the prompt's tokens and the profile's prices. It
 * assumes red flags cost nothing (v = 1) and that all wrong votes agree, so it is pessimistic for voted flat calls
 * whose wrong answers scatter.
 */
import type { TopLevelSpec } from 'vega-lite';
import { promptText } from '../../core/task.ts';
import type { SimBehaviour } from '../../models/sim-behaviour.ts';
import { countMessageTokens } from '../../models/tokens.ts';
import { estimateRun } from '../../planning/reliability.ts';
import { dryRun, evaluateSet, type AnsweringTask, type SetResult } from '../../tasks/problem-sets/index.ts';
import { dollars, fixed, int, percent, table } from '../harness/markdown.ts';
import { outputCap, planningErrorRate, profileOf } from '../harness/models.ts';
import { defineScenario, type BenchCase, type BenchSize, type CaseContext, type Scenario, type ScenarioName } from '../harness/scenario.ts';

/** The model measured when none is given. */
export const PROBLEM_SET_MODEL = 'sim:gpt-4.1-mini';

/** The series every size is measured with: a strategy and a voting margin. */
export const SERIES = [
  { strategy: 'decomposed', k: 3 },
  { strategy: 'decomposed', k: 1 },
  { strategy: 'flat', k: 3 },
  { strategy: 'flat', k: 1 },
] as const;
type Series = (typeof SERIES)[number];

/** Which problems a case runs: a seeded set of one size, or one of the authors' files. */
export type SetSpec = { readonly kind: 'generated'; readonly size: number; readonly count: number } | { readonly kind: 'authors'; readonly name: string; readonly limit: number | undefined };

/** A case: one series on one set. */
export interface SweepCase {
  readonly strategy: 'decomposed' | 'flat';
  readonly k: number;
  readonly set: SetSpec;
}

/** The sweep's parameters. */
export interface SweepParams {
  readonly model: string;
  readonly sizes: readonly number[];
  readonly count: number;
  readonly authors: ReadonlyArray<{ readonly name: string; readonly limit: number | undefined }>;
}

/** What one case measured, and what the planner predicted for it. */
export interface SweepResult {
  readonly strategy: 'decomposed' | 'flat';
  readonly k: number;
  /** `digits=10`, `authors mul-6x6 (200)`. */
  readonly set: string;
  /** Problem size: digits per operand, or list length. */
  readonly size: number;
  readonly authors: boolean;
  readonly problems: number;
  readonly correct: number;
  readonly accuracy: number;
  readonly unanswered: number;
  /** Voted calls per problem. */
  readonly callsPerProblem: number;
  /** Waves of independent calls per problem (the critical path), from a dry run of the first problem. */
  readonly depth: number;
  readonly samplesPerProblem: number;
  readonly errors: number;
  readonly redFlags: number;
  readonly costPerProblem: number;
  readonly maxPromptTokens: number;
  readonly wallMs: number;
  readonly predicted: {
    /** Steps one call must get right (1 decomposed; the hidden steps flat). */
    readonly stepsPerCall: number;
    readonly accuracy: number;
    readonly samplesPerProblem: number;
    readonly costPerProblem: number;
  } | null;
}

/** What a task supplies to the sweep. */
export interface SweepTask<P> {
  readonly name: ScenarioName;
  readonly title: string;
  readonly description: string;
  /** The size's name in labels (`digits`, `length`). */
  readonly sizeName: string;
  readonly sim: SimBehaviour;
  readonly sizes: Readonly<Record<BenchSize, Omit<SweepParams, 'model'>>>;
  /** A seeded set of `count` problems of `size`. */
  generate(size: number, count: number, seed: number): P[];
  /** One of the authors' files, first `limit` rows. */
  authors(name: string, limit: number | undefined): P[];
  /** The size of a problem. */
  sizeOf(problem: P): number;
  build(problem: P, strategy: 'decomposed' | 'flat'): AnsweringTask<any, any, any>;
  idOf(problem: P): string;
  /** The correct response to any call, read from its prompt (for the dry run that measures depth). */
  respond(prompt: string): string;
}

function caseId(input: SweepCase): string {
  const set = input.set.kind === 'generated' ? `size=${input.set.size}` : `authors=${input.set.name}`;
  return `${input.strategy}-k${input.k}/${set}`;
}

/** The sweep scenario of one task. */
export function problemSetSweep<P>(task: SweepTask<P>): Scenario<SweepParams, SweepCase, SweepResult> {
  return defineScenario<SweepParams, SweepCase, SweepResult>({
    name: task.name,
    title: task.title,
    description: task.description,

    plan(settings) {
      const params: SweepParams = { model: settings.model ?? PROBLEM_SET_MODEL, ...task.sizes[settings.size] };
      const cases: BenchCase<SweepCase>[] = [];
      for (const series of SERIES) {
        const add = (set: SetSpec, size: number, problems: number) => {
          const input: SweepCase = { strategy: series.strategy, k: series.k, set };
          // Decomposed cost grows with the calls (about size² for both tasks); flat is one call.
          const weight = problems * (series.strategy === 'flat' ? 1 : size * size) * Math.max(series.k, 1);
          cases.push({ id: caseId(input), label: `${series.strategy} k=${series.k} ${set.kind === 'generated' ? `${task.sizeName}=${size}` : set.name}`, weight, input });
        };
        for (const size of params.sizes) add({ kind: 'generated', size, count: params.count }, size, params.count);
        for (const { name, limit } of params.authors) {
          const problems = task.authors(name, limit);
          add({ kind: 'authors', name, limit }, task.sizeOf(problems[0]!), problems.length);
        }
      }
      return { params, cases };
    },

    async runCase(input, params, context) {
      const problems = input.set.kind === 'generated' ? task.generate(input.set.size, input.set.count, context.settings.seed) : task.authors(input.set.name, input.set.limit);
      return runSweepCase(task, input, params, problems, context);
    },

    report(params, outcomes) {
      const results = outcomes.map((outcome) => outcome.result);
      return sweepReport(task, params, results);
    },
  });
}

async function runSweepCase<P>(task: SweepTask<P>, input: SweepCase, params: SweepParams, problems: readonly P[], context: CaseContext): Promise<SweepResult> {
  const { settings } = context;
  // A fresh model per case, so each case is reproducible on its own from the seed.
  const model = context.model(params.model, task.sim, { seed: settings.seed });
  const tasks = problems.map((problem) => task.build(problem, input.strategy));
  const answerTokens = Math.max(0, ...tasks.map((built) => built.answerTokens ?? 0));
  const maxOutputTokens = outputCap(params.model, settings) + answerTokens;
  const calls = tasks.reduce((sum, built) => sum + (built.totalCalls ?? 0), 0);
  let decided = 0;
  const result: SetResult = await evaluateSet({
    task: task.name,
    strategy: input.strategy,
    problems,
    build: (problem) => task.build(problem, input.strategy),
    idOf: task.idOf,
    model,
    k: input.k,
    seed: settings.seed,
    maxOutputTokens,
    signal: context.signal,
    onStep: () => {
      if (++decided % 2000 === 0) context.progress(decided / Math.max(calls, 1), `${decided} of ${calls} calls`);
    },
  });
  // The graph's shape (the same for every problem of a size): depth, and the mean prompt for the prediction.
  const first = tasks[0]!;
  let promptTokens = 0;
  let promptCount = 0;
  const shape = dryRun(first, {
    respond: (call) => {
      promptTokens += countMessageTokens(call.messages);
      promptCount++;
      return task.respond(promptText(call.messages));
    },
  });
  const size = task.sizeOf(problems[0]!);
  const count = problems.length;
  return {
    strategy: input.strategy,
    k: input.k,
    set: input.set.kind === 'generated' ? `${task.sizeName}=${size}` : `authors ${input.set.name} (${count})`,
    size,
    authors: input.set.kind === 'authors',
    problems: count,
    correct: result.correct,
    accuracy: result.accuracy,
    unanswered: result.unanswered,
    callsPerProblem: result.steps / count,
    depth: shape.waves,
    samplesPerProblem: result.samples / count,
    errors: result.errors,
    redFlags: result.redFlags,
    costPerProblem: result.costUsd / count,
    maxPromptTokens: result.maxPromptTokens,
    wallMs: Math.round(result.wallMs),
    predicted: predict(task, params.model, context, input, first, promptTokens / Math.max(promptCount, 1)),
  };
}

/** The planner's prediction for one problem of the case (every problem of a case has the same shape). */
function predict<P>(task: SweepTask<P>, spec: string, context: CaseContext, input: SweepCase, first: AnsweringTask<any, any, any>, meanPromptTokens: number): SweepResult['predicted'] {
  const profile = profileOf(spec);
  let errorRate: number;
  try {
    errorRate = planningErrorRate(spec, context.settings);
  } catch {
    return null;
  }
  const calls = first.totalCalls ?? 1;
  const [call] = [...first.ready(first.initialState())];
  const stepsPerCall = input.strategy === 'flat' && call !== undefined ? Math.max(1, task.sim.stepsInAnswer?.(promptText(call.messages)) ?? 1) : 1;
  const estimate = estimateRun({
    p: 1 - errorRate,
    steps: calls * stepsPerCall,
    m: stepsPerCall,
    target: 0.95,
    k: input.k,
    inputTokens: meanPromptTokens,
    outputTokens: (profile?.tokensPerResponse ?? 0) + (first.answerTokens ?? 0),
    inputUsdPerMillion: profile?.inputUsdPerMillion ?? 0,
    outputUsdPerMillion: profile?.outputUsdPerMillion ?? 0,
  });
  return { stepsPerCall, accuracy: estimate.pFull, samplesPerProblem: estimate.expectedSamples, costPerProblem: estimate.expectedCostUsd };
}

const seriesName = (result: Pick<SweepResult, 'strategy' | 'k'>) => `${result.strategy} k=${result.k}`;

function sweepReport<P>(task: SweepTask<P>, params: SweepParams, results: readonly SweepResult[]) {
  const generated = results.filter((result) => !result.authors);
  const authors = results.filter((result) => result.authors);
  const cell = (rows: readonly SweepResult[], series: Series, size: number) => rows.find((row) => row.strategy === series.strategy && row.k === series.k && row.size === size);
  const largest = Math.max(...params.sizes);
  const smallest = Math.min(...params.sizes);
  const at = (series: Series, size: number) => {
    const row = cell(generated, series, size);
    return row === undefined ? 'n/a' : percent(row.accuracy, 0);
  };
  const [decomposed3, , flat3, flat1] = SERIES;
  const prompt = (series: Series, size: number) => cell(generated, series, size)?.maxPromptTokens ?? Number.NaN;
  const authorLines = authors
    .filter((row) => row.strategy === 'decomposed' && row.k === 3)
    .map((row) => {
      const flat = authors.find((other) => other.set === row.set && other.strategy === 'flat' && other.k === 3);
      const flatOne = authors.find((other) => other.set === row.set && other.strategy === 'flat' && other.k === 1);
      return `${row.set}: decomposed k=3 ${row.correct}/${row.problems} exact, flat k=3 ${flat === undefined ? 'n/a' : `${flat.correct}/${flat.problems}`}, flat k=1 ${flatOne === undefined ? 'n/a' : `${flatOne.correct}/${flatOne.problems}`}`;
    });
  const headline =
    `From ${task.sizeName} ${smallest} to ${largest}: decomposed k=3 ${at(decomposed3, smallest)} → ${at(decomposed3, largest)} exact, ` +
    `flat k=3 ${at(flat3, smallest)} → ${at(flat3, largest)}, flat k=1 ${at(flat1, smallest)} → ${at(flat1, largest)}; ` +
    `the largest decomposed prompt is ${int(prompt(decomposed3, largest))} tokens at ${task.sizeName} ${largest} and ${int(prompt(decomposed3, smallest))} at ${smallest}.`;
  const predictedCell = (row: SweepResult, pick: (predicted: NonNullable<SweepResult['predicted']>) => string) => (row.predicted === null ? 'n/a' : pick(row.predicted));
  const rowsOf = (rows: readonly SweepResult[]) =>
    rows.map((row) => [
      seriesName(row),
      row.set,
      `${row.correct}/${row.problems}`,
      percent(row.accuracy, 1),
      predictedCell(row, (predicted) => percent(predicted.accuracy, 1)),
      row.unanswered,
      fixed(row.callsPerProblem, 0),
      row.depth,
      fixed(row.samplesPerProblem, 1),
      predictedCell(row, (predicted) => fixed(predicted.samplesPerProblem, 1)),
      row.errors,
      row.redFlags,
      int(row.maxPromptTokens),
      dollars(row.costPerProblem),
      predictedCell(row, (predicted) => dollars(predicted.costPerProblem)),
    ]);
  const columns = [
    { header: 'series', align: 'left' as const },
    { header: 'set', align: 'left' as const },
    'exact',
    'accuracy',
    'predicted',
    'unanswered',
    'calls / problem',
    'depth',
    'samples / problem',
    'predicted',
    'wrong calls',
    'red flags',
    'largest prompt',
    '$ / problem',
    'predicted',
  ];
  const markdown = [
    `**Finding.** ${headline}`,
    '',
    ...(authorLines.length === 0 ? [] : ['On the MAKER authors\' sets:', '', ...authorLines.map((line) => `- ${line}`), '']),
    `Model \`${params.model}\`; ${params.count} seeded problems per ${task.sizeName}. "calls / problem" counts voted calls, "depth" the waves of`,
    'independent calls (the critical path), "samples / problem" the model calls behind them; "wrong calls" are voted calls',
    'whose decided answer was not the correct one. "predicted" is the planner (`estimateRun`): every call one step',
    '(decomposed) or all the hidden steps at once (flat), all wrong votes assumed to agree and red flags free, so it',
    'is pessimistic for voted flat calls, whose simulated wrong answers scatter. Dollars use the profile\'s mean',
    'response length (the paper\'s Hanoi answers); a real digit or comparator answer is far shorter.',
    '',
    `By ${task.sizeName}:`,
    '',
    table(columns, rowsOf(generated)),
    ...(authors.length === 0 ? [] : ['', 'The authors\' sets:', '', table(columns, rowsOf(authors))]),
  ].join('\n');
  const data = generated.map((row) => ({
    series: seriesName(row),
    size: row.size,
    accuracy: row.accuracy,
    predicted: row.predicted?.accuracy ?? null,
    cost: row.costPerProblem,
    calls: row.callsPerProblem,
  }));
  const x = { field: 'size', type: 'quantitative', scale: { type: 'log' }, title: `${task.sizeName} (log scale)`, axis: { values: params.sizes } };
  const color = { field: 'series', type: 'nominal', title: 'series', scale: { domain: SERIES.map(seriesName), range: ['#1f77b4', '#9ecae1', '#d62728', '#ff9896'] } };
  const plot = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${task.title}`, subtitle: `${params.count} problems per ${task.sizeName}, ${params.model}; dashed: the planner's prediction` },
    data: { values: data },
    hconcat: [
      {
        width: 300,
        height: 220,
        layer: [
          { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'accuracy', type: 'quantitative', title: 'exact answers', scale: { domain: [0, 1] } }, color } },
          { mark: { type: 'line', strokeDash: [4, 3] }, encoding: { x, y: { field: 'predicted', type: 'quantitative' }, color } },
        ],
      },
      {
        width: 300,
        height: 220,
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'cost', type: 'quantitative', title: 'dollars per problem (log scale)', scale: { type: 'log' } }, color },
      },
    ],
  } as unknown as TopLevelSpec;
  return { summary: { headline, authors: authorLines, results }, markdown, plot };
}
