// This module is browser compatible.
/**
 * Float samples ↔ PCM16 little-endian bytes.
 *
 * Scaling is by 32768 both ways, so every PCM16 value survives a round trip through float
 * exactly; +1.0 clamps to 32767. Packing writes through an `Int16Array` view, which is
 * little-endian on every platform browsers and Deno run on (checked at load; a big-endian host
 * falls back to `DataView`). That is several times faster than `DataView.setInt16`
 * (BENCHMARKS.md, "Packing and base64").
 *
 * @module
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Packs `samples` into `out` (one PCM16 value per sample), clamped to [-32768, 32767] and
 * rounded; NaN becomes 0. Allocates nothing: the real-time path uses this form.
 *
 * @throws {RangeError} when `out` is shorter than `samples`
 */
export function floatToPcm16Into(samples: Float32Array, out: Int16Array): void {
  const n = samples.length;
  if (out.length < n) {
    throw new RangeError(
      `Cannot pack PCM16: output holds ${out.length} samples but ${n} were given`,
    );
  }
  for (let i = 0; i < n; i++) {
    const v = Math.round(samples[i] * 32768);
    // Comparisons are false for NaN, so NaN falls through to `v | 0` = 0.
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v | 0;
  }
}

/** Packs float samples (nominally −1..1) as PCM16 little-endian bytes, clamped. */
export function floatToPcm16(samples: Float32Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  if (LITTLE_ENDIAN) {
    floatToPcm16Into(samples, new Int16Array(bytes.buffer));
  } else {
    const view = new DataView(bytes.buffer);
    const tmp = new Int16Array(samples.length);
    floatToPcm16Into(samples, tmp);
    for (let i = 0; i < tmp.length; i++) view.setInt16(i * 2, tmp[i], true);
  }
  return bytes;
}

/**
 * Unpacks PCM16 little-endian bytes into `out` as floats in [-1, 1). Allocates nothing.
 *
 * @throws {RangeError} when `bytes` has an odd length or `out` is too short
 */
export function pcm16ToFloatInto(bytes: Uint8Array, out: Float32Array): number {
  if (bytes.length % 2 !== 0) {
    throw new RangeError(
      `Cannot unpack PCM16: ${bytes.length} bytes is an odd length; PCM16 has 2 bytes per sample`,
    );
  }
  const n = bytes.length / 2;
  if (out.length < n) {
    throw new RangeError(`Cannot unpack PCM16: output holds ${out.length} samples but ${n} needed`);
  }
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) {
    const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = pcm[i] / 32768;
  } else {
    for (let i = 0; i < n; i++) {
      const lo = bytes[2 * i];
      const hi = bytes[2 * i + 1];
      out[i] = (((hi << 24) >> 16) | lo) / 32768;
    }
  }
  return n;
}

/** Unpacks PCM16 little-endian bytes into floats in [-1, 1). */
export function pcm16ToFloat(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length >> 1);
  pcm16ToFloatInto(bytes, out);
  return out;
}
