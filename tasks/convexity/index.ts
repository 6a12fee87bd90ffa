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
