// This module is browser compatible.
/**
 * Pitch tools for {@linkcode analyzeDelivery}: a lowpass decimator and a YIN period estimator
 * (de Cheveigné & Kawahara, 2002) over a mono `Float32Array` stream.
 *
 * Both are plain loops over preallocated buffers: nothing is allocated per sample or per frame.
 *
 * @module
 */

/** Butterworth Q of the two biquad sections of a 4th-order lowpass. */
const BUTTERWORTH_Q = [0.5411961001461971, 1.3065629648763766] as const;

/**
 * Lowpasses `input` with a 4th-order Butterworth filter at `cutoffHz` (given at `rate`) and
 * writes every `factor`-th filtered sample into `out`, from `input[factor - 1]` on.
 *
 * @returns the number of samples written: `floor(input.length / factor)`, capped by `out`
 */
export function lowpassDecimate(
  input: Float32Array,
  length: number,
  rate: number,
  cutoffHz: number,
  factor: number,
  out: Float32Array,
): number {
  const w = 2 * Math.PI * Math.min(cutoffHz, rate * 0.45) / rate;
  const cw = Math.cos(w);
  const sw = Math.sin(w);
  // RBJ lowpass biquads, normalised so a0 = 1.
  const a1 = BUTTERWORTH_Q.map((q) => -2 * cw / (1 + sw / (2 * q)));
  const a2 = BUTTERWORTH_Q.map((q) => (1 - sw / (2 * q)) / (1 + sw / (2 * q)));
  const b0 = BUTTERWORTH_Q.map((q) => (1 - cw) / 2 / (1 + sw / (2 * q)));
  const [p1, q1] = a1;
  const [p2, q2] = a2;
  const [pb, qb] = b0;
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0;
  const n = Math.min(Math.floor(length / factor), out.length);
  let phase = 0;
  let written = 0;
  for (let i = 0; i < n * factor; i++) {
    const x = input[i];
    // b = [b0, 2·b0, b0] for a lowpass section.
    const y = pb * (x + 2 * x1 + x2) - p1 * y1 - p2 * y2;
    x2 = x1;
    x1 = x;
    const z = qb * (y + 2 * y1 + y2) - q1 * z1 - q2 * z2;
    y2 = y1;
    y1 = y;
    z2 = z1;
    z1 = z;
    if (++phase === factor) {
      out[written++] = z;
      phase = 0;
    }
  }
  return written;
}

/** What {@linkcode Yin.estimate} found in one window. */
export interface PeriodEstimate {
  /** The period in samples (fractional), or 0 when the window was silent or out of range. */
  period: number;
  /** YIN's cumulative-mean-normalised difference at that period: 0 periodic, ~1 noise. */
  aperiodicity: number;
}

/**
 * YIN over windows of a fixed size, periods from `minPeriod` to `maxPeriod` samples. The
 * difference function is computed directly (window × lags multiply-adds), which at the
 * ~4 kHz rate it is used at costs less than an FFT would and allocates nothing.
 */
export class Yin {
  #window: number;
  #minPeriod: number;
  #maxPeriod: number;
  #threshold: number;
  #cmnd: Float64Array;
  #result: PeriodEstimate = { period: 0, aperiodicity: 1 };

  /**
   * @param window samples compared per lag (covers at least the longest period)
   * @param minPeriod shortest period in samples (≥ 2)
   * @param maxPeriod longest period in samples
   * @param threshold YIN's absolute threshold: the first dip below it is taken
   */
  constructor(window: number, minPeriod: number, maxPeriod: number, threshold: number) {
    this.#window = Math.max(2, Math.round(window));
    this.#minPeriod = Math.max(2, Math.floor(minPeriod));
    this.#maxPeriod = Math.max(this.#minPeriod + 2, Math.ceil(maxPeriod));
    this.#threshold = threshold;
    this.#cmnd = new Float64Array(this.#maxPeriod + 2);
  }

  /** Samples one estimate reads: window plus the longest lag and one for interpolation. */
  get span(): number {
    return this.#window + this.#maxPeriod + 1;
  }

  /**
   * Estimates the period of `x[start … start + span)`. The returned object is reused by the
   * next call.
   */
  estimate(x: Float32Array, start: number): PeriodEstimate {
    const result = this.#result;
    result.period = 0;
    result.aperiodicity = 1;
    const w = this.#window;
    const maxLag = this.#maxPeriod + 1;
    if (start < 0 || start + w + maxLag > x.length) return result;
    let energy = 0;
    for (let i = start; i < start + w; i++) energy += x[i] * x[i];
    // Below about −100 dBFS there is nothing to measure.
    if (!(energy > 1e-10 * w)) return result;
    const d = this.#cmnd;
    d[0] = 1;
    let running = 0;
    for (let lag = 1; lag <= maxLag; lag++) {
      let sum = 0;
      for (let i = start, end = start + w; i < end; i++) {
        const diff = x[i] - x[i + lag];
        sum += diff * diff;
      }
      running += sum;
      d[lag] = running > 0 ? sum * lag / running : 1;
    }
    const lo = this.#minPeriod;
    const hi = this.#maxPeriod;
    let best = -1;
    for (let lag = lo; lag <= hi; lag++) {
      if (d[lag] < this.#threshold) {
        while (lag < hi && d[lag + 1] < d[lag]) lag++;
        best = lag;
        break;
      }
    }
    if (best < 0) {
      best = lo;
      for (let lag = lo + 1; lag <= hi; lag++) if (d[lag] < d[best]) best = lag;
    }
    // Parabolic interpolation through the dip and its neighbours.
    const a = d[best - 1];
    const b = d[best];
    const c = d[best + 1];
    const curve = a - 2 * b + c;
    const shift = curve > 0 ? Math.max(-0.5, Math.min(0.5, (a - c) / (2 * curve))) : 0;
    result.period = best + shift;
    result.aperiodicity = b;
    return result;
  }
}
