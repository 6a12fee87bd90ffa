/** The returning tool loop: `agent()`, its tools, stop conditions and tool-execution middleware. */
export { agent, type AgentResult } from './agent.ts';
export { resolveAgentOptions, type AgentOptions, type ResolvedAgentOptions, type VoteOptions } from './options.ts';
export { tool, toolSpecsOf, checkToolCall, type Tool, type ToolContext, type ToolSet, type CheckedCall, type CallProblem } from './tool.ts';
export {
  stepCountIs,
  hasToolCall,
  modelFinished,
  budgetReached,
  outputMatches,
  stopWhen,
  type StopCondition,
  type StopContext,
  type StopReason,
  type BudgetCaps,
} from './stop-conditions.ts';
export {
  composeMiddleware,
  approveToolCalls,
  limitToolCalls,
  retryToolErrors,
  mapToolResult,
  logToolCalls,
  type ToolMiddleware,
  type ToolExecution,
  type NextTool,
} from './middleware.ts';
export { outcomeContent, type AgentStep, type StepToolCall, type StepVote, type ToolOutcome } from './step.ts';
export { parseTurn, turnRedFlags, TURN_RED_FLAGS, type ParsedTurn } from './turn-key.ts';
export { canonicalJson, checkJson, checkValue, compileSchema, type JsonSchema, type SchemaCheck } from './json-schema.ts';
export { emptyUsage, addUsage, totalTokens, type AgentUsage } from './usage.ts';
