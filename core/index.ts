/**
 * The vocabulary (`maker-ts`): the model interface, task types, errors, clocks and random streams. Exported by
 * name: what a user of the library writes against. Helpers the other folders share (hashing, seed mixing,
 * normal quantiles) stay internal.
 */
export {
  costOf,
  type ChatMessage,
  type FinishReason,
  type LanguageModel,
  type ModelRequest,
  type ModelResponse,
  type Pricing,
  type Role,
  type ToolCall,
  type ToolSpec,
  type Usage,
} from './model.ts';
export { promptText, type GraphTask, type ParseResult, type StepTask, type TaskCall } from './task.ts';
export {
  BudgetExhaustedError,
  ContextBudgetError,
  InputError,
  isAbortError,
  JournalCorruptError,
  MakerError,
  ModelCallError,
  RetriesExhaustedError,
  RunConfigMismatchError,
  RunDirExistsError,
  StepExhaustedError,
  TransientModelError,
  type BudgetName,
  type RedFlagCounts,
  type TransientFault,
} from './errors.ts';
export { realClock, realSleep, type Clock, type Sleep } from './clock.ts';
export type { Random } from './rng.ts';
