/** The engine: `runTask` runs a task step by step, each step a voted call, and totals what it cost. */
export { runTask, type RunOptions, type RunResult, type RunTotals, type StepEvent } from './run-task.ts';
