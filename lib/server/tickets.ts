/**
 * Relay tickets: short-lived, single-use, HMAC-SHA256-signed tokens that let a page open one
 * relay WebSocket. The page gets one from `POST /api/session` and passes it as
 * `?ticket=` (browsers cannot set headers on a WebSocket).
 *
 * Format: `base64url(JSON {v, id, exp}) "." base64url(HMAC(secret, payload))`.
 * Single use is enforced in this process's memory: with several instances behind one site,
 * set a shared `RELAY_SECRET` and route a client's ticket and socket to the same instance
 * (or accept that a ticket could be replayed once per instance within its lifetime).
 *
 * @module
 */

export type TicketCheck =
  | { ok: true; id: string }
  | { ok: false; reason: "missing" | "malformed" | "forged" | "expired" | "reused" };

export interface Ticket {
  ticket: string;
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
}

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  return (bytes as Uint8Array & { toBase64(o: object): string }).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
}

function fromBase64Url(text: string): Uint8Array {
  return (Uint8Array as unknown as { fromBase64(t: string, o: object): Uint8Array }).fromBase64(
    text,
    { alphabet: "base64url", lastChunkHandling: "loose" },
  );
}

export class TicketIssuer {
  #key: Promise<CryptoKey>;
  #ttlMs: number;
  #now: () => number;
  /** Ticket id → expiry, for the ones already used (pruned as they expire). */
  #used = new Map<string, number>();

  constructor(secret: string, options: { ttlSeconds: number; now?: () => number }) {
    this.#ttlMs = options.ttlSeconds * 1000;
    this.#now = options.now ?? Date.now;
    this.#key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
  }

  async issue(): Promise<Ticket> {
    const id = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
    const expiresAt = this.#now() + this.#ttlMs;
    const payload = toBase64Url(encoder.encode(JSON.stringify({ v: 1, id, exp: expiresAt })));
    const signature = new Uint8Array(
      await crypto.subtle.sign("HMAC", await this.#key, encoder.encode(payload)),
    );
    return { ticket: `${payload}.${toBase64Url(signature)}`, expiresAt };
  }

  /** Verifies a ticket and, when valid, marks it used. */
  async redeem(ticket: string | null): Promise<TicketCheck> {
    if (!ticket) return { ok: false, reason: "missing" };
    const [payload, signature, extra] = ticket.split(".");
    if (!payload || !signature || extra !== undefined) return { ok: false, reason: "malformed" };
    let signatureBytes: Uint8Array;
    let claims: { v?: unknown; id?: unknown; exp?: unknown };
    try {
      signatureBytes = fromBase64Url(signature);
      claims = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)));
    } catch {
      return { ok: false, reason: "malformed" };
    }
    const valid = await crypto.subtle.verify(
      "HMAC",
      await this.#key,
      signatureBytes as Uint8Array<ArrayBuffer>,
      encoder.encode(payload),
    );
    if (!valid) return { ok: false, reason: "forged" };
    if (claims.v !== 1 || typeof claims.id !== "string" || typeof claims.exp !== "number") {
      return { ok: false, reason: "malformed" };
    }
    const now = this.#now();
    if (claims.exp <= now) return { ok: false, reason: "expired" };
    this.#prune(now);
    if (this.#used.has(claims.id)) return { ok: false, reason: "reused" };
    this.#used.set(claims.id, claims.exp);
    return { ok: true, id: claims.id };
  }

  #prune(now: number): void {
    for (const [id, exp] of this.#used) {
      if (exp <= now) this.#used.delete(id);
    }
  }
}
