/**
 * A rate limit per client (tickets per address): one {@linkcode TokenBucket} per key, in a
 * map whose size is capped, so a stranger spraying addresses cannot grow it without end.
 *
 * The map is kept in least-recently-used order (a key used again moves to the end). Memory
 * is reclaimed two ways, with no timers:
 *
 * - each call looks at the two oldest buckets and drops those that have refilled: a full
 *   bucket is what a new client gets anyway, so forgetting it changes nothing;
 * - when a new key would pass `maxClients`, every full bucket is dropped; if that frees less
 *   than an eighth of the map, the least recently used buckets go too, down to seven eighths,
 *   so the next sweep is at least `maxClients / 8` new keys away (amortised O(1) per call).
 *
 * Only an attacker holding more than `maxClients` addresses within one refill period can
 * push an honest client's partly used bucket out early; that client then starts afresh
 * (a burst more, never a refusal it did not earn).
 *
 * @module
 */
import type { Rate } from "./config.ts";
import { TokenBucket } from "./token_bucket.ts";

/** Options of {@linkcode ClientLimiter}. */
export interface ClientLimiterOptions {
  /**
   * Most clients tracked at once (about 150 bytes each).
   * @default {10000}
   */
  maxClients?: number;
  /**
   * Clock in milliseconds.
   * @default {performance.now}
   */
  now?: () => number;
}

/** What {@linkcode ClientLimiter.take} decided. */
export type LimitDecision =
  | { ok: true }
  | {
    ok: false;
    /** Whole seconds until the client may try again (at least 1), for `retry-after`. */
    retryAfterSeconds: number;
  };

/** Default of {@linkcode ClientLimiterOptions.maxClients}. */
export const DEFAULT_MAX_CLIENTS = 10_000;

/** Buckets looked at, oldest first, on every call. */
const IDLE_CHECKS_PER_CALL = 2;

const ALLOWED: LimitDecision = Object.freeze({ ok: true });

/** A token bucket per client key, with bounded memory. */
export class ClientLimiter {
  readonly rate: Readonly<Rate>;
  readonly maxClients: number;
  #buckets = new Map<string, TokenBucket>();
  #capacity: number;
  #refillPerSecond: number;
  #now: () => number;

  /**
   * @throws {RangeError} when the rate is not positive or `maxClients` is not an integer ≥ 1
   */
  constructor(rate: Readonly<Rate>, options: ClientLimiterOptions = {}) {
    if (!(rate.count > 0) || !(rate.windowMs > 0) || !(rate.burst > 0)) {
      throw new RangeError(
        `Cannot make a client limiter: ${rate.count} per ${rate.windowMs} ms with a burst of ${rate.burst} is not a positive rate`,
      );
    }
    const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
    if (!Number.isInteger(maxClients) || maxClients < 1) {
      throw new RangeError(
        `Cannot make a client limiter: maxClients ${maxClients} must be an integer of at least 1`,
      );
    }
    this.rate = Object.freeze({ ...rate });
    this.maxClients = maxClients;
    this.#capacity = rate.burst;
    this.#refillPerSecond = rate.count / (rate.windowMs / 1000);
    this.#now = options.now ?? (() => performance.now());
  }

  /** Clients tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token from `key`'s bucket: allowed, or refused with when to retry. */
  take(key: string): LimitDecision {
    this.#dropIdle();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.maxClients) this.#makeRoom();
      bucket = new TokenBucket({
        capacity: this.#capacity,
        refillPerSecond: this.#refillPerSecond,
        now: this.#now,
      });
    } else {
      this.#buckets.delete(key); // re-inserted below: most recently used last
    }
    this.#buckets.set(key, bucket);
    if (bucket.take()) return ALLOWED;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(bucket.waitMs() / 1000)) };
  }

  /** Drops the oldest buckets while they are full (idle long enough to have refilled). */
  #dropIdle(): void {
    let checks = IDLE_CHECKS_PER_CALL;
    for (const [key, bucket] of this.#buckets) {
      if (checks-- === 0 || !this.#isFull(bucket)) break;
      this.#buckets.delete(key);
    }
  }

  #makeRoom(): void {
    for (const [key, bucket] of this.#buckets) {
      if (this.#isFull(bucket)) this.#buckets.delete(key);
    }
    const target = Math.floor(this.maxClients * 7 / 8);
    if (this.#buckets.size <= target) return;
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= target) break;
      this.#buckets.delete(key);
    }
  }

  #isFull(bucket: TokenBucket): boolean {
    return bucket.tokens >= this.#capacity;
  }
}

/** The limiter for `rate`, or null when the limit is off (`rate` null). */
export function clientLimiter(
  rate: Readonly<Rate> | null,
  options: ClientLimiterOptions = {},
): ClientLimiter | null {
  return rate === null ? null : new ClientLimiter(rate, options);
}
