/**
 * Durable runs: start a run that journals every decided step into a run directory, resume it after any stop,
 * and read what a run directory holds (configuration, journal, snapshot, report). The file formats' writers and
 * framing stay internal.
 */
export {
  resumeDurableRun,
  startDurableRun,
  type DurableRunOptions,
  type DurableRunResult,
  type PassThroughRunOptions,
  type StartDurableRunOptions,
} from './durable-run.ts';
export { taskFingerprint, type RunConfig } from './run-config.ts';
export { readRunConfig, runPaths, type RunPaths } from './run-dir.ts';
export { scanJournal, type JournalScan, type JournalScanOptions } from './journal.ts';
export type { JournalRecord } from './journal-record.ts';
export { readSnapshot, type RunStatus, type Snapshot } from './snapshot.ts';
export {
  buildRunReport,
  describeStatus,
  renderRunReport,
  type HardStep,
  type RenderReportOptions,
  type RunReport,
  type RunReportOptions,
} from './run-report.ts';
