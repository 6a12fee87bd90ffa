/**
 * Budgets: caps on calls, tokens, dollars and wall time. The dispatcher asks before every call (retries
 * included). A call is refused unless the spend so far, plus the worst case of every call still in flight, plus
 * this call's worst case (its prompt and its full output cap, at its endpoint's prices) fits under every cap. So a
 * cap is overshot only when a server bills more than the worst case it was asked for (a tokenizer that counts
 * differently, an output cap it ignores), and the wall-time cap only by the calls in flight when it passes.
 * The first refusal is final: the run stops cleanly at the step it was on.
 */
import { InputError, type BudgetName } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';

/** Caps on what a run may spend. Every field is optional; an absent cap is no cap. */
export interface BudgetLimits {
  /** Most model calls, every attempt and retry included. @default unlimited */
  readonly calls?: number;
  /** Most tokens, prompt plus completion, as the servers report them. @default unlimited */
  readonly tokens?: number;
  /** Most US dollars at the endpoints' prices. @default unlimited */
  readonly dollars?: number;
  /** Most wall time, in seconds. @default unlimited */
  readonly seconds?: number;
}

/** What has been spent. */
export interface Spend {
  calls: number;
  tokens: number;
  dollars: number;
  seconds: number;
}

/** Spend against each cap, for summaries. */
export interface BudgetReport {
  readonly limits: BudgetLimits;
  readonly spent: Readonly<Spend>;
  /** The cap that stopped the run, if one did. */
  readonly exhausted: BudgetName | undefined;
}

/** The worst case of one call, reserved while it is in flight. */
export interface CallCost {
  readonly tokens: number;
  readonly dollars: number;
}

const NAMES = ['calls', 'tokens', 'dollars', 'seconds'] as const satisfies readonly BudgetName[];

/** Validates limits, quoting any bad value. */
export function validateBudgetLimits(limits: BudgetLimits): BudgetLimits {
  for (const name of NAMES) {
    const value = limits[name];
    if (value !== undefined && !(value >= 0 && Number.isFinite(value))) {
      throw new InputError(`Expected the \`${name}\` budget to be a number >= 0, got \`${value}\``);
    }
  }
  return limits;
}

/** A run's budget: caps, spend, and the calls in flight. */
export class Budget {
  readonly limits: BudgetLimits;
  readonly #clock: Clock;
  readonly #started: number;
  readonly #spent: Spend;
  #reservedTokens = 0;
  #reservedDollars = 0;
  #exhausted: BudgetName | undefined;

  constructor(limits: BudgetLimits, clock: Clock, alreadySpent: Partial<Spend> = {}) {
    this.limits = validateBudgetLimits(limits);
    this.#clock = clock;
    this.#started = clock();
    this.#spent = { calls: 0, tokens: 0, dollars: 0, seconds: 0, ...alreadySpent };
  }

  /** True when any cap is set. */
  get limited(): boolean {
    return NAMES.some((name) => this.limits[name] !== undefined);
  }

  /** The cap that refused a call, once one has. */
  get exhausted(): BudgetName | undefined {
    return this.#exhausted;
  }

  /** Spend so far (wall time up to now). */
  spent(): Spend {
    return { ...this.#spent, seconds: this.#spent.seconds + (this.#clock() - this.#started) / 1000 };
  }

  /**
   * Reserves one call of at most `worst` cost, or names the cap that refuses it (after which every call is
   * refused). A reserved call must later be {@link release}d.
   */
  reserve(worst: CallCost): BudgetName | undefined {
    if (this.#exhausted !== undefined) return this.#exhausted;
    const { calls, tokens, dollars, seconds } = this.limits;
    const spent = this.#spent;
    let refused: BudgetName | undefined;
    if (calls !== undefined && spent.calls + 1 > calls) refused = 'calls';
    else if (tokens !== undefined && spent.tokens + this.#reservedTokens + worst.tokens > tokens) refused = 'tokens';
    else if (dollars !== undefined && spent.dollars + this.#reservedDollars + worst.dollars > dollars) refused = 'dollars';
    else if (seconds !== undefined && this.spent().seconds >= seconds) refused = 'seconds';
    if (refused !== undefined) {
      this.#exhausted = refused;
      return refused;
    }
    spent.calls++;
    this.#reservedTokens += worst.tokens;
    this.#reservedDollars += worst.dollars;
    return undefined;
  }

  /** Ends a reserved call: releases its worst case. What the server reported is added with {@link record}. */
  release(worst: CallCost): void {
    this.#reservedTokens -= worst.tokens;
    this.#reservedDollars -= worst.dollars;
  }

  /** Counts a call made without a reservation (when no cap is set, the dispatcher only keeps the tally). */
  countCall(): void {
    this.#spent.calls++;
  }

  /** Adds what the server reported for a call. */
  record(tokens: number, dollars: number): void {
    this.#spent.tokens += tokens;
    this.#spent.dollars += dollars;
  }

  /** Limits, spend and the cap that stopped the run. */
  report(): BudgetReport {
    return { limits: this.limits, spent: this.spent(), exhausted: this.#exhausted };
  }
}
