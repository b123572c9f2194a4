/**
 * The seed's packing and base64, kept only as benchmark baselines (see SEED notes in
 * BENCHMARKS.md): a `DataView.setInt16` per sample, and `btoa(String.fromCharCode(...))`.
 * Do not use them in the app; use `lib/shared/pcm16.ts` and `lib/shared/base64.ts`.
 *
 * @module
 */

/** The seed's `packPCM16LE`. */
export function packPcm16Seed(floatMono: Float32Array): Uint8Array {
  const buf = new ArrayBuffer(floatMono.length * 2);
  const view = new DataView(buf);
  for (let i = 0; i < floatMono.length; i++) {
    const s = Math.max(-1, Math.min(1, floatMono[i]));
    view.setInt16(i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
  }
  return new Uint8Array(buf);
}

/** The seed's `u8ToBase64`. */
export function base64Seed(u8: Uint8Array): string {
  let s = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < u8.length; i += CHUNK) {
    s += String.fromCharCode(...u8.subarray(i, i + CHUNK));
  }
  return btoa(s);
}
