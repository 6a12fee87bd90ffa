/**
 * The ahead-by-k race against several wrong candidates, solved exactly by a dynamic programme over vote tallies.
 *
 * Each sample is, independently: the correct answer with probability `correct`; wrong answer `i` with
 * probability `wrong[i]` (a wrong answer that recurs, so it can pile up votes); red-flagged with probability
 * `redFlag` (discarded, not a vote); or, with the rest of the mass, "unique junk": a valid but wrong answer that
 * never repeats, so it holds one vote and only keeps the others from leading by `k` while they are still at 0.
 * A candidate wins when its count reaches `k` plus the largest other count, as in the paper's `vote`.
 *
 * The state is the tally of the recurring candidates plus whether junk has been seen. Samples that do not change
 * the state (red flags, and junk once seen) are summed out in closed form, so each state-changing vote moves the
 * tally total up by exactly one and the chain is processed level by level. The programme stops when the mass
 * still undecided, plus the mass of any state too improbable to keep, is at most `epsilon`; that sum is reported
 * as `errorBound`, and every reported probability is low by at most it.
 */
import { expectInteger, expectNumber } from './expect.ts';
import { InputError } from '../core/errors.ts';

/** Inputs of {@link multiCandidateRace}. */
export interface MultiCandidateOptions {
  /** Probability that a sample is the correct answer. */
  readonly correct: number;
  /** Probability of each recurring wrong answer. @default [] */
  readonly wrong?: readonly number[];
  /** Probability that a sample is red-flagged (discarded, not a vote). @default 0 */
  readonly redFlag?: number;
  /** Voting margin, an integer >= 1. */
  readonly k: number;
  /** Stop once undecided plus pruned probability mass is at most this. @default 1e-12 */
  readonly epsilon?: number;
  /** Give up after this many state-changing votes even if `epsilon` is not reached. @default 100_000 */
  readonly maxVotes?: number;
}

/** {@link MultiCandidateOptions} with every default filled in and every field checked; `junk` is the rest mass. */
export interface ResolvedMultiCandidateOptions {
  readonly correct: number;
  readonly wrong: readonly number[];
  readonly redFlag: number;
  readonly junk: number;
  readonly k: number;
  readonly epsilon: number;
  readonly maxVotes: number;
}

/** Slack allowed when the given probabilities sum to just over 1 by rounding. */
const SUM_TOLERANCE = 1e-9;

/** Fills in defaults and validates; the one place {@link multiCandidateRace}'s options are interpreted. */
export function resolveMultiCandidateOptions(options: MultiCandidateOptions): ResolvedMultiCandidateOptions {
  const correct = expectNumber('correct', options.correct, 0, 1);
  const wrongInput = options.wrong ?? [];
  if (!Array.isArray(wrongInput)) throw new InputError(`Expected \`wrong\` to be an array of probabilities, got \`${String(wrongInput)}\``);
  const wrong = wrongInput.map((q, i) => expectNumber(`wrong[${i}]`, q, 0, 1));
  const redFlag = expectNumber('redFlag', options.redFlag ?? 0, 0, 1, 'max');
  const k = expectInteger('k', options.k, 1);
  const epsilon = expectNumber('epsilon', options.epsilon ?? 1e-12, 0, 1, 'both');
  const maxVotes = expectInteger('maxVotes', options.maxVotes ?? 100_000, 1, 10_000_000);
  const total = correct + wrong.reduce((a, b) => a + b, 0) + redFlag;
  if (total > 1 + SUM_TOLERANCE) {
    throw new InputError(`Expected \`correct\` + \`wrong\` + \`redFlag\` to be at most 1, got \`${total}\``);
  }
  const recurring = total - redFlag;
  if (k >= 2 && recurring <= 0) {
    throw new InputError(`Expected \`correct\` + \`wrong\` to be > 0 when \`k\` >= 2 (junk alone never decides), got \`${recurring}\``);
  }
  return { correct, wrong, redFlag, junk: Math.max(0, 1 - total), k, epsilon, maxVotes };
}

/** Outcome probabilities and costs of one step's race; each probability is low by at most `errorBound`. */
export interface MultiCandidateRaceResult {
  /** Probability that the correct answer wins. */
  readonly pCorrect: number;
  /** Probability that each recurring wrong answer wins, in the order given. */
  readonly pWrong: readonly number[];
  /** Probability that a junk answer wins (possible only with `k = 1`, on the first vote). */
  readonly pJunk: number;
  /** Mass still undecided when the programme stopped. */
  readonly undecidedMass: number;
  /** Mass of states dropped as too improbable to track. */
  readonly prunedMass: number;
  /** `undecidedMass + prunedMass`: the most by which any probability above falls short. */
  readonly errorBound: number;
  /**
   * Expected samples (red flags included) per step, counted up to where the programme stopped: a lower bound,
   * short by the undecided mass times its expected remaining samples.
   */
  readonly expectedSamples: number;
  /** Expected valid votes per step, counted the same way. */
  readonly expectedVotes: number;
  /** State-changing votes the programme went through. */
  readonly votesExamined: number;
  /** Tally states visited. */
  readonly states: number;
}

/** `converged` when `errorBound <= epsilon`; `truncated` when `maxVotes` ran out first. */
export type MultiCandidateRace =
  | ({ readonly kind: 'converged' } & MultiCandidateRaceResult)
  | ({ readonly kind: 'truncated' } & MultiCandidateRaceResult);

/** Largest key that still fits a double exactly. */
const MAX_EXACT_KEY = 2 ** 53;

/**
 * The undecided states after a given number of state-changing votes: tallies (flat, `width` per state), junk
 * flags and probability masses, merged by key. Within a level the first candidate's count is implied by the
 * others, so the key packs the flag and the other counts in base `level + 1` (or is a string when that would not
 * fit a double).
 */
class Level {
  size = 0;
  counts: Int32Array;
  flags: Uint8Array;
  masses: Float64Array;
  private readonly index = new Map<number | string, number>();
  private readonly base: number;

  constructor(
    private readonly width: number,
    votes: number,
  ) {
    const base = votes + 1;
    this.base = 2 * base ** (width - 1) < MAX_EXACT_KEY ? base : 0;
    this.counts = new Int32Array(64 * width);
    this.flags = new Uint8Array(64);
    this.masses = new Float64Array(64);
  }

  /** Adds `mass` to the state with the tally at `source[offset ..]`, candidate `bump` raised by one (-1: none). */
  add(source: Int32Array, offset: number, bump: number, flag: number, mass: number): void {
    const width = this.width;
    let key: number | string;
    if (this.base > 0) {
      let packed = 0;
      for (let i = width - 1; i >= 1; i--) packed = packed * this.base + source[offset + i]! + (i === bump ? 1 : 0);
      key = packed * 2 + flag;
    } else {
      const parts: number[] = [flag];
      for (let i = 1; i < width; i++) parts.push(source[offset + i]! + (i === bump ? 1 : 0));
      key = parts.join(',');
    }
    const at = this.index.get(key);
    if (at !== undefined) {
      this.masses[at]! += mass;
      return;
    }
    if (this.size === this.masses.length) this.grow();
    const to = this.size * width;
    for (let i = 0; i < width; i++) this.counts[to + i] = source[offset + i]! + (i === bump ? 1 : 0);
    this.flags[this.size] = flag;
    this.masses[this.size] = mass;
    this.index.set(key, this.size);
    this.size += 1;
  }

  private grow(): void {
    const capacity = this.masses.length * 2;
    const counts = new Int32Array(capacity * this.width);
    counts.set(this.counts);
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    const masses = new Float64Array(capacity);
    masses.set(this.masses);
    this.counts = counts;
    this.flags = flags;
    this.masses = masses;
  }
}

/**
 * Exact outcome distribution and expected cost of one step's ahead-by-`k` race over a full answer distribution.
 * Fast for `k` up to ~10 and a handful of recurring wrong answers; the tally space grows as a power of the number
 * of recurring candidates, so each extra one costs roughly another factor of the race length.
 */
export function multiCandidateRace(options: MultiCandidateOptions): MultiCandidateRace {
  const resolved = resolveMultiCandidateOptions(options);
  const { correct, redFlag, junk, k, epsilon, maxVotes } = resolved;
  // Wrong answers that never occur never move the tally: leave them out of the state and report 0 for them.
  const active = resolved.wrong.flatMap((q, i) => (q > 0 ? [i] : []));
  const probabilities = [correct, ...active.map((i) => resolved.wrong[i]!)];
  const width = probabilities.length;
  const wins = new Array<number>(width).fill(0);
  let pJunk = 0;

  let level = new Level(width, 0);
  level.add(new Int32Array(width), 0, -1, 0, 1);
  let prunedMass = 0;
  let expectedSamples = 0;
  let expectedVotes = 0;
  let states = 0;
  let votesExamined = 0;
  let undecidedMass = 1;
  for (;;) {
    undecidedMass = 0;
    for (let s = 0; s < level.size; s++) undecidedMass += level.masses[s]!;
    if (undecidedMass <= epsilon / 2 || votesExamined >= maxVotes) break;
    const next = new Level(width, votesExamined + 1);
    const { counts, flags, masses } = level;
    for (let s = 0; s < level.size; s++) {
      const mass = masses[s]!;
      const flag = flags[s]!;
      const at = s * width;
      states += 1;
      // Red flags, and junk once junk has been seen, leave the state as it is: a geometric number of them
      // precedes the next state-changing vote.
      const moving = 1 - redFlag - (flag === 1 ? junk : 0);
      expectedSamples += mass / moving;
      expectedVotes += (mass * (1 - redFlag)) / moving;
      // The largest count among the others, for each candidate: the top count, or the runner-up for the leader.
      // Junk counts as one vote once seen.
      let firstAt = 0;
      for (let i = 1; i < width; i++) if (counts[at + i]! > counts[at + firstAt]!) firstAt = i;
      let second = flag;
      for (let i = 0; i < width; i++) if (i !== firstAt && counts[at + i]! > second) second = counts[at + i]!;
      const first = Math.max(counts[at + firstAt]!, flag);
      for (let i = 0; i < width; i++) {
        const weight = (mass * probabilities[i]!) / moving;
        if (weight === 0) continue;
        if (counts[at + i]! + 1 >= k + (i === firstAt ? second : first)) wins[i]! += weight;
        else next.add(counts, at, i, flag, weight);
      }
      if (flag === 0 && junk > 0) {
        const weight = (mass * junk) / moving;
        if (k === 1 && first === 0) pJunk += weight;
        else next.add(counts, at, -1, 1, weight);
      }
    }
    // Drop states below an even share of this level's pruning budget, so at most the budget goes; the budgets
    // sum to epsilon / 2 over all levels, and the dropped mass is part of the error bound.
    const threshold = epsilon / 2 / ((votesExamined + 1) * (votesExamined + 2)) / Math.max(1, next.size);
    let kept = 0;
    for (let s = 0; s < next.size; s++) {
      const mass = next.masses[s]!;
      if (mass < threshold) {
        prunedMass += mass;
        continue;
      }
      if (kept !== s) {
        next.masses[kept] = mass;
        next.flags[kept] = next.flags[s]!;
        next.counts.copyWithin(kept * width, s * width, (s + 1) * width);
      }
      kept += 1;
    }
    next.size = kept;
    level = next;
    votesExamined += 1;
  }

  const pWrong = new Array<number>(resolved.wrong.length).fill(0);
  active.forEach((original, j) => {
    pWrong[original] = wins[j + 1]!;
  });
  const result: MultiCandidateRaceResult = {
    pCorrect: wins[0]!,
    pWrong,
    pJunk,
    undecidedMass,
    prunedMass,
    errorBound: undecidedMass + prunedMass,
    expectedSamples,
    expectedVotes,
    votesExamined,
    states,
  };
  return result.errorBound <= epsilon ? { kind: 'converged', ...result } : { kind: 'truncated', ...result };
}
