/**
 * `maker run convexity`: one strategy over a generated batch at one depth, scored by macro-F1 over curvature
 * labels and sign accuracy, with calls, tokens and cost. Registered under `run` from `convexity.ts`, so the
 * run command's own file stays the Hanoi one.
 */
import type { Command } from 'commander';
import { createModel } from '../models/model-spec.ts';
import { convexitySim, evaluateConvexity, MAX_GENERATED_DEPTH, STRATEGIES, type EvaluationResult } from '../tasks/convexity/index.ts';
import { choiceFlag, integerFlag } from './flags.ts';
import type { CommandContext } from './main.ts';
import { addCommonRunOptions, resolveCommonRunOptions, runCommand } from './run-options.ts';

/** The JSON summary of a convexity run (outcomes per expression are left out). */
export function convexitySummaryJson(result: EvaluationResult, count: number): Record<string, unknown> {
  return {
    task: 'convexity',
    strategy: result.strategy,
    depth: result.depth,
    count,
    model: result.model,
    k: result.k,
    seed: result.seed,
    f1: Number(result.f1.toFixed(6)),
    curvatureAccuracy: Number(result.curvatureAccuracy.toFixed(6)),
    signAccuracy: Number(result.signAccuracy.toFixed(6)),
    unanswered: result.unanswered,
    samples: result.samples,
    steps: result.steps,
    stepErrors: result.stepErrors,
    redFlags: result.redFlags,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    costUsd: Number(result.costUsd.toFixed(6)),
    wallMs: Math.round(result.wallMs),
    perLabel: result.perLabel,
    confusion: result.confusion,
  };
}

function summaryText(result: EvaluationResult, count: number): string {
  const n = (value: number) => value.toLocaleString('en-US');
  return `${[
    `convexity: ${result.strategy} at depth ${result.depth}, ${count} expressions`,
    `  model        ${result.model}, k = ${result.k}, seed ${result.seed}`,
    `  macro-F1     ${result.f1.toFixed(3)} over curvature labels (curvature accuracy ${result.curvatureAccuracy.toFixed(3)}; ${result.unanswered} unanswered)`,
    `  sign         ${result.signAccuracy.toFixed(3)} accuracy`,
    `  calls        ${n(result.samples)} over ${n(result.steps)} steps (${(result.samples / Math.max(result.steps, 1)).toFixed(2)} per step; ${n(result.stepErrors)} step errors; ${n(result.redFlags)} red flags)`,
    `  tokens       ${n(result.promptTokens)} prompt, ${n(result.completionTokens)} completion`,
    `  cost         $${result.costUsd.toFixed(2)}`,
    `  labels are DCP's verdict (CVXPY semantics), not mathematical truth: DCP is sufficient, not necessary`,
  ].join('\n')}\n`;
}

/** Registers `maker run convexity`. */
export function registerRunConvexity(program: Command, context: CommandContext): void {
  const convexity = runCommand(program)
    .command('convexity')
    .description('DCP convexity of generated expressions: focused (one voted call per node), flat (one call), or accumulating')
    .requiredOption('--depth <d>', `composition depth of the generated expressions, 1 to ${MAX_GENERATED_DEPTH}`)
    .option('--count <n>', 'number of expressions', '20')
    .option('--strategy <name>', STRATEGIES.join(' | '), 'focused')
    .option('--affine-nodes <mode>', 'focused/accumulating: ask about affine operator nodes (ask) or label them in the scheduler (symbolic)', 'ask');
  addCommonRunOptions(convexity);
  // What evaluateConvexity really uses when the flag is not given (see `budgetGiven` below).
  const budget = convexity.options.find((option) => option.long === '--context-budget');
  if (budget !== undefined) budget.defaultValueDescription = '8192; 1000000 for --strategy accumulating, whose prompts grow with the expression';
  convexity.action(async (raw: Record<string, unknown>, command: Command) => {
    const depth = integerFlag('depth', String(raw['depth']), 1, MAX_GENERATED_DEPTH);
    const count = integerFlag('count', String(raw['count']), 1, 100_000);
    const strategy = choiceFlag('strategy', String(raw['strategy']), STRATEGIES);
    const affineNodes = choiceFlag('affine-nodes', String(raw['affineNodes']), ['ask', 'symbolic'] as const);
    const options = resolveCommonRunOptions(raw);
    const model = createModel(options.model, {
      behaviour: convexitySim,
      seed: options.seed,
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    });
    // Accumulating prompts grow with the node count: unless the budget was given, let them (see evaluate.ts).
    const budgetGiven = command.getOptionValueSource('contextBudget') !== 'default';
    const result = await evaluateConvexity({
      strategy,
      model,
      depth,
      count,
      seed: options.seed,
      k: options.k,
      affineNodes,
      concurrency: options.concurrency,
      maxOutputTokens: options.maxOutputTokens,
      maxSamplesPerStep: options.maxSamplesPerStep,
      ...(budgetGiven ? { contextBudget: options.contextBudget } : {}),
      onExpression: (done, total) => {
        if (options.progress && (context.stderr as NodeJS.WriteStream).isTTY === true) context.stderr.write(`\r${done}/${total} expressions`);
      },
    });
    if (options.progress && (context.stderr as NodeJS.WriteStream).isTTY === true) context.stderr.write('\n');
    context.stdout.write(options.json ? `${JSON.stringify(convexitySummaryJson(result, count))}\n` : summaryText(result, count));
  });
}
