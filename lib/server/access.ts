/**
 * Access codes (`ACCESS_CODES`): who may use the coach when the operator says not everyone.
 *
 * A visitor sends a code once (`POST /api/access`); a right one earns a cookie that holds a
 * random holder id and an expiry (30 days), signed with HMAC-SHA256 under `RELAY_SECRET`, so
 * every instance sharing the secret accepts it and nothing is stored server-side. The holder id
 * is who the budgets count when codes are on (the same person on another address is still one
 * client).
 *
 * Codes are compared in constant time: each try is compared with every configured code, over
 * the configured code's whole length, whatever matches, so the time taken says nothing about
 * how much of a code was right. Tries are rate-limited per client ({@linkcode AccessCodes.tries},
 * 5 a minute) so codes cannot be guessed quickly.
 *
 * Cookie format: `coach_access=base64url(JSON {v, h, exp}) "." base64url(HMAC)`, where `exp` is
 * in milliseconds since the epoch and the HMAC covers a domain label and the payload (a relay
 * ticket's signature can never pass as a cookie's).
 *
 * @module
 */
import type { Rate } from "./config.ts";
import { ClientLimiter } from "./client_limits.ts";
import { randomId, TokenSigner } from "./signed_token.ts";

/** Options of {@linkcode AccessCodes}. */
export interface AccessCodesOptions {
  /**
   * Lifetime of the cookie a right code earns, in seconds.
   * @default {2592000}
   */
  maxAgeSeconds?: number;
  /**
   * Tries per client (a token bucket).
   * @default {{ count: 5, windowMs: 60000, burst: 5 }}
   */
  tries?: Rate;
  /**
   * Clock for cookie expiry, milliseconds since the epoch.
   * @default {Date.now}
   */
  now?: () => number;
}

/** The cookie's name. */
export const ACCESS_COOKIE = "coach_access";

/** Default of {@linkcode AccessCodesOptions.maxAgeSeconds}: 30 days. */
export const DEFAULT_ACCESS_MAX_AGE_SECONDS = 30 * 24 * 3600;

/** Default of {@linkcode AccessCodesOptions.tries}: 5 a minute per client. */
export const DEFAULT_ACCESS_TRIES: Readonly<Rate> = Object.freeze({
  count: 5,
  windowMs: 60_000,
  burst: 5,
});

/** Longest code looked at; a longer try is wrong without being compared. */
export const MAX_ACCESS_CODE_LENGTH = 256;

/** Signed before the payload, so no other signature under the same secret verifies here. */
const SIGNING_LABEL = "coach-access-cookie.v1.";

const encoder = new TextEncoder();

/** The configured access codes, the cookie they earn, and the rate of tries. */
export class AccessCodes {
  /** Whether codes are configured (false: the service is open and nothing is checked). */
  readonly enabled: boolean;
  /** Lifetime of the cookie, in seconds. */
  readonly maxAgeSeconds: number;
  /** Tries per client; `take(client)` before each {@linkcode AccessCodes.check}. */
  readonly tries: ClientLimiter;
  #codes: Uint8Array[];
  #signer: TokenSigner;
  #now: () => number;

  /**
   * @throws {TypeError} when `secret` is empty
   * @throws {RangeError} when `maxAgeSeconds` is not an integer >= 1 or `tries` not a rate
   */
  constructor(codes: readonly string[], secret: string, options: AccessCodesOptions = {}) {
    if (typeof secret !== "string" || secret.length === 0) {
      throw new TypeError("Cannot set up access codes: the signing secret is empty");
    }
    const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_ACCESS_MAX_AGE_SECONDS;
    if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 1) {
      throw new RangeError(
        `Cannot set up access codes: maxAgeSeconds ${maxAgeSeconds} must be an integer >= 1`,
      );
    }
    this.#codes = codes.map((c) => c.trim()).filter(Boolean).map((c) => encoder.encode(c));
    this.enabled = this.#codes.length > 0;
    this.maxAgeSeconds = maxAgeSeconds;
    this.tries = new ClientLimiter(options.tries ?? DEFAULT_ACCESS_TRIES);
    this.#now = options.now ?? Date.now;
    this.#signer = new TokenSigner(secret, SIGNING_LABEL);
  }

  /**
   * Whether `code` (surrounding spaces ignored) is one of the configured codes, compared in
   * constant time with every one of them. Anything but a string is wrong.
   */
  check(code: unknown): boolean {
    if (typeof code !== "string") return false;
    const trimmed = code.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_ACCESS_CODE_LENGTH) return false;
    const given = encoder.encode(trimmed);
    let matched = 0;
    for (const expected of this.#codes) matched |= constantTimeEqual(given, expected) ? 1 : 0;
    return matched === 1;
  }

  /**
   * A `Set-Cookie` value that grants access for `maxAgeSeconds` to a new random holder:
   * `HttpOnly; SameSite=Strict; Path=/; Max-Age=…`, and `Secure` when `secure` (the page is
   * on https).
   */
  async issueCookie(secure: boolean): Promise<string> {
    const exp = this.#now() + this.maxAgeSeconds * 1000;
    const token = await this.#signer.sign({ v: 1, h: randomId(), exp });
    const attributes = ["HttpOnly", "SameSite=Strict", "Path=/", `Max-Age=${this.maxAgeSeconds}`];
    if (secure) attributes.push("Secure");
    return [`${ACCESS_COOKIE}=${token}`, ...attributes].join("; ");
  }

  /**
   * The holder id of a valid, unexpired access cookie in `cookieHeader` (a request's `Cookie`
   * header), or null when there is none.
   */
  async verifyCookie(cookieHeader: string | null): Promise<string | null> {
    if (!cookieHeader) return null;
    for (const part of cookieHeader.split(";")) {
      const eq = part.indexOf("=");
      if (eq < 0 || part.slice(0, eq).trim() !== ACCESS_COOKIE) continue;
      const holder = await this.#verifyValue(part.slice(eq + 1).trim());
      if (holder !== null) return holder;
    }
    return null;
  }

  async #verifyValue(value: string): Promise<string | null> {
    if (value.length > 1024) return null;
    const signed = await this.#signer.verify(value);
    if (!signed.ok) return null;
    const claims = signed.claims;
    if (claims.v !== 1 || typeof claims.h !== "string" || typeof claims.exp !== "number") {
      return null;
    }
    if (claims.exp <= this.#now() || claims.h.length === 0) return null;
    return claims.h;
  }
}

/**
 * Whether `given` equals `expected`, in a time that depends on `expected`'s length only: every
 * byte of `expected` is compared, whatever `given` holds.
 */
export function constantTimeEqual(given: Uint8Array, expected: Uint8Array): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= (given[i] | 0) ^ expected[i];
  return diff === 0;
}
