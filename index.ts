/** maker-ts: MAKER (maximal decomposition, first-to-ahead-by-k voting, red-flagging) for long LLM tasks. */
export * from './core/index.ts';
export * from './voting/index.ts';
export { defineTask, type BuildContext, type RunnableTask, type TaskDefinition, type TaskFlag, type TaskReport } from './tasks/definition.ts';
export { batchTask, type BatchMember, type BatchState, type BatchTask } from './run/batch.ts';
export { walkTask, type Walk } from './run/walk.ts';
