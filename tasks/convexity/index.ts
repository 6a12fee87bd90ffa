export * from './labels.ts';
export { ATOM_NAMES, atomSpec, powerRule, isPowerOfTwo, isAtomName, type AtomName, type AtomSpec, type CompositionRule, type FunctionCurvature } from './atoms.ts';
export * from './ast.ts';
export { tokenize, type Token, type TokenKind } from './lexer.ts';
export { parseExpression, safeParseExpression, type ParseOutcome } from './parser.ts';
export { ExpressionSyntaxError } from './syntax-error.ts';
export { printExpression, printNumber } from './printer.ts';
export { compositionDepth, nodeCount } from './depth.ts';
export { postOrder, type PostOrderNode } from './post-order.ts';
export { labelAll, labelExpression, labelNode, ruleOf } from './dcp-labeller.ts';
export {
  apportion,
  DEFAULT_LABEL_MIX,
  generateExpression,
  generateExpressions,
  MAX_GENERATED_DEPTH,
  resolveGeneratorOptions,
  type GeneratedExpression,
  type GeneratorOptions,
  type ResolvedGeneratorOptions,
} from './generator.ts';
export { labelLine, type LabelLineResult } from './label-line.ts';
export { formatAnswer, labelKey, parseAnswer } from './answer.ts';
export {
  accumulatingMessages,
  argumentName,
  flatMessages,
  focusedMessages,
  nodeId,
  operatorPattern,
  operatorRule,
  rulesText,
  type AccumulatedEntry,
  type AccumulatedQuestion,
} from './prompts.ts';
export { convexitySim, FLAT_READER, flatLossProbability, lostReaderLabels, promptKind, promptTruth, wrongLabels, type PromptKind } from './sim.ts';
export { createConvexityTask, STRATEGIES, type ConvexityState, type ConvexityTask, type ConvexityTaskOptions, type FocusedConvexityTask, type SequentialConvexityTask, type Strategy } from './strategies.ts';
export { score, type LabelScore, type Scored, type Scores } from './metrics.ts';
export { evaluateConvexity, type EvaluateOptions, type EvaluationResult, type ExpressionOutcome } from './evaluate.ts';
