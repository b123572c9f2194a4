/**
 * The used-ticket ledger in Deno KV: a relay ticket opens one session, on whichever instance
 * it is presented. Redeeming is one atomic check-and-set on the ticket id's key ("absent, then
 * set"), so of any number of concurrent redeems of one id, on any instances sharing the store,
 * exactly one is `"ok"`. O(1) per redeem: the keys expire with their tickets (plus a margin for
 * clocks that disagree), nothing is pruned by hand.
 *
 * The ticket's signature and expiry are the issuer's to check (lib/server/tickets.ts); the
 * ledger only answers "was this id used before". KV keeps an expired key visible for up to
 * about a minute after it expires, which only matters for tickets the issuer already refuses as
 * expired.
 *
 * @module
 */

/** What {@linkcode TicketLedger.redeem} found. */
export type RedeemResult = "ok" | "reused";

/** Options of {@linkcode TicketLedger}. */
export interface TicketLedgerOptions {
  /**
   * Clock, milliseconds since the epoch (shared with the instances that issue tickets).
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * How much longer than its ticket a used id is kept, so an instance whose clock runs behind
   * by less than this still refuses a replay.
   * @default {30000}
   */
  skewMs?: number;
}

/** Default of {@linkcode TicketLedgerOptions.skewMs}. */
export const DEFAULT_TICKET_SKEW_MS = 30_000;

/** Where used ticket ids live: `["tickets", "used", id]`. */
export const USED_TICKETS_PREFIX: Deno.KvKey = ["tickets", "used"];

/** The longest ticket id accepted (the issuer's are 22 characters). */
const MAX_ID_LENGTH = 256;

/** Used ticket ids, shared by every instance on one KV store. */
export class TicketLedger {
  #kv: Deno.Kv;
  #now: () => number;
  #skewMs: number;

  /** @throws {RangeError} when `skewMs` is negative or not a number */
  constructor(kv: Deno.Kv, options: TicketLedgerOptions = {}) {
    const skewMs = options.skewMs ?? DEFAULT_TICKET_SKEW_MS;
    if (!(skewMs >= 0) || !Number.isFinite(skewMs)) {
      throw new RangeError(`Cannot make a ticket ledger: skewMs ${skewMs} must be a number >= 0`);
    }
    this.#kv = kv;
    this.#now = options.now ?? Date.now;
    this.#skewMs = skewMs;
  }

  /**
   * Marks ticket `id` used, unless it was: `"ok"` the first time, `"reused"` after. The mark
   * expires `skewMs` after `expiresAtMs`.
   *
   * @throws {TypeError} when `id` is not a non-empty string of at most 256 characters
   * @throws {RangeError} when `expiresAtMs` is not a finite number
   * @throws {Error} when the store fails ("Cannot redeem the ticket: …"); refuse the session
   */
  async redeem(id: string, expiresAtMs: number): Promise<RedeemResult> {
    if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH) {
      throw new TypeError(
        `Cannot redeem the ticket: its id must be a string of 1 to ${MAX_ID_LENGTH} characters`,
      );
    }
    if (!Number.isFinite(expiresAtMs)) {
      throw new RangeError(
        `Cannot redeem the ticket: its expiry ${expiresAtMs} is not a time in milliseconds`,
      );
    }
    const key = [...USED_TICKETS_PREFIX, id];
    const expireIn = Math.max(0, expiresAtMs - this.#now()) + this.#skewMs;
    let result: Deno.KvCommitResult | Deno.KvCommitError;
    try {
      result = await this.#kv.atomic()
        .check({ key, versionstamp: null })
        .set(key, 1, { expireIn: Math.max(1, Math.ceil(expireIn)) })
        .commit();
    } catch (error) {
      throw new Error(
        `Cannot redeem the ticket: the KV store failed (${
          error instanceof Error ? error.message : String(error)
        }); refuse the session and let the client retry`,
        { cause: error },
      );
    }
    return result.ok ? "ok" : "reused";
  }
}
