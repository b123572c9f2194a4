/**
 * When to reconnect after the relay socket goes away: capped exponential backoff with jitter,
 * a cooldown after a burst of failures, and no retry at all after a fatal failure.
 *
 * A reconnect storm is what users of voice relays lose calls to (one public agent framework
 * retried every 300 ms forever on a quota error). So:
 * - the n-th consecutive retry waits `min(maxMs, baseMs · 2ⁿ)`, with "equal jitter" (half fixed,
 *   half random) so that many clients dropped together do not come back together;
 * - a connection only counts as recovered once it stayed up `stableMs`: one that opens and
 *   drops at once keeps growing the backoff;
 * - after `burst` consecutive failures the next wait is `cooldownMs`;
 * - fatal failures never retry: the server refused who we are (HTTP 401/403, close 3000 auth,
 *   4000 invalid request), the session was ended on purpose (1000), or the day's budget is
 *   spent (close 4008, or a 429 whose code is `relay_budget_exhausted`). A relay that dropped
 *   a stalled browser (1008) may be retried, and so may a 429 from the ticket rate limit, no
 *   sooner than its `retry-after`.
 *
 * @module
 */
import { BUDGET_CLOSE_CODE, BUDGET_EXHAUSTED } from "./relay_events.ts";

/** How a connection ended, as far as the browser can tell. */
export type Disconnect =
  | { type: "close"; code: number; reason?: string }
  | {
    type: "http";
    status: number;
    /** The error code the server named in its JSON body, if any. */
    code?: string | null;
    /** The server's `retry-after`, in seconds, if any. */
    retryAfterSeconds?: number | null;
    /** When a spent budget comes back (ms since the epoch), for a budget refusal. */
    resetsAt?: number | null;
  }
  | { type: "network" };

export type RetryDecision =
  | { retry: true; delayMs: number; attempt: number }
  | { retry: false; reason: string; cause: Disconnect };

export interface ReconnectOptions {
  /** First retry delay. @default 500 */
  baseMs?: number;
  /** Largest backoff delay. @default 8000 */
  maxMs?: number;
  /** Uptime after which a connection counts as recovered. @default 10000 */
  stableMs?: number;
  /** Consecutive failures before a cooldown. @default 6 */
  burst?: number;
  /** The wait after a burst of failures. @default 30000 */
  cooldownMs?: number;
  /** Random source in [0, 1), replaceable for tests. @default Math.random */
  random?: () => number;
}

/** Close codes after which reconnecting cannot help. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  1000,
  3000,
  4000,
  BUDGET_CLOSE_CODE,
]);
/** HTTP statuses after which reconnecting cannot help. */
export const FATAL_HTTP_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404]);

export function isFatal(cause: Disconnect): boolean {
  switch (cause.type) {
    case "close":
      return FATAL_CLOSE_CODES.has(cause.code);
    case "http":
      return FATAL_HTTP_STATUSES.has(cause.status) ||
        (cause.status === 429 && cause.code === BUDGET_EXHAUSTED);
    case "network":
      return false;
    default: {
      const unknown: never = cause;
      throw new TypeError(`Unknown disconnect ${JSON.stringify(unknown)}`);
    }
  }
}

export class ReconnectPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly stableMs: number;
  readonly burst: number;
  readonly cooldownMs: number;
  #random: () => number;
  #failures = 0;
  #connectedAt: number | null = null;

  constructor(options: ReconnectOptions = {}) {
    this.baseMs = options.baseMs ?? 500;
    this.maxMs = options.maxMs ?? 8000;
    this.stableMs = options.stableMs ?? 10_000;
    this.burst = options.burst ?? 6;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.#random = options.random ?? Math.random;
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Call when a connection opens (`now` in ms). */
  connected(now: number): void {
    this.#connectedAt = now;
  }

  /** Call when a connection ends or fails to open; says whether and when to retry. */
  disconnected(now: number, cause: Disconnect): RetryDecision {
    if (isFatal(cause)) {
      this.#connectedAt = null;
      return { retry: false, reason: describe(cause), cause };
    }
    if (this.#connectedAt !== null && now - this.#connectedAt >= this.stableMs) this.#failures = 0;
    this.#connectedAt = null;
    const attempt = ++this.#failures;
    if (attempt > this.burst && (attempt - 1) % this.burst === 0) {
      return { retry: true, delayMs: this.cooldownMs, attempt };
    }
    const exponent = Math.min(attempt - 1, 30);
    const cap = Math.min(this.maxMs, this.baseMs * 2 ** exponent);
    const jittered = Math.round(cap / 2 + this.#random() * (cap / 2));
    // The server said when to come back: never sooner.
    const asked = cause.type === "http" ? (cause.retryAfterSeconds ?? 0) * 1000 : 0;
    const delayMs = Math.max(jittered, asked);
    return { retry: true, delayMs, attempt };
  }

  /** Forget past failures (a user pressed Retry). */
  reset(): void {
    this.#failures = 0;
    this.#connectedAt = null;
  }
}

function describe(cause: Disconnect): string {
  switch (cause.type) {
    case "close":
      return `the server closed the session (${cause.code}${
        cause.reason ? `: ${cause.reason}` : ""
      })`;
    case "http":
      return `the server refused the connection (HTTP ${cause.status})`;
    case "network":
      return "the network failed";
  }
}
