/**
 * A token bucket: `perMinute` units refill continuously, up to `burst` held at once. One bucket limits an
 * endpoint's requests per minute, another its tokens per minute. Takers are served first come, first served;
 * a take larger than the burst waits for a full bucket and leaves it in debt, so it is never refused.
 */
import { InputError } from '../core/errors.ts';
import { realClock, realSleep, type Clock, type Sleep } from '../core/clock.ts';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Units per minute. */
  readonly perMinute: number;
  /** Most units held at once. @default a tenth of `perMinute`, at least 1 */
  readonly burst?: number;
  /** @default the real monotonic clock */
  readonly clock?: Clock;
  /** @default a real timer */
  readonly sleep?: Sleep;
}

/** A rate limit as a token bucket. */
export class TokenBucket {
  readonly perMinute: number;
  readonly burst: number;
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #perMs: number;
  #level: number;
  #last: number;
  #tail: Promise<void> = Promise.resolve();

  constructor(options: TokenBucketOptions) {
    if (!(options.perMinute > 0 && Number.isFinite(options.perMinute))) {
      throw new InputError(`Expected \`perMinute\` to be a number > 0, got \`${options.perMinute}\``);
    }
    this.perMinute = options.perMinute;
    this.burst = options.burst ?? Math.max(1, options.perMinute / 10);
    if (!(this.burst > 0)) throw new InputError(`Expected \`burst\` to be a number > 0, got \`${this.burst}\``);
    this.#clock = options.clock ?? realClock;
    this.#sleep = options.sleep ?? realSleep;
    this.#perMs = options.perMinute / 60_000;
    this.#level = this.burst;
    this.#last = this.#clock();
  }

  /** Units available now. */
  available(): number {
    this.#refill();
    return this.#level;
  }

  /** Waits until `amount` units are available and takes them. Rejects if `signal` aborts while waiting. */
  take(amount: number, signal?: AbortSignal): Promise<void> {
    const run = async () => {
      for (;;) {
        this.#refill();
        const need = Math.min(amount, this.burst);
        if (this.#level >= need) {
          this.#level -= amount;
          return;
        }
        await this.#sleep(Math.ceil((need - this.#level) / this.#perMs), signal);
      }
    };
    const next = this.#tail.then(run);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Gives back units taken but not used (an estimate that came out high). */
  refund(amount: number): void {
    this.#refill();
    this.#level = Math.min(this.burst, this.#level + amount);
  }

  #refill(): void {
    const now = this.#clock();
    this.#level = Math.min(this.burst, this.#level + (now - this.#last) * this.#perMs);
    this.#last = now;
  }
}
