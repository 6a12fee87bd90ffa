export { limitRows, parseDatasetRows, readDatasetRows, type DatasetRow } from './rows.ts';
export { MAKER_DATA_DIR, makerDataFile, MAKER_DATA_FILES, type MakerDataName } from './maker-official.ts';
export type { AnsweringTask } from './answering-task.ts';
export { dryRun, type DryRunOptions, type DryRunResult } from './dry-run.ts';
export { evaluateSet, type EvaluateSetOptions, type ProblemOutcome, type SetResult } from './evaluate-set.ts';
export { openSetRunDir, SET_RUN_FILES, type SetRunConfig, type SetRunDir, type SetRunDirOptions } from './set-run-dir.ts';
