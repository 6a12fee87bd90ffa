/**
 * maker-ts: MAKER (maximal decomposition, first-to-ahead-by-k voting, red-flagging) for long LLM tasks.
 * The root composes each folder's public names, and `defineTask` for a user's own task; the built-in tasks are
 * subpaths (`maker-ts/tasks/hanoi`, `maker-ts/tasks/convexity`) and the test kit is `maker-ts/testing`.
 */
export * from './core/index.ts';
export * from './models/index.ts';
export * from './dispatch/index.ts';
export * from './voting/index.ts';
export * from './planning/index.ts';
export * from './run/index.ts';
export * from './durable/index.ts';
export { defineTask, type BuildContext, type RunnableTask, type TaskDefinition, type TaskFlag, type TaskReport } from './tasks/definition.ts';
export * from './agent/index.ts';
