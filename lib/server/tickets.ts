/**
 * Relay tickets: short-lived, single-use, HMAC-SHA256-signed tokens that let a page open one
 * relay WebSocket. The page gets one from `POST /api/session` and passes it as
 * `?ticket=` (browsers cannot set headers on a WebSocket).
 *
 * Format: `base64url(JSON {v, id, exp, c}) "." base64url(HMAC(secret, payload))`, where `c` is
 * the client the ticket was issued to (`holder:<id>` or `addr:<address>`): the relay counts
 * that client's sessions and budget, wherever the socket comes from.
 * A resumed session's ticket also carries `conv`, the conversation it goes on (`resume.ts`).
 *
 * Single use is checked in a {@linkcode TicketRedeemer}, the KV ledger shared by every instance
 * (lib/server/store/tickets.ts): with a shared `RELAY_SECRET`, a ticket issued on one instance
 * opens one session on any of them, once.
 *
 * @module
 */
import { randomId, TokenSigner } from "./signed_token.ts";

export type TicketCheck =
  | { ok: true; id: string; client: string; conversation: string | null }
  | { ok: false; reason: "missing" | "malformed" | "forged" | "expired" | "reused" };

/** Where used ticket ids are kept: `"ok"` the first time an id is redeemed, `"reused"` after. */
export interface TicketRedeemer {
  /**
   * Marks `id` (valid until `expiresAtMs`) used.
   * @throws {Error} when the store fails: the ticket is then neither accepted nor refused
   */
  redeem(id: string, expiresAtMs: number): Promise<"ok" | "reused">;
}

/** Options of {@linkcode TicketIssuer}. */
export interface TicketIssuerOptions {
  /** Lifetime of a ticket, in seconds. */
  ttlSeconds: number;
  /** Where used ticket ids are kept (the KV ledger, or a wrapper that times it out). */
  ledger: TicketRedeemer;
  /**
   * Clock, milliseconds since the epoch.
   * @default {Date.now}
   */
  now?: () => number;
}

/** The longest client key a ticket carries. */
const MAX_CLIENT_LENGTH = 512;

export interface Ticket {
  ticket: string;
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
}

export class TicketIssuer {
  #signer: TokenSigner;
  #ttlMs: number;
  #now: () => number;
  #ledger: TicketRedeemer;

  /** @throws {RangeError} when `ttlSeconds` is not a number > 0 */
  constructor(secret: string, options: TicketIssuerOptions) {
    if (!(options.ttlSeconds > 0)) {
      throw new RangeError(
        `Cannot make the ticket issuer: ttlSeconds ${options.ttlSeconds} must be a number > 0`,
      );
    }
    this.#ttlMs = options.ttlSeconds * 1000;
    this.#ledger = options.ledger;
    this.#now = options.now ?? Date.now;
    this.#signer = new TokenSigner(secret);
  }

  /**
   * A ticket for `client` (`holder:<id>` or `addr:<address>`), signed; with `conversation`, it
   * opens a session that goes on that conversation (a resume).
   *
   * @throws {TypeError} when `client` is not a string of 1 to 512 characters
   */
  async issue(client: string, conversation: string | null = null): Promise<Ticket> {
    if (typeof client !== "string" || client.length === 0 || client.length > MAX_CLIENT_LENGTH) {
      throw new TypeError(
        `Cannot issue a ticket: the client must be a string of 1 to ${MAX_CLIENT_LENGTH} characters`,
      );
    }
    const id = randomId();
    const expiresAt = this.#now() + this.#ttlMs;
    const claims = { v: 1, id, exp: expiresAt, c: client };
    const ticket = await this.#signer.sign(
      conversation === null ? claims : { ...claims, conv: conversation },
    );
    return { ticket, expiresAt };
  }

  /**
   * Verifies a ticket and, when valid, marks it used in the ledger.
   *
   * @throws {Error} when the ledger fails (refuse the session as the store's fault, not the
   *   ticket's)
   */
  async redeem(ticket: string | null): Promise<TicketCheck> {
    if (!ticket) return { ok: false, reason: "missing" };
    const signed = await this.#signer.verify(ticket);
    if (!signed.ok) return signed;
    const claims = signed.claims;
    if (
      claims.v !== 1 ||
      typeof claims.id !== "string" || claims.id.length === 0 ||
      typeof claims.exp !== "number" || typeof claims.c !== "string" || claims.c.length === 0
    ) {
      return { ok: false, reason: "malformed" };
    }
    if (claims.exp <= this.#now()) return { ok: false, reason: "expired" };
    if (await this.#ledger.redeem(claims.id, claims.exp) === "reused") {
      return { ok: false, reason: "reused" };
    }
    const conversation = typeof claims.conv === "string" ? claims.conv : null;
    return { ok: true, id: claims.id, client: claims.c, conversation };
  }
}
