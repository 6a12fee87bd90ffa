/**
 * What a benchmark scenario is: a plan (parameters plus a list of independent cases, each with a stable id), a
 * way to run one case, and a report built from all cases' results. The harness owns everything else: sharding,
 * checkpoints, progress and writing results/<scenario>.{json,md,svg}. Because cases are independent and carry
 * their own seeds, a sweep split over processes, interrupted and continued, or merged from shards gives the same
 * report as one uninterrupted run.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { LanguageModel } from '../../core/model.ts';
import type { SimParameters } from '../../models/sim-model.ts';
import type { SimBehaviour } from '../../models/sim-behaviour.ts';

/** The scenarios, in suite order. */
export const SCENARIO_NAMES = ['scaling', 'error-vs-k', 'strategies', 'convexity', 'multiplication', 'sorting', 'throughput', 'micro'] as const;
/** A scenario's name (also its file name in results/). */
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** How big a sweep: `test` is the smallest case (for the test suite), `quick` about two minutes for the suite, `full` what results/ holds. */
export const BENCH_SIZES = ['test', 'quick', 'full'] as const;
/** One of {@link BENCH_SIZES}. */
export type BenchSize = (typeof BENCH_SIZES)[number];

/** Settings from the command line, resolved; every scenario reads the same ones. */
export interface BenchSettings {
  readonly size: BenchSize;
  /** Base seed; each case derives its own seeds from it. */
  readonly seed: number;
  /** The model to measure (`sim:PROFILE` or `openai:NAME`); undefined: each scenario's own default models. */
  readonly model: string | undefined;
  readonly baseURL: string | undefined;
  readonly apiKey: string | undefined;
  /** Per-step error rate to plan with (k_min, predictions) for a model without a profile. */
  readonly errorRate: number | undefined;
  /** Output-token cap (and over-long red flag) per call; undefined: 750, or more for profiles with longer answers. */
  readonly maxOutputTokens: number | undefined;
}

/** One unit of work. `weight` is its expected cost in arbitrary units, for ETAs and balancing shards. */
export interface BenchCase<C> {
  readonly id: string;
  /** Short human label for progress lines (`disks=12 seed=3`). */
  readonly label: string;
  readonly weight: number;
  readonly input: C;
}

/** A scenario's plan for given settings: JSON-serialisable parameters and the cases. */
export interface ScenarioPlan<P, C> {
  readonly params: P;
  readonly cases: readonly BenchCase<C>[];
}

/** What a running case may use. */
export interface CaseContext {
  readonly settings: BenchSettings;
  readonly signal: AbortSignal;
  /** Reports progress inside a long case (fraction in [0, 1]); cheap to call often. */
  progress(fraction: number, note?: string): void;
  /** Builds the model a spec names, answering this task's prompts when it is simulated. */
  model(spec: string, behaviour: SimBehaviour, options?: { readonly seed?: number; readonly simParameters?: Partial<SimParameters> }): LanguageModel;
}

/** A case and its result. */
export interface CaseOutcome<C, R> {
  readonly id: string;
  readonly input: C;
  readonly result: R;
}

/** What a scenario reports: a JSON summary, markdown (tables and findings), and a vega-lite plot. */
export interface ScenarioReport {
  readonly summary: unknown;
  /** Markdown body: tables and what they show (the writer adds the title and provenance). */
  readonly markdown: string;
  readonly plot: TopLevelSpec;
}

/** A benchmark scenario. */
export interface Scenario<P, C, R> {
  readonly name: ScenarioName;
  readonly title: string;
  /** One paragraph: what is measured and how, for results/README.md and the top of results/<name>.md. */
  readonly description: string;
  /**
   * True when the cases time themselves (wall or CPU time, memory): the sweep then runs in one process, never
   * split over processes that would compete with it for the machine. @default false
   */
  readonly timing?: boolean;
  plan(settings: BenchSettings): ScenarioPlan<P, C>;
  runCase(input: C, params: P, context: CaseContext): Promise<R>;
  report(params: P, outcomes: readonly CaseOutcome<C, R>[], settings: BenchSettings): ScenarioReport;
}

/** A scenario with its types erased, as the registry holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyScenario = Scenario<any, any, any>;

/** Identity with inference: declares a scenario and checks it against the interface. */
export function defineScenario<P, C, R>(scenario: Scenario<P, C, R>): Scenario<P, C, R> {
  return scenario;
}
