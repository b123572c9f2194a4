/**
 * Compares a recording with the reference it should equal sample for sample (after an unknown
 * start offset): what the voice page sent upstream against the fixture resampled by sox.
 *
 * Chromium's fake capture device delivers 10 ms buffers (240 samples at 24 kHz). Now and then,
 * most often in the first second of capture and more often under load, Chromium inserts 10 ms of
 * silence (or loses a buffer), outside our pipeline. That shows as one step of exactly 240 samples
 * in the lag, the same for every second after it, and may spoil the one second it falls in. A
 * wrong resampling ratio drifts the lag by amounts that are not 240, and a 20 ms frame lost or
 * repeated by the page steps it by 480: `unexplained` counts those.
 */

/** One second of speech in the reference and how well the recording matches it. */
export interface Segment {
  /** Where it starts in the reference, in seconds. */
  at: number;
  /** Best Pearson correlation within ±25 ms of the whole-file alignment. */
  r: number;
  /** Offset into the recording at that best correlation, in samples. */
  lag: number;
}

export interface Comparison {
  /** The whole file's best single alignment, in samples (recording index − reference index). */
  lag0: number;
  segments: Segment[];
  /** Segments at r ≥ 0.95. */
  good: Segment[];
  /** Lag steps of one capture buffer (240 samples) between consecutive good segments. */
  steps: number;
  /** Lag steps between consecutive good segments that are neither 0 nor 240 samples. */
  unexplained: number;
  /** Correlation of the whole file, each 20 ms block on the allowed alignment that fits it best. */
  r: number;
}

export const RATE = 24000;
export const CAPTURE_BUFFER = 240;
const SEARCH = 600; // ±25 ms
const BLOCK = 480; // 20 ms
const SILENCE_RMS = 300;

/** Pearson correlation of a and b (same length). */
export function correlation(a: Float64Array, b: Float64Array): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) (ma += a[i]), (mb += b[i]);
  ma /= a.length;
  mb /= b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] - ma, y = b[i] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Sums of |sample| over 10 ms blocks. */
function envelope(s: Int16Array): Float64Array {
  const out = new Float64Array(Math.floor(s.length / CAPTURE_BUFFER));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let j = 0; j < CAPTURE_BUFFER; j++) sum += Math.abs(s[i * CAPTURE_BUFFER + j]);
    out[i] = sum;
  }
  return out;
}

/** The whole file's alignment: coarse on 10 ms envelopes (±1 s), then sample-exact. */
function wholeFileLag(want: Int16Array, got: Int16Array): number {
  const eg = envelope(got), ew = envelope(want);
  let coarse = 0, best = -Infinity;
  for (let lag = -100; lag <= 100; lag++) {
    let sum = 0;
    for (let i = 0; i < ew.length; i++) {
      const j = i + lag;
      if (j >= 0 && j < eg.length) sum += eg[j] * ew[i];
    }
    if (sum > best) (best = sum), (coarse = lag);
  }
  let bestR = -Infinity, lag0 = 0;
  const wa = new Float64Array(want.length), wb = new Float64Array(want.length);
  for (let lag = (coarse - 2) * CAPTURE_BUFFER; lag <= (coarse + 2) * CAPTURE_BUFFER; lag++) {
    const start = Math.max(0, -lag), end = Math.min(want.length, got.length - lag);
    const a = wa.subarray(0, end - start), b = wb.subarray(0, end - start);
    for (let i = start; i < end; i++) (a[i - start] = want[i]), (b[i - start] = got[i + lag]);
    const c = correlation(a, b);
    if (c > bestR) (bestR = c), (lag0 = lag);
  }
  return lag0;
}

/** Aligns `got` on `want` as a whole and second by second; see the module comment. */
export function compareRecording(want: Int16Array, got: Int16Array): Comparison {
  const lag0 = wholeFileLag(want, got);
  const segments: Segment[] = [];
  const a = new Float64Array(RATE), b = new Float64Array(RATE);
  for (
    let k = Math.max(0, -lag0);
    k + RATE <= want.length && k + lag0 + RATE <= got.length;
    k += RATE
  ) {
    let energy = 0;
    for (let i = k; i < k + RATE; i++) energy += want[i] * want[i];
    if (Math.sqrt(energy / RATE) < SILENCE_RMS) continue; // a pause: nothing to compare
    let best: Segment = { at: k / RATE, r: -1, lag: lag0 };
    for (let lag = lag0 - SEARCH; lag <= lag0 + SEARCH; lag++) {
      if (k + lag < 0 || k + lag + RATE > got.length) continue;
      for (let i = 0; i < RATE; i++) (a[i] = want[k + i]), (b[i] = got[k + lag + i]);
      const c = correlation(a, b);
      if (c > best.r) best = { at: k / RATE, r: c, lag };
    }
    segments.push(best);
  }
  const good = segments.filter((seg) => seg.r >= 0.95);
  let steps = 0, unexplained = 0;
  for (let i = 1; i < good.length; i++) {
    const d = Math.abs(good[i].lag - good[i - 1].lag);
    if (d <= 2) continue;
    if (Math.abs(d - CAPTURE_BUFFER) <= 2) steps++;
    else unexplained++;
  }
  // The whole file, each 20 ms block on whichever alignment fits it best among the good
  // seconds' and one capture buffer either side of them: a glitch then costs only the block it
  // falls in, even inside the second that it spoiled.
  const lags = [
    ...new Set(
      (good.length > 0 ? good.map((seg) => seg.lag) : [lag0])
        .flatMap((lag) => [lag - CAPTURE_BUFFER, lag, lag + CAPTURE_BUFFER]),
    ),
  ];
  const xs: number[] = [], ys: number[] = [];
  for (let k = 0; k + BLOCK <= want.length; k += BLOCK) {
    let best = Infinity, bestLag = NaN;
    for (const lag of lags) {
      if (k + lag < 0 || k + lag + BLOCK > got.length) continue;
      let error = 0;
      for (let i = k; i < k + BLOCK; i++) error += (want[i] - got[i + lag]) ** 2;
      if (error < best) (best = error), (bestLag = lag);
    }
    if (Number.isNaN(bestLag)) continue;
    for (let i = k; i < k + BLOCK; i++) xs.push(want[i]), ys.push(got[i + bestLag]);
  }
  const r = correlation(Float64Array.from(xs), Float64Array.from(ys));
  return { lag0, segments, good, steps, unexplained, r };
}

/**
 * Why `c` shows a fault of ours, or undefined when it does not: at most one capture-buffer step
 * between good seconds and one poorly matching second (the one a glitch falls in: often the
 * first second of capture, where Chromium inserted 10 ms of silence), no other lag step, and the
 * whole file at r ≥ 0.95.
 */
export function mismatch(c: Comparison): string | undefined {
  const detail = `segments ${JSON.stringify(c.segments)}`;
  if (c.segments.length < 5) return `only ${c.segments.length} speech seconds to compare`;
  if (c.unexplained > 0) return `the alignment moved by other than one capture buffer: ${detail}`;
  if (c.steps > 1) return `${c.steps} capture-buffer steps, at most one expected: ${detail}`;
  if (c.good.length < c.segments.length - 1) {
    return `${c.segments.length - c.good.length} speech seconds below r 0.95: ${detail}`;
  }
  if (c.r < 0.95) return `whole-file correlation ${c.r.toFixed(4)} below 0.95: ${detail}`;
  return undefined;
}
