/**
 * `maker report DIR` (or `maker report --store URL --run-id NAME`): what a journaled run did, from its run directory (finished, stopped, or still running):
 * totals, the samples-per-step distribution, red flags by rule, the hardest steps and cost. Writes
 * `DIR/report.md`; `--json` prints the totals under the field names of `maker run --json`.
 */
import type { Command } from 'commander';
import { writeFileAtomic } from '../durable/atomic-file.ts';
import { runPaths } from '../durable/run-dir.ts';
import { buildRunReport, describeStatus, renderRunReport, type RunReport } from '../durable/run-report.ts';
import { taskLength, type RunResult } from '../run/run-task.ts';
import { InputError } from '../core/errors.ts';
import { redactUrl } from '../durable/pg-store.ts';
import { resumeCommand, storeResumeCommand, storeTargetOf, taskFor } from './durable.ts';
import { integerFlag } from './flags.ts';
import type { CommandContext } from './context.ts';
import { summaryJson, summaryText } from './summary.ts';
import { isSystemError } from './system-error.ts';

/** The report as the run result `maker run` summarises, so both print the same fields. */
function asRunResult(report: RunReport): RunResult<undefined> {
  const { status } = report;
  const stopReason =
    status.kind === 'stopped' ? status.reason : status.kind === 'failed' ? `failed: ${status.error}` : status.kind === 'running' ? 'not finished' : undefined;
  return {
    task: report.config.task,
    model: report.config.model,
    k: report.config.k,
    seed: report.config.seed,
    solved: status.kind === 'finished' && status.solved,
    stopReason,
    finalState: undefined,
    totals: report.totals,
    wallMs: report.wallMs,
  };
}

export function registerReport(program: Command, context: CommandContext): void {
  program
    .command('report')
    .description('report on a journaled run: totals, samples per step, red flags, hardest steps, cost; writes DIR/report.md')
    .argument('[dir]', 'the run directory (or --store URL --run-id NAME)')
    .option('--store <url>', 'report on a run kept in PostgreSQL at URL')
    .option('--run-id <name>', "with --store: the run's name in the store")
    .option('--out <file>', 'write the Markdown report to FILE (default: DIR/report.md; none for a stored run)')
    .option('--json', 'print one JSON object (the totals under the field names of `maker run --json`)')
    .option('--hardest <n>', 'how many of the hardest steps to list', '10')
    .option('--no-write', 'print only: do not write the report file')
    .action(async (dir: string | undefined, raw: Record<string, unknown>) => {
      const hardest = integerFlag('hardest', String(raw['hardest']), 0, 1000);
      const store = storeTargetOf(raw);
      if ((dir === undefined) === (store === undefined)) throw new InputError('Expected a run directory or --store URL --run-id NAME, ' + (dir === undefined ? 'got neither' : 'got both'));
      const report =
        store === undefined ? buildRunReport(dir!, { hardest }) : await (await import('../durable/stored-run-report.ts')).buildStoredRunReport(store.url, store.runId, { hardest });
      const totalSteps = taskLength((await taskFor(report.config)).task);
      let path: string | undefined = raw['out'] === undefined ? (store === undefined ? runPaths(dir!).report : undefined) : String(raw['out']);
      if (raw['write'] === false) {
        path = undefined;
      } else if (path !== undefined) {
        // Reading a run needs no write access (a read-only mount, another user's run): the file is a convenience.
        try {
          writeFileAtomic(path, renderRunReport(report, { totalSteps, resumeCommand: store === undefined ? resumeCommand(dir!) : storeResumeCommand(store) }));
        } catch (error) {
          if (!isSystemError(error)) throw error;
          context.stderr.write(`maker: could not write ${path} (${error.code}); the report is printed only\n`);
          path = undefined;
        }
      }
      const result = asRunResult(report);
      const place = store === undefined ? { runDir: dir } : { store: redactUrl(store.url), runId: store.runId };
      if (raw['json'] === true) {
        const json = {
          ...summaryJson(result, { ...report.config.taskOptions, maxOutputTokens: report.config.maxOutputTokens, ...place }),
          status: report.status.kind,
          snapshotStep: report.snapshotStep,
          latencyMs: Math.round(report.latencyMs),
          hardestSteps: report.hardest.map((step) => ({ ...step, tally: Object.fromEntries(step.tally), costUsd: Number(step.costUsd.toFixed(6)) })),
          tornTailBytes: report.tornTail?.bytes ?? 0,
          reportFile: path ?? null,
        };
        context.stdout.write(`${JSON.stringify(json)}\n`);
      } else {
        context.stdout.write(`${summaryText(result)}  status       ${describeStatus(report.status)}\n${path === undefined ? '' : `  report       ${path}\n`}`);
      }
    });
}
