/**
 * Every subcommand of `maker`, in help order. Each command's module is imported only when that command runs, so
 * `maker --help` loads none of them (nor the model clients, tokenizer tables and plotting libraries they import).
 * Add a command by writing its file and listing it here; `cli/commands.test.ts` checks each entry's help line
 * against what its module registers.
 */
import type { Command } from 'commander';
import type { CommandContext } from './context.ts';

export type RegisterCommand = (program: Command, context: CommandContext) => void;

/** Imports a module that registers commands and returns its register function. */
export type LoadCommand = () => Promise<RegisterCommand>;

/** One top-level command. */
export interface CommandEntry {
  readonly name: string;
  /** Its line in `maker --help`: usage term and description, as its module registers them. */
  readonly term: string;
  readonly description: string;
  /** The modules that register it or its subcommands (`run convexity` comes from the convexity module). */
  readonly modules: readonly LoadCommand[];
}

const run: LoadCommand = async () => (await import('./run.ts')).registerRun;
const resume: LoadCommand = async () => (await import('./resume.ts')).registerResume;
const report: LoadCommand = async () => (await import('./report.ts')).registerReport;
const convexity: LoadCommand = async () => (await import('./convexity.ts')).registerConvexity;
const bench: LoadCommand = async () => (await import('./bench.ts')).registerBench;
const serve: LoadCommand = async () => (await import('./serve.ts')).registerServe;
const kmin: LoadCommand = async () => (await import('./kmin.ts')).registerKmin;
const estimate: LoadCommand = async () => (await import('./estimate.ts')).registerEstimate;
const plan: LoadCommand = async () => (await import('./plan.ts')).registerPlan;
const calibrate: LoadCommand = async () => (await import('./calibrate.ts')).registerCalibrate;
const worker: LoadCommand = async () => (await import('./worker.ts')).registerWorker;

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'run', term: 'run', description: 'run a task on a model, one voted call per step', modules: [run] },
  {
    name: 'resume',
    term: 'resume [options] [dir]',
    description: 'continue a journaled run from its last durable step (same seed: same result as if it had never stopped)',
    modules: [resume],
  },
  {
    name: 'report',
    term: 'report [options] [dir]',
    description: 'report on a journaled run: totals, samples per step, red flags, hardest steps, cost; writes DIR/report.md',
    modules: [report],
  },
  { name: 'convexity', term: 'convexity', description: 'DCP convexity task: label expressions, generate expressions of exact composition depth', modules: [convexity] },
  { name: 'bench', term: 'bench', description: 'measure reliability and cost: scaling, error vs k, strategies, convexity, throughput, micro (results/)', modules: [bench] },
  {
    name: 'worker',
    term: 'worker [options]',
    description: 'run the cases of sweeps kept in PostgreSQL (maker bench SCENARIO --store URL), alongside any number of other workers',
    modules: [worker],
  },
  { name: 'serve', term: 'serve [options]', description: 'Serve OpenAI-compatible chat completions from the simulated model, with injectable faults', modules: [serve] },
  { name: 'kmin', term: 'kmin [options]', description: 'least margin k whose predicted whole-task success reaches the target (paper Eq. 14)', modules: [kmin] },
  {
    name: 'estimate',
    term: 'estimate [options]',
    description: 'expected success, samples and dollars of a run; k defaults to the least margin reaching the target',
    modules: [estimate],
  },
  { name: 'plan', term: 'plan [options]', description: 'cheapest model, k and steps per call that reach a target success, from the paper profiles', modules: [plan] },
  { name: 'calibrate', term: 'calibrate', description: "measure a model's per-step accuracy, red-flag rate and tokens, and recommend k", modules: [calibrate] },
];

/** The modules to import for an invocation: those of the command it names, or every one (`'all'`). */
export function modulesFor(name: string | undefined | 'all'): LoadCommand[] {
  const entries = name === 'all' ? COMMANDS : COMMANDS.filter((entry) => entry.name === name);
  return [...new Set(entries.flatMap((entry) => entry.modules))];
}
