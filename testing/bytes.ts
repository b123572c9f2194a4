/**
 * Byte and sample arrays for tests and tools: joining them, random bytes of any length, and
 * the bytes under a typed array.
 *
 * @module
 */

/** A typed array of numbers that can be joined with its own kind. */
export type NumberArray = Uint8Array | Int16Array | Float32Array | Float64Array;

/**
 * `parts` joined into one new array of the same kind (a `Uint8Array` when `parts` is empty).
 *
 * ```ts
 * concat([new Uint8Array([1]), new Uint8Array([2, 3])]); // Uint8Array [1, 2, 3]
 * ```
 */
export function concat<T extends NumberArray>(parts: readonly T[]): T {
  const length = parts.reduce((n, part) => n + part.length, 0);
  const Kind = (parts[0]?.constructor ?? Uint8Array) as new (length: number) => T;
  const out = new Kind(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part as ArrayLike<number>, offset);
    offset += part.length;
  }
  return out;
}

/** The most `crypto.getRandomValues` fills in one call. */
const MAX_RANDOM_CHUNK = 65_536;

/** `length` random bytes (any length: filled in chunks). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += MAX_RANDOM_CHUNK) {
    crypto.getRandomValues(out.subarray(i, Math.min(length, i + MAX_RANDOM_CHUNK)));
  }
  return out;
}

/** The bytes `samples` is a view of (no copy): PCM16 samples as the wire carries them. */
export function bytesOf(samples: Int16Array | Float32Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}
