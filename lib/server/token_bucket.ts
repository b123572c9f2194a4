/**
 * A token bucket: up to `capacity` tokens at once, refilled continuously at `refillPerSecond`.
 * Every rate limit of the server is one (tickets per client, audio and events per session):
 * a burst is allowed, the average is capped.
 *
 * No timers: the level is brought up to date when it is read, so an idle bucket costs nothing.
 *
 * @module
 */

/** Options of {@linkcode TokenBucket}. */
export interface TokenBucketOptions {
  /** Most tokens held at once (the burst). */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  /**
   * Clock in milliseconds.
   * @default {performance.now}
   */
  now?: () => number;
}

/** Rounding slack: a refill of exactly one token must not come out as 0.9999999. */
const EPSILON = 1e-9;

export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  #tokens: number;
  #updatedAt: number;
  #now: () => number;

  /** @throws {RangeError} when `capacity` or `refillPerSecond` is not a positive number */
  constructor(options: TokenBucketOptions) {
    if (!(options.capacity > 0) || !(options.refillPerSecond > 0)) {
      throw new RangeError(
        `Cannot make a token bucket: capacity ${options.capacity} and refill ${options.refillPerSecond}/s must be positive`,
      );
    }
    this.capacity = options.capacity;
    this.refillPerSecond = options.refillPerSecond;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = options.capacity;
    this.#updatedAt = this.#now();
  }

  /** Tokens available now. */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Takes `cost` tokens when that many are available; returns whether it did. */
  take(cost = 1): boolean {
    this.#refill();
    if (this.#tokens + EPSILON < cost) return false;
    this.#tokens = Math.max(0, this.#tokens - cost);
    return true;
  }

  /**
   * Spends `cost` tokens whenever any are left, going into debt for the rest (a refused cost
   * larger than the capacity could never pass otherwise); returns whether it did. A debt is
   * paid back by the refill before anything else passes, so the average rate still holds.
   */
  spend(cost: number): boolean {
    this.#refill();
    if (this.#tokens <= EPSILON) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Milliseconds until `cost` tokens are available (0 when they are now). */
  waitMs(cost = 1): number {
    this.#refill();
    if (this.#tokens + EPSILON >= cost) return 0;
    return ((cost - this.#tokens) / this.refillPerSecond) * 1000;
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#updatedAt;
    this.#updatedAt = now;
    if (elapsed > 0) {
      this.#tokens = Math.min(
        this.capacity,
        this.#tokens + (elapsed / 1000) * this.refillPerSecond,
      );
    }
  }
}
