/**
 * Resume tokens: what lets a browser that lost its relay socket come back to the same
 * conversation. The relay hands one out in `relay.conversation` (after the upstream's
 * `session.updated`); `POST /api/session` with `{"resume_token"}` turns a valid one into a
 * ticket for that conversation, whose relay session replays the conversation's turns into its
 * new upstream.
 *
 * Format: `base64url(JSON {v: 1, conv, exp}) "." base64url(HMAC-SHA256(RELAY_SECRET,
 * "resume." payload))`: bound to one conversation id, valid {@linkcode RESUME_TTL_MS}, and
 * signed in its own domain (the `resume.` prefix), so a ticket is never a resume token nor the
 * other way round. A token may be used more than once within its life (each reconnect of a
 * flaky network); each session hands out a fresh one.
 *
 * @module
 */
import type { Config } from "./config.ts";
import { TokenSigner } from "./signed_token.ts";

/** How long a resume token is valid. */
export const RESUME_TTL_MS = 30 * 60 * 1000;
/** The longest token accepted (a real one is about 130 characters). */
const MAX_TOKEN_LENGTH = 512;

/** A token and its expiry. */
export interface ResumeToken {
  token: string;
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
}

/** What a checked token says. */
export type ResumeCheck =
  | { ok: true; conversationId: string }
  | { ok: false; reason: "malformed" | "forged" | "expired" };

/** Options of {@linkcode ResumeTokens}. */
export interface ResumeTokensOptions {
  /**
   * Clock, milliseconds since the epoch.
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * Lifetime of a token in milliseconds.
   * @default {RESUME_TTL_MS}
   */
  ttlMs?: number;
}

const CONVERSATION_ID = /^conv_[0-9A-Za-z]{1,64}$/;

/** Issues and checks resume tokens with one secret. */
export class ResumeTokens {
  #signer: TokenSigner;
  #now: () => number;
  #ttlMs: number;

  /** @throws {RangeError} when `ttlMs` is not a number > 0 */
  constructor(secret: string, options: ResumeTokensOptions = {}) {
    const ttlMs = options.ttlMs ?? RESUME_TTL_MS;
    if (!(ttlMs > 0)) {
      throw new RangeError(`Cannot make the resume tokens: ttlMs ${ttlMs} must be a number > 0`);
    }
    this.#ttlMs = ttlMs;
    this.#now = options.now ?? Date.now;
    this.#signer = new TokenSigner(secret, "resume.");
  }

  /**
   * A token for conversation `conversationId`, valid from now.
   *
   * @throws {TypeError} when `conversationId` is not a conversation id (`conv_…`)
   */
  async issue(conversationId: string): Promise<ResumeToken> {
    if (typeof conversationId !== "string" || !CONVERSATION_ID.test(conversationId)) {
      throw new TypeError(
        `Cannot issue a resume token: "${conversationId}" is not a conversation id (conv_…)`,
      );
    }
    const expiresAt = this.#now() + this.#ttlMs;
    const token = await this.#signer.sign({ v: 1, conv: conversationId, exp: expiresAt });
    return { token, expiresAt };
  }

  /** Checks `token`: the conversation it names when it is genuine and not expired. */
  async check(token: unknown): Promise<ResumeCheck> {
    if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) {
      return { ok: false, reason: "malformed" };
    }
    const signed = await this.#signer.verify(token);
    if (!signed.ok) return signed;
    const claims = signed.claims;
    if (
      claims.v !== 1 || typeof claims.conv !== "string" || !CONVERSATION_ID.test(claims.conv) ||
      typeof claims.exp !== "number"
    ) {
      return { ok: false, reason: "malformed" };
    }
    if (claims.exp <= this.#now()) return { ok: false, reason: "expired" };
    return { ok: true, conversationId: claims.conv };
  }
}

const byConfig = new WeakMap<Readonly<Config>, ResumeTokens>();

/** The resume tokens of a server's configuration (`RELAY_SECRET`), made once per config. */
export function resumeTokensFor(config: Readonly<Config>): ResumeTokens {
  let tokens = byConfig.get(config);
  if (!tokens) {
    tokens = new ResumeTokens(config.relaySecret);
    byConfig.set(config, tokens);
  }
  return tokens;
}

/**
 * The `relay.conversation` event the relay sends the browser (JSON text); after a rollover
 * with `"rollover": true` and, when given, its `reason` (`planned`, `expired` or `dropped`).
 */
export function conversationEvent(
  conversationId: string,
  token: ResumeToken,
  rollover: boolean,
  reason?: string,
): string {
  return JSON.stringify({
    type: "relay.conversation",
    conversation_id: conversationId,
    resume_token: token.token,
    expires_at: Math.floor(token.expiresAt / 1000),
    ...(rollover ? { rollover: true, ...(reason ? { reason } : {}) } : {}),
  });
}
