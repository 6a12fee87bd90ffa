/**
 * First-to-ahead-by-k: the voting race as a pure state machine over canonical keys. A candidate wins the
 * moment its votes reach k more than every other candidate's. Mutable for speed (one per step, discarded after);
 * every method is O(candidates).
 */
import { InputError } from '../core/errors.ts';

/** The race's state after a vote. */
export type RaceStatus =
  | { readonly kind: 'undecided'; readonly needed: number }
  | { readonly kind: 'decided'; readonly key: string };

/** A first-to-ahead-by-k race. */
export class AheadByKRace {
  readonly k: number;
  #tally = new Map<string, number>();
  #votes = 0;
  #winner: string | undefined;

  constructor(k: number) {
    if (!Number.isInteger(k) || k < 1) throw new InputError(`Expected \`k\` to be an integer >= 1, got \`${k}\``);
    this.k = k;
  }

  /** Counts one valid vote for `key`; votes after a decision are refused. */
  vote(key: string): RaceStatus {
    if (this.#winner !== undefined) throw new Error(`The race is already decided for \`${this.#winner}\``);
    const count = (this.#tally.get(key) ?? 0) + 1;
    this.#tally.set(key, count);
    this.#votes++;
    // Only the candidate just voted for can newly reach the margin.
    if (count >= this.k + this.#bestExcept(key)) {
      this.#winner = key;
      return { kind: 'decided', key };
    }
    return { kind: 'undecided', needed: this.needed() };
  }

  /** The winner, once decided. */
  get winner(): string | undefined {
    return this.#winner;
  }

  /** Valid votes counted so far. */
  get votes(): number {
    return this.#votes;
  }

  /** Votes per candidate key. */
  get tally(): ReadonlyMap<string, number> {
    return this.#tally;
  }

  /** The leader's margin over the runner-up (0 with no votes). */
  margin(): number {
    let first = 0;
    let second = 0;
    for (const count of this.#tally.values()) {
      if (count > first) {
        second = first;
        first = count;
      } else if (count > second) {
        second = count;
      }
    }
    return first - second;
  }

  /** The fewest further votes that could decide the race: k minus the leader's margin (0 once decided). */
  needed(): number {
    return this.#winner === undefined ? this.k - this.margin() : 0;
  }

  #bestExcept(key: string): number {
    let best = 0;
    for (const [other, count] of this.#tally) if (other !== key && count > best) best = count;
    return best;
  }
}
