/** A run's running totals, and how one decided call is added to them. */
import type { CallTally } from '../dispatch/dispatcher.ts';
import type { VoteStats } from '../voting/sampler.ts';

/** Running totals, updated in place as each call is decided. */
export interface RunTotals {
  /** Calls decided (a step task's steps). */
  steps: number;
  errors: number;
  samples: number;
  votes: number;
  redFlags: number;
  redFlagsByRule: Record<string, number>;
  aborted: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  /** Most samples any call needed. */
  maxSamplesInStep: number;
  /** Most sampling rounds any call needed. */
  maxRoundsInStep: number;
  /** Calls whose first two valid votes both disagreed with the oracle. */
  firstTwoWrong: number;
  /** Histogram: samples per call → number of calls. */
  samplesPerStep: Record<number, number>;
  /** Retries after transient faults. */
  retries: number;
  /** Faults the dispatcher saw on this run's calls, by kind (`rate-limit`, `server-error`, `timeout`, ...). */
  faults: Record<string, number>;
}

/** Fresh, zeroed totals. */
export function emptyTotals(): RunTotals {
  return {
    steps: 0,
    errors: 0,
    samples: 0,
    votes: 0,
    redFlags: 0,
    redFlagsByRule: {},
    aborted: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    maxSamplesInStep: 0,
    maxRoundsInStep: 0,
    firstTwoWrong: 0,
    samplesPerStep: {},
    retries: 0,
    faults: {},
  };
}

/** Dollars are summed in whole units of this many per dollar, so a sum does not depend on the order of its terms. */
const DOLLAR_UNITS = 1e10;

/**
 * `total + amount`, both rounded to 1e-10 dollars: integer sums are exact (to $900,000), so a graph run's cost is
 * the same whatever order its calls complete in.
 */
export function addDollars(total: number, amount: number): number {
  return (Math.round(total * DOLLAR_UNITS) + Math.round(amount * DOLLAR_UNITS)) / DOLLAR_UNITS;
}

/** Adds one decided call's voting stats to the totals. */
export function addStepStats(totals: RunTotals, stats: VoteStats, correct: boolean | undefined, firstTwoWrong: boolean): void {
  totals.steps++;
  if (correct === false) totals.errors++;
  if (firstTwoWrong) totals.firstTwoWrong++;
  addSpend(totals, stats);
  if (stats.samples > totals.maxSamplesInStep) totals.maxSamplesInStep = stats.samples;
  if (stats.rounds > totals.maxRoundsInStep) totals.maxRoundsInStep = stats.rounds;
  totals.samplesPerStep[stats.samples] = (totals.samplesPerStep[stats.samples] ?? 0) + 1;
}

/** Adds what a call's voting spent (samples, votes, red flags, tokens, dollars), decided or not. */
export function addSpend(totals: RunTotals, stats: VoteStats): void {
  totals.samples += stats.samples;
  totals.votes += stats.votes;
  totals.aborted += stats.aborted;
  totals.promptTokens += stats.promptTokens;
  totals.completionTokens += stats.completionTokens;
  totals.costUsd = addDollars(totals.costUsd, stats.costUsd);
  for (const rule in stats.redFlags) {
    const count = stats.redFlags[rule]!;
    totals.redFlags += count;
    totals.redFlagsByRule[rule] = (totals.redFlagsByRule[rule] ?? 0) + count;
  }
}

/** Faults and retries charged to one call. */
export interface StepDispatch {
  readonly retries: number;
  readonly faults: Readonly<Record<string, number>>;
}

/** A call without faults or retries (nearly every call). */
export const NO_DISPATCH_EVENTS: StepDispatch = Object.freeze({ retries: 0, faults: Object.freeze({}) });

/** A call's tally as events, sharing {@link NO_DISPATCH_EVENTS} when nothing happened. */
export function tallyEvents(tally: CallTally): StepDispatch {
  if (tally.retries === 0) {
    // A fault with no retry after it (the last one of a failed call) still counts.
    for (const _ in tally.faults) return tally;
    return NO_DISPATCH_EVENTS;
  }
  return tally;
}

/** Adds a call's (or an undecided call's) faults and retries to the totals. */
export function addDispatchEvents(totals: RunTotals, events: StepDispatch): void {
  if (events === NO_DISPATCH_EVENTS) return;
  // Totals saved before these fields existed lack them.
  totals.retries = (totals.retries ?? 0) + events.retries;
  totals.faults ??= {};
  for (const [kind, count] of Object.entries(events.faults)) totals.faults[kind] = (totals.faults[kind] ?? 0) + count;
}
