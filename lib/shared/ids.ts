// This module is browser compatible.
/**
 * Identifiers in the shape the Realtime API mints them: a prefix (`event`, `item`, `resp`,
 * `sess` or `conv`), an underscore and 21 base62 characters (docs/protocol.md §3.1), e.g.
 * `event_BxR0kq2Yt7mZpW4nLc9sD`. The relay names its own sessions the same way with the
 * prefix `relay` (they name logs and recordings, and are never sent as a Realtime id).
 *
 * @module
 */

/** The kinds of object the server names, and `relay` for the relay's own sessions. */
export type IdPrefix = "event" | "item" | "resp" | "sess" | "conv" | "relay";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Random characters after the prefix, as in observed server ids. */
export const ID_RANDOM_LENGTH = 21;
/**
 * Bytes at or above this value are thrown away: 248 = 4 × 62 is the largest multiple of the
 * alphabet size that fits in a byte, so `byte % 62` over the bytes kept is exactly uniform
 * (plain `byte % 62` over all 256 values would favour the first eight characters by 25%).
 */
const UNBIASED_LIMIT = 248;

/**
 * Returns a fresh id such as `item_3fKq0ZP8sW1bNcx7LmRtA`, drawn from `crypto.getRandomValues`
 * (about 125 bits of randomness).
 */
export function newId(prefix: IdPrefix): string {
  let id = prefix + "_";
  let missing = ID_RANDOM_LENGTH;
  while (missing > 0) {
    // A few spare bytes so one draw almost always suffices (each byte is kept with p = 31/32).
    const bytes = crypto.getRandomValues(new Uint8Array(missing + 4));
    for (let i = 0; i < bytes.length && missing > 0; i++) {
      const byte = bytes[i];
      if (byte < UNBIASED_LIMIT) {
        id += ALPHABET[byte % ALPHABET.length];
        missing--;
      }
    }
  }
  return id;
}
