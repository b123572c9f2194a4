/**
 * The seed's resampler, kept only as a benchmark baseline: linear interpolation computed
 * independently for each chunk (no state, so chunk boundaries click), with `Math.floor` per
 * output sample and a new `Float32Array` per call. Do not use it in the app; use
 * `lib/shared/resampler.ts`.
 *
 * @module
 */

/**
 * Resample one chunk by linear interpolation, as the seed's `resampleFloat32To24k` did,
 * generalised to any output rate.
 */
export function resampleLinear(
  inData: Float32Array,
  inRate: number,
  outRate: number,
): Float32Array {
  if (inRate === outRate) return inData;
  const ratio = outRate / inRate;
  const outLen = Math.floor(inData.length * ratio);
  const out = new Float32Array(outLen);
  for (let i = 0; i < outLen; i++) {
    const pos = i / ratio;
    const i0 = Math.floor(pos);
    const i1 = Math.min(i0 + 1, inData.length - 1);
    const t = pos - i0;
    out[i] = inData[i0] * (1 - t) + inData[i1] * t;
  }
  return out;
}
