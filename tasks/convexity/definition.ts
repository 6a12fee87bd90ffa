/**
 * The convexity task as the tools see it: `maker run convexity --depth D --count C` (a generated batch) or
 * `--file F` (one expression per line, `-` for stdin), one strategy, scored by macro-F1 over curvature labels.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../core/errors.ts';
import { defineTask } from '../definition.ts';
import { choiceFlag, integerFlag } from '../option-values.ts';
import { createConvexityBatch, type BatchItem, type ConvexityBatch } from './evaluate.ts';
import { generateExpressions, MAX_GENERATED_DEPTH } from './generator.ts';
import { score } from './metrics.ts';
import { safeParseExpression } from './parser.ts';
import { convexitySim } from './sim.ts';
import { STRATEGIES, type Strategy } from './strategies.ts';

/** What a convexity run records: a generated batch (depth, count) or the expressions themselves. */
export interface ConvexityRunOptions extends Record<string, unknown> {
  readonly strategy: Strategy;
  readonly affineNodes: 'ask' | 'symbolic';
  readonly depth: number | null;
  readonly count: number;
  /** Where the expressions came from (`-` for stdin), when they were given. */
  readonly file: string | null;
  /** The given expressions, recorded so a resume needs neither the file nor stdin. */
  readonly expressions: readonly string[] | null;
}

function readExpressions(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new InputError(`Cannot read the expressions file \`${file}\`: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  if (lines.length === 0) throw new InputError(`Expected at least one expression in \`${file}\`, got none`);
  return lines;
}

function parseItems(expressions: readonly string[], file: string | null): BatchItem[] {
  return expressions.map((text, index) => {
    const parsed = safeParseExpression(text);
    if (!parsed.ok) throw new InputError(`Expression ${index + 1}${file === null ? '' : ` of \`${file}\``} does not parse: ${parsed.error.message}`);
    return { expr: parsed.expr, text };
  });
}

/** The convexity task's definition. */
export const convexityDefinition = defineTask<ConvexityRunOptions>({
  name: 'convexity',
  description: 'DCP convexity of expressions: focused (one voted call per node, independent nodes at once), flat (one call), or accumulating',
  flags: [
    { name: 'depth', description: `composition depth of generated expressions, 1 to ${MAX_GENERATED_DEPTH}`, placeholder: '<d>' },
    { name: 'count', description: 'number of generated expressions', placeholder: '<n>', default: '20' },
    { name: 'file', description: 'label these expressions instead, one per line (- for stdin)', placeholder: '<path>' },
    { name: 'strategy', description: `${STRATEGIES.join(' | ')} (accumulating's prompts grow with the expression: its context budget is 1000000 unless --context-budget is given)`, placeholder: '<name>', default: 'focused' },
    { name: 'affine-nodes', description: 'focused/accumulating: ask about affine operator nodes (ask) or label them in the scheduler (symbolic)', placeholder: '<mode>', default: 'ask' },
  ],
  options: (flags) => {
    const strategy = choiceFlag('strategy', String(flags['strategy'] ?? 'focused'), STRATEGIES);
    const affineNodes = choiceFlag('affine-nodes', String(flags['affine-nodes'] ?? 'ask'), ['ask', 'symbolic'] as const);
    const file = flags['file'] === undefined ? null : String(flags['file']);
    if (file !== null) {
      if (flags['depth'] !== undefined) throw new InputError('Expected --file or --depth, got both');
      const expressions = readExpressions(file);
      parseItems(expressions, file);
      return { strategy, affineNodes, depth: null, count: expressions.length, file, expressions };
    }
    if (flags['depth'] === undefined) throw new InputError('Expected --depth D (a generated batch) or --file F, got neither');
    return {
      strategy,
      affineNodes,
      depth: integerFlag('depth', String(flags['depth']), 1, MAX_GENERATED_DEPTH),
      count: integerFlag('count', String(flags['count'] ?? '20'), 1, 100_000),
      file: null,
      expressions: null,
    };
  },
  build: (options, context) => {
    const items =
      options.expressions === null
        ? generateExpressions({ depth: options.depth!, count: options.count, seed: context.seed }).map((item) => ({ expr: item.expr, text: item.text }))
        : parseItems(options.expressions, options.file);
    return createConvexityBatch({ items, strategy: options.strategy, affineNodes: options.affineNodes, seed: context.seed });
  },
  sim: convexitySim,
  // The accumulating strategy carries every earlier question: its prompts grow with the expression, by design.
  runDefaults: (_task, options) => (options.strategy === 'accumulating' ? { contextBudget: 1_000_000 } : {}),
  report: (task, result, options) => {
    const batch = task as ConvexityBatch;
    const outcomes = batch.outcomes(result.finalState);
    const scores = score(outcomes);
    const unanswered = outcomes.filter((outcome) => outcome.predicted === undefined).length;
    return {
      json: {
        strategy: options.strategy,
        depth: options.depth,
        count: options.count,
        ...(options.file === null ? {} : { file: options.file }),
        f1: Number(scores.f1.toFixed(6)),
        curvatureAccuracy: Number(scores.curvatureAccuracy.toFixed(6)),
        signAccuracy: Number(scores.signAccuracy.toFixed(6)),
        unanswered,
        // The field name `maker run convexity --json` has always used for calls voted wrong.
        stepErrors: result.totals.errors,
        perLabel: scores.perLabel,
        confusion: scores.confusion,
      },
      text: [
        `  strategy     ${options.strategy} on ${options.count} expressions${options.depth === null ? '' : ` at depth ${options.depth}`}`,
        `  macro-F1     ${scores.f1.toFixed(3)} over curvature labels (curvature accuracy ${scores.curvatureAccuracy.toFixed(3)}; ${unanswered} unanswered)`,
        `  sign         ${scores.signAccuracy.toFixed(3)} accuracy`,
        `  labels are DCP's verdict (CVXPY semantics), not mathematical truth: DCP is sufficient, not necessary`,
      ],
      // An evaluation succeeds when it ran to the end: its score is the finding.
      success: result.stopReason === undefined,
    };
  },
});
