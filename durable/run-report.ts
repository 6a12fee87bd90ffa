/**
 * The report of a journaled run, built by streaming its whole journal (so every record is verified) with
 * memory bounded by the few hardest steps it keeps: totals, the samples-per-step distribution, red flags by
 * rule, the hardest steps and cost. `renderRunReport` writes it as Markdown.
 */
import { isDeepStrictEqual } from 'node:util';
import { JournalCorruptError } from '../core/errors.ts';
import { scanJournal, type JournalScan } from './journal.ts';
import { addRecord, votesOf, type JournalRecord } from './journal-record.ts';
import type { RunConfig } from './run-config.ts';
import { readRunConfig, runPaths } from './run-dir.ts';
import { emptyTotals, type RunTotals } from '../run/run-task.ts';
import { readSnapshot, type RunStatus } from './snapshot.ts';

/** One of the steps that took the most sampling. */
export interface HardStep {
  readonly step: number;
  readonly samples: number;
  readonly rounds: number;
  readonly votes: number;
  readonly redFlags: Readonly<Record<string, number>>;
  /** Valid votes per candidate, the winner first. */
  readonly tally: readonly (readonly [key: string, votes: number])[];
  /** Whether the winner matched the oracle; undefined when the task has none. */
  readonly correct: boolean | undefined;
  readonly costUsd: number;
}

/** What a run directory says about its run. */
export interface RunReport {
  readonly dir: string;
  /** Where the run is kept, when not in the directory `dir` (a store): replaces "Run directory DIR" in the report. */
  readonly location?: string;
  readonly config: RunConfig & { readonly createdAt: string };
  /** The latest snapshot's status; `running` for a run that is in progress or died. */
  readonly status: RunStatus;
  /** The latest snapshot's step; the journal may run past it when the run died. */
  readonly snapshotStep: number;
  /** Totals rebuilt from every journal record. */
  readonly totals: RunTotals;
  /** Active wall time over every session, as of the latest snapshot, in milliseconds. */
  readonly wallMs: number;
  /** Sum of every call's latency, in milliseconds. */
  readonly latencyMs: number;
  /** The hardest steps: most samples first, then most rounds, then earliest. */
  readonly hardest: readonly HardStep[];
  /** A torn last record the next resume will cut off. */
  readonly tornTail: JournalScan['tornTail'];
}

/** Options of {@link buildRunReport}. */
export interface RunReportOptions {
  /** How many of the hardest steps to keep. @default 10 */
  readonly hardest?: number;
}

const harder = (a: HardStep, b: HardStep) => b.samples - a.samples || b.rounds - a.rounds || a.step - b.step;

/** What a report gathers from a run's records, one at a time, as they are read. */
export interface ReportAccumulator {
  readonly totals: RunTotals;
  readonly hardest: readonly HardStep[];
  readonly latencyMs: number;
  /** Adds a record; checks the totals against the snapshot's once they reach its step. */
  add(record: JournalRecord): void;
}

/**
 * Folds a run's records into the report's totals, latency and hardest steps, keeping `keep` of those. When the
 * totals reach the snapshot's step they must equal its totals, or `mismatch` is thrown (`where` names the file).
 */
export function reportAccumulator(keep: number, snapshot: { readonly step: number; readonly totals: RunTotals } | undefined, where: string): ReportAccumulator {
  const totals = emptyTotals();
  const hardest: HardStep[] = [];
  let latencyMs = 0;
  const checkSnapshot = () => {
    if (snapshot !== undefined && totals.steps === snapshot.step && !isDeepStrictEqual(totals, snapshot.totals)) {
      throw new JournalCorruptError(where, 1, 0, `the snapshot's totals at step ${snapshot.step} disagree with the journal's records`);
    }
  };
  checkSnapshot();
  return {
    totals,
    hardest,
    get latencyMs() {
      return latencyMs;
    },
    add(record) {
      addRecord(totals, record);
      latencyMs += record.latencyMs;
      const step: HardStep = {
        step: record.step,
        samples: record.samples,
        rounds: record.rounds,
        votes: votesOf(record),
        redFlags: record.redFlags,
        tally: record.tally,
        correct: record.correct,
        costUsd: record.costUsd,
      };
      if (hardest.length < keep || harder(step, hardest[hardest.length - 1]!) < 0) {
        hardest.push(step);
        hardest.sort(harder);
        if (hardest.length > keep) hardest.pop();
      }
      checkSnapshot();
    },
  };
}

/** Reads a run directory's configuration, snapshot and whole journal into a report. */
export function buildRunReport(dir: string, options: RunReportOptions = {}): RunReport {
  const paths = runPaths(dir);
  const config = readRunConfig(dir);
  const snapshot = readSnapshot(paths.snapshot);
  const report = reportAccumulator(options.hardest ?? 10, snapshot, paths.snapshot);
  const scan = scanJournal(paths.journal, {
    ...(config.runId === undefined ? {} : { runId: config.runId }),
    onRecord: (record: JournalRecord) => report.add(record),
  });
  return {
    dir,
    config,
    status: snapshot?.status ?? { kind: 'running' },
    snapshotStep: snapshot?.step ?? 0,
    totals: report.totals,
    wallMs: snapshot?.wallMs ?? 0,
    latencyMs: report.latencyMs,
    hardest: report.hardest,
    tornTail: scan.tornTail,
  };
}

const number = (value: number) => value.toLocaleString('en-US');
const percent = (part: number, whole: number) => (whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(part === whole ? 0 : 2)}%`);
/** Table cells: keys may hold `|`, which would split a Markdown cell. */
const cell = (text: string) => text.replaceAll('|', '\\|');

/** One line on where the run stands. */
export function describeStatus(status: RunStatus): string {
  switch (status.kind) {
    case 'finished':
      return status.solved ? 'finished: solved' : 'finished: not solved';
    case 'stopped':
      return `stopped (${status.reason}); resumable`;
    case 'failed':
      return `failed (${status.error}); resumable`;
    case 'running':
      return 'running, or died without a final snapshot; resumable';
  }
}

/** Options of {@link renderRunReport}. */
export interface RenderReportOptions {
  /** Steps an error-free run takes, when the task knows. */
  readonly totalSteps?: number | undefined;
  /** The command that resumes the run, shown for resumable runs. @default `maker resume DIR` */
  readonly resumeCommand?: string;
  /** When the report is written. @default now */
  readonly now?: Date;
}

/** The report as Markdown. */
export function renderRunReport(report: RunReport, options: RenderReportOptions = {}): string {
  const { config, totals } = report;
  const steps = totals.steps;
  const of = options.totalSteps === undefined ? '' : ` of ${number(options.totalSteps)}`;
  const taskOptions = Object.entries(config.taskOptions)
    .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
    .join(', ');
  const lines: string[] = [
    `# Run report: ${config.task}${taskOptions === '' ? '' : ` (${taskOptions})`}`,
    '',
    `${report.location ?? `Run directory \`${report.dir}\``}, started ${config.createdAt}; report written ${(options.now ?? new Date()).toISOString()} by \`maker report\`.`,
    '',
    '| | |',
    '|---|---|',
    `| Status | ${describeStatus(report.status)} |`,
    `| Model | \`${config.model}\`, k = ${config.k}, seed ${config.seed} |`,
    `| Steps | ${number(steps)}${of} decided, ${number(totals.errors)} wrong by the oracle |`,
    `| Samples | ${number(totals.samples)} (${(totals.samples / Math.max(steps, 1)).toFixed(3)} per step; most in one step ${totals.maxSamplesInStep}, in ${totals.maxRoundsInStep} rounds) |`,
    `| Votes | ${number(totals.votes)}; ${number(totals.firstTwoWrong)} steps whose first two votes both missed the oracle |`,
    `| Red flags | ${number(totals.redFlags)} (${percent(totals.redFlags, totals.samples)} of samples) |`,
    `| Aborted samples | ${number(totals.aborted)} (in flight when their step was decided; not counted) |`,
    `| Tokens | ${number(totals.promptTokens)} prompt, ${number(totals.completionTokens)} completion |`,
    `| Cost | $${totals.costUsd.toFixed(2)} ($${(totals.costUsd / Math.max(steps, 1)).toFixed(6)} per step) |`,
    `| Wall time | ${(report.wallMs / 1000).toFixed(1)} s active, over every session, as of the latest snapshot (step ${number(report.snapshotStep)}) |`,
    `| Call latency | ${(report.latencyMs / 1000).toFixed(1)} s summed over calls |`,
  ];
  if (report.status.kind !== 'finished') lines.push('', `Resume with \`${options.resumeCommand ?? `maker resume ${report.dir}`}\`.`);
  if (report.tornTail !== undefined) {
    lines.push('', `The journal ends with a torn record (${report.tornTail.bytes} bytes at byte ${report.tornTail.offset}), left by a crash mid-write; resume cuts it off.`);
  }

  lines.push('', '## Samples per step', '', '| Samples | Steps | Share | Cumulative |', '|---:|---:|---:|---:|');
  let cumulative = 0;
  for (const [samples, count] of Object.entries(totals.samplesPerStep).sort(([a], [b]) => Number(a) - Number(b))) {
    cumulative += count;
    lines.push(`| ${samples} | ${number(count)} | ${percent(count, steps)} | ${percent(cumulative, steps)} |`);
  }

  lines.push('', '## Red flags by rule', '');
  const rules = Object.entries(totals.redFlagsByRule).sort(([, a], [, b]) => b - a);
  if (rules.length === 0) lines.push('No response was red-flagged.');
  else {
    lines.push('| Rule | Responses | Per 1,000 samples |', '|---|---:|---:|');
    for (const [rule, count] of rules) lines.push(`| ${rule} | ${number(count)} | ${((1000 * count) / Math.max(totals.samples, 1)).toFixed(2)} |`);
  }

  lines.push('', `## The ${report.hardest.length} hardest steps`, '', 'Most samples first. Votes list every candidate, the winner first.', '');
  lines.push('| Step | Samples | Rounds | Red flags | Oracle | Cost | Votes |', '|---:|---:|---:|---|---|---:|---|');
  for (const step of report.hardest) {
    const flags = Object.entries(step.redFlags).map(([rule, count]) => `${rule} ${count}`).join(', ') || 'none';
    const oracle = step.correct === undefined ? 'n/a' : step.correct ? 'right' : '**wrong**';
    const votes = step.tally.map(([key, count]) => `${count} × \`${cell(key)}\``).join('<br>');
    lines.push(`| ${step.step} | ${step.samples} | ${step.rounds} | ${flags} | ${oracle} | $${step.costUsd.toFixed(4)} | ${votes} |`);
  }

  lines.push(
    '',
    '## Cost',
    '',
    '| | Prompt tokens | Completion tokens | Dollars |',
    '|---|---:|---:|---:|',
    `| Run | ${number(totals.promptTokens)} | ${number(totals.completionTokens)} | $${totals.costUsd.toFixed(2)} |`,
    `| Per step | ${number(Math.round(totals.promptTokens / Math.max(steps, 1)))} | ${number(Math.round(totals.completionTokens / Math.max(steps, 1)))} | $${(totals.costUsd / Math.max(steps, 1)).toFixed(6)} |`,
    `| Per sample | ${number(Math.round(totals.promptTokens / Math.max(totals.samples, 1)))} | ${number(Math.round(totals.completionTokens / Math.max(totals.samples, 1)))} | $${(totals.costUsd / Math.max(totals.samples, 1)).toFixed(6)} |`,
  );
  if (options.totalSteps !== undefined && steps > 0 && steps < options.totalSteps) {
    lines.push(`| Projected to ${number(options.totalSteps)} steps | | | $${((totals.costUsd / steps) * options.totalSteps).toFixed(2)} |`);
  }
  lines.push('', 'Costs count the calls that decided each step; calls made for a step in progress when a session stopped are not counted.', '');
  return lines.join('\n');
}
