/**
 * One decided step as the run journal holds it, and its compact wire form. A 20-disk Hanoi run decides a
 * million steps, so a record is a single JSON object with short field names, and fields that are usually zero
 * or empty are left out:
 *
 * | field | meaning                                             | when absent |
 * |-------|-----------------------------------------------------|-------------|
 * | `i`   | place in the order calls were decided (a step task's step index; always first) | |
 * | `n`   | the call's id, when it is not `i` written in decimal (graph tasks) | `String(i)` |
 * | `k`   | the winning answer's canonical key                   |             |
 * | `v`   | the winning answer's parsed value (what `absorb` got) |            |
 * | `w`   | votes for the winner                                 |             |
 * | `o`   | the other candidates, `[key, votes]` in first-vote order | none   |
 * | `s`   | samples (responses that came back, valid or flagged) |             |
 * | `r`   | sampling rounds                                      |             |
 * | `a`   | samples aborted once the step was decided            | 0           |
 * | `f`   | red flags by rule, `{"too-long": 1}`                 | none        |
 * | `pt`, `ct` | prompt and completion tokens                    |             |
 * | `c`   | cost in US dollars                                   |             |
 * | `l`   | sum of the calls' latencies, in milliseconds         | 0           |
 * | `ok`  | 1 if the winner matched the task's oracle, 0 if not  | no oracle   |
 * | `x`   | 1 if the first two valid votes both missed the oracle | otherwise  |
 * | `rt`  | retries after transient faults while voting           | 0          |
 * | `fx`  | faults the dispatcher saw, by kind, `{"rate-limit": 2}` | none     |
 * | `u`   | the run's id (`config.json`'s `runId`), on step 0 only: ties the journal to its run | other steps |
 *
 * Values must survive a JSON round trip (Hanoi's do). Numbers round-trip exactly, so totals rebuilt from
 * records equal the live totals to the last bit.
 */
import { addDispatchEvents, addStepStats, NO_DISPATCH_EVENTS, type RunTotals, type StepDispatch, type StepEvent } from '../run/run-task.ts';
import type { VoteStats } from '../voting/sampler.ts';

/** One decided step, as read back from the journal. */
export interface JournalRecord<V = unknown> {
  /** The call's place in the order calls were decided (a step task's step index). */
  readonly step: number;
  /** The call's id. */
  readonly id: string;
  readonly key: string;
  readonly value: V;
  /** Valid votes per candidate, the winner first. */
  readonly tally: readonly (readonly [key: string, votes: number])[];
  readonly samples: number;
  readonly rounds: number;
  readonly aborted: number;
  readonly redFlags: Readonly<Record<string, number>>;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Sum of the calls' latencies, in milliseconds: real time, so it differs between runs of a real model. */
  readonly latencyMs: number;
  /** Whether the winner matched the oracle; undefined when the task has none. */
  readonly correct: boolean | undefined;
  readonly firstTwoWrong: boolean;
  /** Retries after transient faults while the step was voted on. */
  readonly retries: number;
  /** Faults the dispatcher saw while the step was voted on, by kind. */
  readonly faults: Readonly<Record<string, number>>;
  /** The id of the run that wrote the journal, on its first record; undefined elsewhere and in older journals. */
  readonly runId?: string;
}

interface Wire {
  i: number;
  n?: string;
  k: string;
  v: unknown;
  w: number;
  o?: Array<[string, number]>;
  s: number;
  r: number;
  a?: number;
  f?: Record<string, number>;
  pt: number;
  ct: number;
  c: number;
  l?: number;
  ok?: 0 | 1;
  x?: 1;
  rt?: number;
  fx?: Record<string, number>;
  u?: string;
}

/**
 * The JSON text of a decided step's record. Hot path: one small object and one `JSON.stringify` per step.
 * `runId`, when given, is written on step 0's record only.
 */
export function encodeStep(event: StepEvent<unknown, unknown>, runId?: string): string {
  const { stats } = event;
  // Fields are assigned in wire order (`i` first); the optional ones only when they carry something.
  // A step task's ids are its step indices: only other ids are written.
  const wire = (event.id === String(event.step) ? { i: event.step } : { i: event.step, n: event.id }) as Wire;
  wire.k = event.key;
  wire.v = event.value;
  wire.w = stats.tally.get(event.key) ?? 0;
  if (stats.tally.size > 1) {
    const others: Array<[string, number]> = [];
    for (const [key, votes] of stats.tally) if (key !== event.key) others.push([key, votes]);
    wire.o = others;
  }
  wire.s = stats.samples;
  wire.r = stats.rounds;
  if (stats.aborted !== 0) wire.a = stats.aborted;
  for (const rule in stats.redFlags) {
    wire.f = stats.redFlags as Record<string, number>;
    break;
  }
  wire.pt = stats.promptTokens;
  wire.ct = stats.completionTokens;
  wire.c = stats.costUsd;
  if (stats.latencyMs !== 0) wire.l = stats.latencyMs;
  if (event.correct !== undefined) wire.ok = event.correct ? 1 : 0;
  if (event.firstTwoWrong) wire.x = 1;
  if (event.dispatch.retries !== 0) wire.rt = event.dispatch.retries;
  for (const kind in event.dispatch.faults) {
    wire.fx = event.dispatch.faults as Record<string, number>;
    break;
  }
  if (runId !== undefined && event.step === 0) wire.u = runId;
  return JSON.stringify(wire);
}

/** A decoded record, or what is wrong with the text. */
export type DecodedRecord<V> = { readonly ok: true; readonly record: JournalRecord<V> } | { readonly ok: false; readonly problem: string };

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isAmount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** Decodes and validates a record's JSON text. */
export function decodeRecord<V>(json: string): DecodedRecord<V> {
  let wire: Partial<Record<keyof Wire, unknown>>;
  try {
    wire = JSON.parse(json) as typeof wire;
  } catch (error) {
    return { ok: false, problem: `the record is not JSON (${(error as Error).message})` };
  }
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) return { ok: false, problem: 'the record is not a JSON object' };
  const bad = (field: string) => ({ ok: false as const, problem: `the record's \`${field}\` is missing or malformed` });
  if (!isCount(wire.i)) return bad('i');
  if (wire.n !== undefined && typeof wire.n !== 'string') return bad('n');
  if (typeof wire.k !== 'string') return bad('k');
  if (!('v' in wire)) return bad('v');
  for (const field of ['w', 's', 'r', 'pt', 'ct'] as const) if (!isCount(wire[field])) return bad(field);
  if (!isAmount(wire.c)) return bad('c');
  if (wire.a !== undefined && !isCount(wire.a)) return bad('a');
  if (wire.l !== undefined && !isAmount(wire.l)) return bad('l');
  if (wire.ok !== undefined && wire.ok !== 0 && wire.ok !== 1) return bad('ok');
  if (wire.x !== undefined && wire.x !== 1) return bad('x');
  const others = wire.o ?? [];
  if (!Array.isArray(others) || !others.every((pair) => Array.isArray(pair) && typeof pair[0] === 'string' && isCount(pair[1]))) return bad('o');
  const counts = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isCount);
  const flags = wire.f ?? {};
  if (!counts(flags)) return bad('f');
  if (wire.rt !== undefined && !isCount(wire.rt)) return bad('rt');
  const faults = wire.fx ?? {};
  if (!counts(faults)) return bad('fx');
  if (wire.u !== undefined && typeof wire.u !== 'string') return bad('u');
  return {
    ok: true,
    record: {
      step: wire.i,
      id: wire.n ?? String(wire.i),
      key: wire.k,
      value: wire.v as V,
      tally: [[wire.k, wire.w as number], ...(others as Array<[string, number]>)],
      samples: wire.s as number,
      rounds: wire.r as number,
      aborted: wire.a ?? 0,
      redFlags: flags as Record<string, number>,
      promptTokens: wire.pt as number,
      completionTokens: wire.ct as number,
      costUsd: wire.c,
      latencyMs: wire.l ?? 0,
      correct: wire.ok === undefined ? undefined : wire.ok === 1,
      firstTwoWrong: wire.x === 1,
      retries: wire.rt ?? 0,
      faults: faults as Record<string, number>,
      ...(wire.u === undefined ? {} : { runId: wire.u }),
    },
  };
}

/** Adds a record's step to running totals, exactly as the scheduler added it when the step was decided. */
export function addRecord(totals: RunTotals, record: JournalRecord): void {
  addStepStats(totals, statsOf(record), record.correct, record.firstTwoWrong);
  addDispatchEvents(totals, dispatchOf(record));
}

/** The faults and retries of a record, as the scheduler's `addDispatchEvents` takes them. */
export function dispatchOf(record: JournalRecord): StepDispatch {
  return record.retries === 0 && Object.keys(record.faults).length === 0 ? NO_DISPATCH_EVENTS : { retries: record.retries, faults: record.faults };
}

/** Valid votes a record counted. */
export function votesOf(record: JournalRecord): number {
  let votes = 0;
  for (const [, count] of record.tally) votes += count;
  return votes;
}

/**
 * The voting stats of a record, as the scheduler's `addStepStats` takes them, to rebuild running totals.
 * The order of the valid votes is not journaled, so `voteKeys` is empty.
 */
export function statsOf(record: JournalRecord): VoteStats {
  return {
    samples: record.samples,
    votes: votesOf(record),
    rounds: record.rounds,
    aborted: record.aborted,
    redFlags: record.redFlags,
    tally: new Map(record.tally),
    voteKeys: [],
    promptTokens: record.promptTokens,
    completionTokens: record.completionTokens,
    costUsd: record.costUsd,
    latencyMs: record.latencyMs,
  };
}
