/**
 * Signed tokens, the shape of both the relay tickets and the access cookie:
 * `base64url(JSON claims) "." base64url(HMAC-SHA256(secret, label + payload))`. Nothing is stored:
 * whoever holds the secret can check a token, on any instance.
 *
 * A `label` is signed before the payload, so a token signed for one purpose never verifies for
 * another under the same secret.
 *
 * @module
 */

/** What {@linkcode TokenSigner.verify} found: the claims object, or why there is none. */
export type TokenCheck =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; reason: "malformed" | "forged" };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Signs claims into tokens and checks tokens, with one HMAC-SHA256 key. */
export class TokenSigner {
  #key: Promise<CryptoKey>;
  #label: string;

  /**
   * @param secret the HMAC key
   * @param label signed before every payload (empty: the payload alone is signed)
   */
  constructor(secret: string, label = "") {
    this.#label = label;
    this.#key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
  }

  /** A token carrying `claims` (any JSON-serializable object), signed. */
  async sign(claims: object): Promise<string> {
    const payload = toBase64Url(encoder.encode(JSON.stringify(claims)));
    const signature = new Uint8Array(
      await crypto.subtle.sign("HMAC", await this.#key, encoder.encode(this.#label + payload)),
    );
    return `${payload}.${toBase64Url(signature)}`;
  }

  /**
   * The claims of `token` when its signature is right: `malformed` when it is not two base64url
   * parts or its payload is not a JSON object, `forged` when the signature does not match. The
   * claims' fields are the caller's to check.
   */
  async verify(token: string): Promise<TokenCheck> {
    const [payload, signature, extra] = token.split(".");
    if (!payload || !signature || extra !== undefined) return { ok: false, reason: "malformed" };
    let signatureBytes: Uint8Array;
    let claims: unknown;
    try {
      signatureBytes = fromBase64Url(signature);
      claims = JSON.parse(decoder.decode(fromBase64Url(payload)));
    } catch {
      return { ok: false, reason: "malformed" };
    }
    const valid = await crypto.subtle.verify(
      "HMAC",
      await this.#key,
      signatureBytes as Uint8Array<ArrayBuffer>,
      encoder.encode(this.#label + payload),
    );
    if (!valid) return { ok: false, reason: "forged" };
    if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
      return { ok: false, reason: "malformed" };
    }
    return { ok: true, claims: claims as Record<string, unknown> };
  }
}

/** A random id of 16 bytes, base64url without padding (22 characters). */
export function randomId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}

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
