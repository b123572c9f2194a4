// This module is browser compatible.
/**
 * Base64 (RFC 4648 §4, standard alphabet, padded) for audio bytes.
 *
 * Uses the native `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64` where the runtime
 * has them (Deno 2.9, Chrome 140, Firefox 133, Safari 18.2): far faster than
 * `btoa(String.fromCharCode(...))` (BENCHMARKS.md, "Packing and base64"). Elsewhere a table-based fallback with the same semantics
 * as the native "loose" decoder: ASCII whitespace is ignored, padding is optional but must be
 * complete when present, and a lone final character is an error.
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ENCODE = new TextEncoder().encode(ALPHABET);
/** Character code → 6-bit value, or 255 when not in the alphabet. */
const DECODE = new Uint8Array(256).fill(255);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const PAD = 61; // "="

interface NativeBase64 {
  toBase64?: (this: Uint8Array) => string;
}
interface NativeBase64Constructor {
  fromBase64?: (text: string) => Uint8Array;
}
const nativeToBase64 = (Uint8Array.prototype as NativeBase64).toBase64;
const nativeFromBase64 = (Uint8Array as unknown as NativeBase64Constructor).fromBase64;

/** Encodes bytes as padded standard base64, honouring a view's offset and length. */
export function encodeBase64(bytes: Uint8Array): string {
  return nativeToBase64 ? nativeToBase64.call(bytes) : encodeBase64Fallback(bytes);
}

/**
 * Decodes standard base64 (padding optional, ASCII whitespace ignored).
 *
 * @throws {SyntaxError} when `text` is not valid base64
 */
export function decodeBase64(text: string): Uint8Array {
  return nativeFromBase64 ? nativeFromBase64(text) : decodeBase64Fallback(text);
}

/**
 * The number of bytes `text` decodes to, checking it exactly as {@linkcode decodeBase64} does
 * but without building the bytes: for a relay that forwards the text and only needs to know
 * the audio is whole. `atob` (native in browsers and Deno) accepts and rejects the same texts
 * as the native "loose" decoder, and is much faster than `fromBase64` for a 20 ms frame.
 *
 * @throws {SyntaxError} when `text` is not valid base64
 */
export function base64ByteLength(text: string): number {
  if (typeof atob !== "function") return decodeBase64(text).length;
  try {
    return atob(text).length;
  } catch {
    throw new SyntaxError(`Cannot decode base64: ${text.length} characters are not valid base64`);
  }
}

/** The table-based encoder used where the runtime has no native one. Exported for tests. */
export function encodeBase64Fallback(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = ENCODE[v >> 18];
    out[o++] = ENCODE[(v >> 12) & 63];
    out[o++] = ENCODE[(v >> 6) & 63];
    out[o++] = ENCODE[v & 63];
  }
  if (i < n) {
    const two = i + 1 < n;
    const v = (bytes[i] << 16) | (two ? bytes[i + 1] << 8 : 0);
    out[o++] = ENCODE[v >> 18];
    out[o++] = ENCODE[(v >> 12) & 63];
    out[o++] = two ? ENCODE[(v >> 6) & 63] : PAD;
    out[o++] = PAD;
  }
  return new TextDecoder().decode(out);
}

function isAsciiWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

/** The table-based decoder used where the runtime has no native one. Exported for tests. */
export function decodeBase64Fallback(text: string): Uint8Array {
  // First pass: the 6-bit values, whitespace dropped, padding counted.
  const values = new Uint8Array(text.length);
  let count = 0;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isAsciiWhitespace(code)) continue;
    if (code === PAD) {
      padding++;
      continue;
    }
    const value = code < 256 ? DECODE[code] : 255;
    if (value === 255 || padding > 0) {
      throw new SyntaxError(
        `Cannot decode base64: invalid character ${JSON.stringify(text[i])} at index ${i}`,
      );
    }
    values[count++] = value;
  }
  const tail = count % 4;
  if (tail === 1 || padding > 2 || (padding > 0 && padding !== 4 - tail)) {
    throw new SyntaxError(
      `Cannot decode base64: ${count} characters with ${padding} padding is not a whole number of bytes`,
    );
  }
  const out = new Uint8Array(Math.floor((count * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 3 < count; i += 4) {
    const v = (values[i] << 18) | (values[i + 1] << 12) | (values[i + 2] << 6) | values[i + 3];
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
    out[o++] = v & 255;
  }
  if (tail >= 2) {
    const v = (values[i] << 18) | (values[i + 1] << 12) | (tail === 3 ? values[i + 2] << 6 : 0);
    out[o++] = v >> 16;
    if (tail === 3) out[o++] = (v >> 8) & 255;
  }
  return out;
}
