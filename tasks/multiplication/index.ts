export { checkOperand, exactProduct, MAX_OPERAND_DIGITS, multiplicationProblem, multiplicationQuestion, type MultiplicationProblem } from './problem.ts';
export {
  generateMultiplicationProblems,
  MAX_GENERATED_PROBLEMS,
  multiplicationFromRow,
  readMultiplicationProblems,
  type GenerateMultiplicationOptions,
} from './dataset.ts';
export { digitKey, digitStep, formatDigitAnswer, MAX_CARRY, parseDigitAnswer, type DigitAnswer, type DigitOperation } from './digit-answer.ts';
export { ADD_SYSTEM, digitMessages, digitQuestion, FLAT_MULTIPLY_SYSTEM, flatMultiplicationMessages, MULTIPLY_SYSTEM } from './prompts.ts';
export {
  createSchoolbookTask,
  schoolbookPlan,
  type NumberState,
  type PlanNode,
  type SchoolbookCallData,
  type SchoolbookState,
  type SchoolbookTask,
} from './schoolbook.ts';
export { afterMarker, createFlatMultiplicationTask, parseProductAnswer, type FlatMultiplicationState, type FlatMultiplicationTask } from './flat.ts';
export { createMultiplicationTask, MULTIPLICATION_STRATEGIES, type MultiplicationStrategy, type MultiplicationTask } from './strategies.ts';
export { digitSlips, multiplicationSim, productSlips } from './sim.ts';
export { evaluateMultiplication, type EvaluateMultiplicationOptions } from './evaluate.ts';
export { buildMultiplicationRun, MULTIPLICATION_SIZE, multiplicationRunOptions, multiplicationSource, type MultiplicationRunOptions } from './run-options.ts';
export { multiplicationDefinition } from './definition.ts';
