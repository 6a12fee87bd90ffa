export { limitRows, parseDatasetRows, readDatasetRows, type DatasetRow } from './rows.ts';
export { makerDataFile, MAKER_DATA_FILES, type MakerDataName } from './maker-official.ts';
export type { AnsweringTask } from './answering-task.ts';
export { dryRun, type DryRunOptions, type DryRunResult } from './dry-run.ts';
export {
  createProblemSetTask,
  evaluateSet,
  setOutputCap,
  type EvaluateSetOptions,
  type ProblemOutcome,
  type ProblemSetOptions,
  type ProblemSetTask,
  type SetResult,
} from './evaluate-set.ts';
export { setFlags, setSourceFrom, type SetSource, type SizeFlag } from './set-flags.ts';
export { problemSetReport, setReportJson, setReportLines } from './set-report.ts';
