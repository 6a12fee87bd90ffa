/**
 * The run summary, as JSON (one object, stable field names shared by run, resume and report) and as text.
 */
import type { BudgetReport } from '../dispatch/budget.ts';
import type { RunResult } from '../run/run-task.ts';
import type { TaskReport } from '../tasks/definition.ts';
import type { CommandContext } from './main.ts';

const BUDGETS = ['calls', 'tokens', 'dollars', 'seconds'] as const;

/**
 * Spend against each budget, `{ dollars: { spent, limit }, ..., exhausted }` (`limit: null` when uncapped); null
 * when the run had no cap (spend is then in `costUsd` and the token counts).
 */
export function budgetJson(report: BudgetReport | undefined): Record<string, unknown> | null {
  if (report === undefined || !BUDGETS.some((name) => report.limits[name] !== undefined)) return null;
  const entries = BUDGETS.map((name) => [name, { spent: Number(report.spent[name].toFixed(6)), limit: report.limits[name] ?? null }]);
  return { ...Object.fromEntries(entries), exhausted: report.exhausted ?? null };
}

/** The JSON fields of a finished run. */
export function summaryJson(result: RunResult<unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { totals } = result;
  return {
    task: result.task,
    ...extra,
    model: result.model,
    k: result.k,
    seed: result.seed,
    solved: result.solved,
    stopReason: result.stopReason ?? null,
    steps: totals.steps,
    errors: totals.errors,
    samples: totals.samples,
    votes: totals.votes,
    samplesPerStep: totals.steps === 0 ? 0 : totals.samples / totals.steps,
    maxSamplesInStep: totals.maxSamplesInStep,
    maxRoundsInStep: totals.maxRoundsInStep,
    firstTwoWrong: totals.firstTwoWrong,
    redFlags: totals.redFlags,
    redFlagsByRule: totals.redFlagsByRule,
    abortedSamples: totals.aborted,
    promptTokens: totals.promptTokens,
    completionTokens: totals.completionTokens,
    costUsd: Number(totals.costUsd.toFixed(6)),
    retries: totals.retries ?? 0,
    faults: totals.faults ?? {},
    faultCount: Object.values(totals.faults ?? {}).reduce((sum, count) => sum + count, 0),
    budget: budgetJson(result.budget),
    wallMs: Math.round(result.wallMs),
    samplesHistogram: totals.samplesPerStep,
  };
}

const number = (value: number) => value.toLocaleString('en-US');

/** A few aligned lines for a person. */
export function summaryText(result: RunResult<unknown>): string {
  const { totals } = result;
  const verdict = result.solved
    ? `solved in ${number(totals.steps)} steps with ${number(totals.errors)} errors`
    : `NOT solved after ${number(totals.steps)} steps (${number(totals.errors)} errors${result.stopReason === undefined ? '' : `; stopped: ${result.stopReason}`})`;
  const flags = Object.entries(totals.redFlagsByRule)
    .map(([rule, count]) => `${rule} ${number(count)}`)
    .join(', ');
  const lines = [
    `${result.task}: ${verdict}`,
    `  model        ${result.model}, k = ${result.k}, seed ${result.seed}`,
    `  samples      ${number(totals.samples)} (${(totals.samples / Math.max(totals.steps, 1)).toFixed(3)} per step; most in one step ${totals.maxSamplesInStep}, ${totals.maxRoundsInStep} rounds)`,
    `  red flags    ${number(totals.redFlags)}${flags === '' ? '' : ` (${flags})`}`,
    `  tokens       ${number(totals.promptTokens)} prompt, ${number(totals.completionTokens)} completion`,
    `  cost         $${totals.costUsd.toFixed(2)}`,
    `  wall time    ${(result.wallMs / 1000).toFixed(1)} s`,
  ];
  const faults = Object.entries(totals.faults ?? {})
    .map(([kind, count]) => `${kind} ${number(count)}`)
    .join(', ');
  lines.push(`  faults       ${faults === '' ? 'none' : faults}; ${number(totals.retries ?? 0)} retries; ${number(totals.aborted)} aborted samples`);
  const budget = result.budget;
  if (budget !== undefined && BUDGETS.some((name) => budget.limits[name] !== undefined)) {
    const show = (name: (typeof BUDGETS)[number], value: number) =>
      name === 'dollars' ? `$${value.toFixed(2)}` : name === 'seconds' ? `${value.toFixed(1)} s` : number(Math.round(value));
    const spend = BUDGETS.filter((name) => budget.limits[name] !== undefined)
      .map((name) => `${name} ${show(name, budget.spent[name])} of ${show(name, budget.limits[name]!)}`)
      .join('; ');
    lines.push(`  budget       ${spend}${budget.exhausted === undefined ? '' : ` (stopped by the ${budget.exhausted} budget)`}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What a finished run prints: the run's summary with the task's own fields and lines. */
export function printRun(context: Pick<CommandContext, 'stdout'>, result: RunResult<any>, report: TaskReport | undefined, json: boolean, extra: Record<string, unknown> = {}): void {
  if (json) {
    context.stdout.write(`${JSON.stringify(summaryJson(result, { ...(report?.json ?? {}), ...extra }))}\n`);
  } else {
    const text = summaryText(result);
    context.stdout.write(report?.text === undefined || report.text.length === 0 ? text : `${text}${report.text.join('\n')}\n`);
  }
}

/** The exit code of a finished run: 0 when it met its goal. */
export function exitCodeOf(result: RunResult<any>, report: TaskReport | undefined): number {
  return (report?.success ?? result.solved) ? 0 : 1;
}
