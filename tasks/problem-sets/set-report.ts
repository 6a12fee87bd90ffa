/**
 * What a set's run reports beside the run's own summary (steps, samples, errors, costUsd, wallMs, ...): the
 * strategy and source, `total, correct, accuracy, unanswered` and the largest prompt, as JSON fields and lines.
 */
import type { RunResult } from '../../run/run-task.ts';
import type { TaskReport } from '../definition.ts';
import type { ProblemSetTask, SetResult } from './evaluate-set.ts';

/** The set's own JSON fields. */
export function setReportJson(result: SetResult): Record<string, unknown> {
  return {
    strategy: result.strategy,
    total: result.total,
    correct: result.correct,
    accuracy: Number(result.accuracy.toFixed(6)),
    unanswered: result.unanswered,
    maxPromptTokens: Math.round(result.maxPromptTokens),
  };
}

/** The set's own lines for the text summary. */
export function setReportLines(result: SetResult, source: string, run: RunResult<unknown>, answerTokens: number): string[] {
  const n = (value: number) => value.toLocaleString('en-US');
  const lines = [
    `  set          ${result.strategy} on ${source}`,
    `  exact        ${n(result.correct)} of ${n(result.total)} (${(100 * result.accuracy).toFixed(1)}%; ${n(result.unanswered)} unanswered)`,
    `  prompts      largest ${n(Math.round(result.maxPromptTokens))} tokens`,
  ];
  const cut = (run.totals.redFlagsByRule['truncated'] ?? 0) + (run.totals.redFlagsByRule['too-long'] ?? 0);
  if (result.unanswered > 0 && cut > 0 && answerTokens > 0) {
    lines.push(`  note         ${n(cut)} answers were cut or over-long: a whole answer here takes about ${n(answerTokens)} tokens beyond the usual working; raise --max-output-tokens`);
  }
  return lines;
}

/** A definition's report for a problem set: its fields, its lines, and success when the run went to its end. */
export function problemSetReport(task: ProblemSetTask, result: RunResult<any>, source: string, extra: Readonly<Record<string, unknown>> = {}): TaskReport {
  const scored = task.score(result);
  return {
    json: { ...setReportJson(scored), source, ...extra },
    text: setReportLines(scored, source, result, task.answerTokens),
    // An evaluation succeeds when it ran to the end: its accuracy is the finding.
    success: result.stopReason === undefined,
  };
}
