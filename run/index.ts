/**
 * The engine: `runTask` runs a task (a `StepTask` step by step, a `GraphTask` by its ready calls), each call voted,
 * and totals what it cost; `batchTask` and `walkTask` build graph tasks from simpler ones.
 */
export { runTask, taskLength, type RunOptions, type RunResult, type StepEvent } from './run-task.ts';
export type { RunTotals } from './totals.ts';
export { batchTask, type BatchMember, type BatchState, type BatchTask } from './batch.ts';
export { walkTask, type Walk } from './walk.ts';
