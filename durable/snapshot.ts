/**
 * Snapshots of a journaled run: the exact state, the running totals (samples histogram included) and the
 * journal length at one step, so a resume loads the state and replays only the records after it. A snapshot
 * is one checksummed line (`framed-line.ts`) replaced atomically (`atomic-file.ts`); it is written only after
 * the journal is synced up to the length it names, so it never points past durable records.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-file.ts';
import type { Spend } from '../dispatch/budget.ts';
import { JournalCorruptError } from '../core/errors.ts';
import { frameLine, lineJson, lineProblem } from './framed-line.ts';
import type { RunTotals } from '../run/run-task.ts';

/** Where a run stands at a snapshot. Every status but `finished` can be resumed. */
export type RunStatus =
  /** A periodic snapshot of a run in progress (or of one that died after it). */
  | { readonly kind: 'running' }
  /** Stopped early for a reason (interrupted, a budget, a step limit): resume continues it. */
  | { readonly kind: 'stopped'; readonly reason: string }
  /** Ended by an error (an undecided step, a failing endpoint): resume retries from the next step. */
  | { readonly kind: 'failed'; readonly error: string }
  /** The task is done; `solved` says whether it reached its goal. */
  | { readonly kind: 'finished'; readonly solved: boolean };

/** The saved point a resume starts from. */
export interface Snapshot<S> {
  /** Steps decided; `state` is the state before step `step`. */
  readonly step: number;
  /** Length of the journal holding exactly `step` records, in bytes. */
  readonly journalBytes: number;
  readonly state: S;
  readonly totals: RunTotals;
  /**
   * Active wall time over every session up to this snapshot, in milliseconds. Time spent on steps after the last
   * snapshot of a session that died is not counted (those steps are replayed from the journal, not re-timed).
   */
  readonly wallMs: number;
  /**
   * What every session has spent up to this snapshot (calls, tokens, dollars, seconds), so budgets cap the
   * whole run. Counts every call made, those of steps in progress at a stop included. @default nothing
   */
  readonly spent?: Spend;
  readonly status: RunStatus;
  /** The id of the run (`config.json`'s `runId`), so a snapshot copied from another run is refused. */
  readonly runId?: string;
}

const FORMAT = 1;

/** Writes a snapshot atomically. The state must survive a JSON round trip. */
export function writeSnapshot<S>(path: string, snapshot: Snapshot<S>): void {
  writeFileAtomic(path, frameLine(JSON.stringify({ format: FORMAT, ...snapshot })));
}

/** Reads a snapshot; undefined when the file does not exist. A damaged one is a `JournalCorruptError`. */
export function readSnapshot<S>(path: string): Snapshot<S> | undefined {
  if (!existsSync(path)) return undefined;
  const data = readFileSync(path);
  const problem = lineProblem(data, 0, data.length - 1);
  if (problem !== undefined) throw new JournalCorruptError(path, 1, 0, `the snapshot is damaged: ${problem}`);
  const parsed = JSON.parse(lineJson(data, 0, data.length - 1)) as Partial<Snapshot<S>> & { format?: unknown };
  if (parsed.format !== FORMAT) throw new JournalCorruptError(path, 1, 0, `unknown snapshot format \`${String(parsed.format)}\`, expected ${FORMAT}`);
  const valid =
    Number.isSafeInteger(parsed.step) &&
    Number.isSafeInteger(parsed.journalBytes) &&
    'state' in parsed &&
    typeof parsed.totals === 'object' &&
    typeof parsed.wallMs === 'number' &&
    typeof parsed.status?.kind === 'string';
  if (!valid) throw new JournalCorruptError(path, 1, 0, 'the snapshot lacks a field');
  const { format: _format, ...snapshot } = parsed;
  return snapshot as Snapshot<S>;
}
