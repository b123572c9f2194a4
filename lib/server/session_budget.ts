/**
 * How much of the day's budget a relay session may still use, as a clock the relay reads on
 * its watchdog tick (at least once a second): no timers of its own, nothing on the per-message
 * path. The store says how many seconds the client (and the service) have left when the session
 * starts, and again at each flush; in between, the session counts its own time.
 *
 * Two minutes before the end the relay sends `relay.budget` once; at the end it sends
 * `relay_budget_exhausted` and closes with 4008.
 *
 * @module
 */

/** The warning comes this long before the budget runs out. */
export const BUDGET_WARNING_SECONDS = 120;

export type BudgetTick =
  | { type: "warn"; secondsLeft: number }
  | { type: "exhausted" };

export class SessionBudget {
  /** When the budget runs out (ms, the caller's clock), or null for no budget. */
  #deadline: number | null;
  #warned = false;
  #exhausted = false;
  #lastTaken: number;

  /** `secondsLeft`: what the store says is left now (null: unlimited). */
  constructor(secondsLeft: number | null, now: number) {
    this.#deadline = secondsLeft === null ? null : now + Math.max(0, secondsLeft) * 1000;
    this.#lastTaken = now;
  }

  /** Seconds left at `now`, or null when unlimited. */
  secondsLeft(now: number): number | null {
    return this.#deadline === null ? null : Math.max(0, (this.#deadline - now) / 1000);
  }

  /** What is due at `now`: the one warning, then the end (each reported once). */
  tick(now: number): BudgetTick | null {
    const left = this.secondsLeft(now);
    if (left === null || this.#exhausted) return null;
    if (left <= 0) {
      this.#exhausted = true;
      return { type: "exhausted" };
    }
    if (!this.#warned && left <= BUDGET_WARNING_SECONDS) {
      this.#warned = true;
      return { type: "warn", secondsLeft: Math.ceil(left) };
    }
    return null;
  }

  /** Seconds of session time since the last call (what to add to the store). */
  takeSpent(now: number): number {
    const spent = Math.max(0, (now - this.#lastTaken) / 1000);
    this.#lastTaken = now;
    return spent;
  }

  /**
   * A fresh reading from the store (after this session's time was flushed): other sessions of
   * the same client may have spent meanwhile. A warning already sent is not sent again.
   */
  update(secondsLeft: number | null, now: number): void {
    this.#deadline = secondsLeft === null ? null : now + Math.max(0, secondsLeft) * 1000;
  }
}
