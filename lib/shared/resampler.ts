// This module is browser compatible.

/**
 * Streaming windowed-sinc (Kaiser) sample-rate converter for mono `Float32Array` audio.
 *
 * ## Filter
 *
 * Every rate pair reduces to a ratio `L/M` (output/input, in lowest terms). One lowpass
 * prototype is designed at the rate `inputRate × L`, scaled to the narrower of the two rates,
 * `r = min(inputRate, outputRate)`:
 *
 * - cutoff (−6 dB) at `CUTOFF` × `r`: 10.74 kHz when `r` is 24 kHz;
 * - Kaiser window, β = `KAISER_BETA` = 9.4: sidelobes near −94 dB;
 * - length `FILTER_SPAN` = 41.5 periods of `r`: 83 taps at 48 kHz, 0.85 ms of delay.
 *
 * These are the shortest Kaiser design found (a search over length, β and cutoff) that meets
 * the capture-path targets with margin. The tests check, at 48 and 44.1 kHz → 24 kHz, the
 * targets: every input tone from 12.5 kHz to the input Nyquist at −90 dB or less, the passband
 * flat within ±0.1 dB to 8 kHz and no lower than −1 dB at 10 kHz (figures: BENCHMARKS.md,
 * "Resampler"). The stopband starts at 12.5 kHz, not 12 kHz, because a 12.5 kHz tone aliases to
 * 11.5 kHz; 10–12.5 kHz is the transition band. For other rates the design scales with `r`:
 * 24 kHz → 16 kHz keeps the same targets at 2/3 of the frequencies.
 *
 * A true half-band filter (every other tap zero) is not used for 48 → 24 kHz: its response is
 * symmetric about 12 kHz, so −90 dB at 12.5 kHz would force unity gain up to 11.5 kHz, a 1 kHz
 * transition band needing roughly 290 taps and 3 ms of delay (target ≤ 1.5 ms).
 *
 * ## Paths
 *
 * - Equal rates: an exact copy, no delay.
 * - Integer decimation (`L = 1`: 48 → 24, 96 → 24, 48 → 16 kHz…): only the kept outputs are
 *   computed, with the symmetric taps folded, `h[k]·(x[lo] + x[hi])`: 42 multiplies per output
 *   at 48 → 24 kHz. When `M = 2`, two outputs are computed per pass and share their loads (the
 *   second window is the first shifted by two samples).
 * - Polyphase (`L > 1`: 44.1 → 24 kHz is 80/147, 24 → 48 kHz is 2/1): a table of `L` phases of
 *   `K` taps (80 × 80 at 44.1 → 24 kHz), each phase normalised to unity DC gain. Outputs that
 *   share a window (upsampling) are computed in pairs that share the sample loads.
 *
 * ## Implementation notes
 *
 * The history is linear: new samples are appended after the last `K − 1`, so every window is
 * contiguous and the inner loops need no modulo; when the buffer is full (every 8192 samples)
 * the last `K − 1` samples move to the front. History and coefficients are plain `number[]`
 * of doubles (V8 stores them unboxed): in V8 these loops ran faster over them than over
 * `Float32Array` or `Float64Array` fields (BENCHMARKS.md, "Resampler"), and `| 0` on indices
 * saves overflow checks.
 * Each output sample is computed by the same expression, in the same order, whichever kernel
 * (single or paired) and whatever the chunking, so the output is bit-identical however the
 * input is split.
 *
 * Assumptions: one channel, one thread. The buffers are allocated in the constructor;
 * `process()` grows its output buffer only for a chunk larger than any before, and
 * `processInto()` allocates nothing.
 *
 * @module
 */

/** Cutoff (−6 dB point) as a fraction of the narrower rate. */
const CUTOFF = 0.4475;
/** Kaiser window β: about −94 dB sidelobes (A ≈ β / 0.1102 + 8.7 dB). */
const KAISER_BETA = 9.4;
/** Filter length in periods of the narrower rate: 83 taps at 48 kHz for a 24 kHz output. */
const FILTER_SPAN = 41.5;
/** Lowest supported rate, in Hz. */
const MIN_RATE = 1000;
/** Highest supported rate, in Hz. */
const MAX_RATE = 384000;
/** Most filter phases (`L` of the reduced ratio `L/M`) a polyphase table may have. */
const MAX_PHASES = 1024;
/** Most coefficients a polyphase table may hold (8 MiB of doubles). */
const MAX_TABLE = 1 << 20;
/** Input samples filtered per pass; longer chunks are cut into blocks of this size. */
const BLOCK = 4096;
/** Room after the history: new samples are appended until it is full, then the history moves. */
const HISTORY_ROOM = 2 * BLOCK;
/** `process()` keeps one output view per length up to this; longer outputs get a new view. */
const MAX_CACHED_VIEW = 4096;
const SUPPORTED = "such as 8000, 16000, 22050, 24000, 32000, 44100, 48000 or 96000 Hz";

/** Processing paths: equal rates, integer decimation (`L = 1`), general polyphase. */
const COPY = 0;
const DECIMATE = 1;
const POLYPHASE = 2;
type Mode = typeof COPY | typeof DECIMATE | typeof POLYPHASE;

/**
 * A streaming resampler from `inputRate` to `outputRate` for one channel of audio.
 *
 * @example
 * ```ts
 * const resampler = new Resampler(48000, 24000);
 * const out = new Float32Array(resampler.maxOutputLength(128));
 * const written = resampler.processInto(new Float32Array(128), out); // 64
 * ```
 */
export class Resampler {
  /** Group delay of the filter in output samples (may be fractional). */
  readonly delaySamples: number;
  /** Group delay of the filter in milliseconds, for latency accounting. */
  readonly delayMs: number;

  #mode: Mode;
  /** Reduced ratio: `L` output samples for every `M` input samples. */
  #l: number;
  #m: number;
  /** Window length (taps per phase); the history keeps `#taps − 1` samples. */
  #taps: number;
  /** Decimate: folded half of the symmetric filter. Polyphase: `L` rows of `#taps`. */
  #coefs: number[];
  /** Polyphase: input-index step and next phase after an output of phase `p`. */
  #stepIndex: Int32Array;
  #nextPhase: Int32Array;
  /** Input samples: at least the last `#taps − 1` (zeros at first), then the new ones. */
  #buf: number[];
  /** Number of samples held in `#buf`. */
  #fill: number;
  /** Buffer index of the newest input sample of the next output, and that output's phase. */
  #index: number;
  #phase: number;
  #out: Float32Array;
  #views: Float32Array[] = [];

  /**
   * @throws {RangeError} If a rate is not an integer from 1000 to 384000 Hz, or the reduced
   * ratio needs more than 1024 filter phases.
   */
  constructor(inputRate: number, outputRate: number) {
    checkRate("input", inputRate);
    checkRate("output", outputRate);
    const g = gcd(inputRate, outputRate);
    const l = outputRate / g;
    const m = inputRate / g;
    if (l > MAX_PHASES) {
      throw new RangeError(
        `Cannot create resampler from ${inputRate} Hz to ${outputRate} Hz: the ratio reduces to ` +
          `${l}/${m}, which needs ${l} filter phases (at most ${MAX_PHASES}); use rates with a ` +
          `simpler ratio, ${SUPPORTED}`,
      );
    }
    this.#l = l;
    this.#m = m;
    this.#stepIndex = new Int32Array(l);
    this.#nextPhase = new Int32Array(l);
    for (let p = 0; p < l; p++) {
      this.#stepIndex[p] = Math.floor((p + m) / l);
      this.#nextPhase[p] = (p + m) % l;
    }

    if (l === m) {
      this.#mode = COPY;
      this.#taps = 1;
      this.#coefs = [];
      this.delaySamples = 0;
    } else {
      const narrow = Math.min(inputRate, outputRate);
      const protoRate = inputRate * l;
      const length = Math.round(FILTER_SPAN * protoRate / narrow);
      // Polyphase rows are padded to a multiple of 4 taps (zeros at the oldest end) for the
      // unrolled loop.
      const taps = l === 1 ? length : Math.ceil(Math.ceil(length / l) / 4) * 4;
      if (taps * l > MAX_TABLE) {
        throw new RangeError(
          `Cannot create resampler from ${inputRate} Hz to ${outputRate} Hz: the ratio ` +
            `${l}/${m} needs a table of ${taps * l} coefficients (at most ${MAX_TABLE}); use ` +
            `rates with a simpler ratio, ${SUPPORTED}`,
        );
      }
      const proto = kaiserLowpass(length, CUTOFF * narrow / protoRate, KAISER_BETA);
      this.#mode = l === 1 ? DECIMATE : POLYPHASE;
      this.#taps = taps;
      this.#coefs = l === 1 ? foldSymmetric(proto) : polyphaseTable(proto, l, taps);
      // The prototype's centre, (length − 1) / 2 taps at inputRate × L, in output samples.
      this.delaySamples = (length - 1) / (2 * m);
    }
    this.delayMs = this.delaySamples / outputRate * 1000;
    this.#buf = doubles(this.#taps - 1 + HISTORY_ROOM);
    this.#fill = this.#taps - 1;
    this.#index = this.#taps - 1;
    this.#phase = 0;
    this.#out = new Float32Array(this.maxOutputLength(128));
  }

  /**
   * Upper bound on the samples one call with `inputLength` input samples produces, in any
   * state: `ceil(inputLength × outputRate / inputRate)`.
   *
   * @throws {RangeError} If `inputLength` is not a non-negative safe integer.
   */
  maxOutputLength(inputLength: number): number {
    if (!Number.isSafeInteger(inputLength) || inputLength < 0) {
      throw new RangeError(
        `Cannot compute output length: input length ${inputLength} is not a non-negative integer`,
      );
    }
    return ceilDiv(inputLength * this.#l, this.#m);
  }

  /**
   * Resample one chunk of any length, including 0. Returns a view on an internal buffer,
   * valid until the next call.
   */
  process(input: Float32Array): Float32Array {
    const max = this.maxOutputLength(input.length);
    if (this.#out.length < max) {
      this.#out = new Float32Array(Math.max(max, 2 * this.#out.length));
      this.#views = [];
    }
    const count = this.processInto(input, this.#out);
    if (count > MAX_CACHED_VIEW) return this.#out.subarray(0, count);
    return this.#views[count] ??= this.#out.subarray(0, count);
  }

  /**
   * Resample one chunk into `output` and return the number of samples written. Allocates
   * nothing, so it suits an AudioWorklet's `process()`.
   *
   * @throws {RangeError} If `output` cannot hold this chunk's output; the state is then left
   * unchanged. `maxOutputLength(input.length)` samples are always enough.
   */
  processInto(input: Float32Array, output: Float32Array): number {
    const n = input.length;
    const count = this.#pendingCount(n);
    if (output.length < count) {
      throw new RangeError(
        `Cannot resample into output: it holds ${output.length} samples but this chunk ` +
          `produces ${count}; size it with maxOutputLength(${n})`,
      );
    }
    if (this.#mode === COPY) {
      output.set(input);
      return n;
    }
    const x = this.#buf;
    const history = this.#taps - 1;
    let written = 0;
    for (let start = 0; start < n; start += BLOCK) {
      const size = Math.min(BLOCK, n - start);
      let fill = this.#fill;
      if (fill + size > x.length) {
        // Move the last `history` samples to the front (once per few thousand samples).
        const shift = fill - history;
        for (let j = 0; j < history; j = (j + 1) | 0) x[j] = x[(shift + j) | 0];
        this.#index -= shift;
        fill = history;
      }
      for (let j = 0; j < size; j = (j + 1) | 0) x[(fill + j) | 0] = input[(start + j) | 0];
      fill += size;
      this.#fill = fill;
      written = this.#mode === DECIMATE
        ? this.#decimate(fill, output, written)
        : this.#polyphase(fill, output, written);
    }
    return written;
  }

  /** Forget all past input, as if newly constructed. */
  reset(): void {
    this.#buf.fill(0);
    this.#fill = this.#taps - 1;
    this.#index = this.#taps - 1;
    this.#phase = 0;
  }

  /** Exact number of outputs the next `n` input samples complete, from the current state. */
  #pendingCount(n: number): number {
    if (this.#mode === COPY) return n;
    // Positions in units of 1/L input sample: outputs at t, t + M, t + 2M… while t < end.
    const t = this.#index * this.#l + this.#phase;
    const end = (this.#fill + n) * this.#l;
    return t < end ? Math.floor((end - 1 - t) / this.#m) + 1 : 0;
  }

  /**
   * Integer decimation with the folded filter: every output whose newest sample is before
   * `end`. Each output is `s += c[k]·(x[lo] + x[hi]) + c[k+1]·(x[lo+1] + x[hi−1])`, `lo`
   * walking up from the oldest sample of its window and `hi` down from the newest.
   */
  #decimate(end: number, output: Float32Array, o: number): number {
    // `| 0` keeps every index an int32 for V8, which then skips overflow checks.
    const x = this.#buf;
    const c = this.#coefs;
    const taps = this.#taps | 0;
    const pairs = c.length | 0;
    const step = this.#m | 0;
    let i = this.#index | 0;
    if (step === 2) {
      // Two outputs per pass: the second's window is the first's shifted by 2, so its lo
      // samples are the first's two steps ahead (u2, u3) and its hi samples the first's two
      // steps behind (d0, d1).
      for (; ((i + 2) | 0) < end; i = (i + 4) | 0) {
        let lo = (i - taps + 1) | 0;
        let hi = i;
        let s = 0, t = 0;
        let u0 = x[lo], u1 = x[(lo + 1) | 0];
        let d0 = x[(hi + 2) | 0], d1 = x[(hi + 1) | 0];
        for (let k = 0; k < pairs; k = (k + 2) | 0) {
          const u2 = x[(lo + 2) | 0], u3 = x[(lo + 3) | 0];
          const e0 = x[hi], e1 = x[(hi - 1) | 0];
          const c0 = c[k], c1 = c[(k + 1) | 0];
          s += c0 * (u0 + e0) + c1 * (u1 + e1);
          t += c0 * (u2 + d0) + c1 * (u3 + d1);
          u0 = u2;
          u1 = u3;
          d0 = e0;
          d1 = e1;
          lo = (lo + 2) | 0;
          hi = (hi - 2) | 0;
        }
        output[o] = s;
        output[(o + 1) | 0] = t;
        o = (o + 2) | 0;
      }
    }
    for (; i < end; i = (i + step) | 0) {
      let lo = (i - taps + 1) | 0;
      let hi = i;
      let s = 0;
      for (let k = 0; k < pairs; k = (k + 2) | 0) {
        s += c[k] * (x[lo] + x[hi]) + c[(k + 1) | 0] * (x[(lo + 1) | 0] + x[(hi - 1) | 0]);
        lo = (lo + 2) | 0;
        hi = (hi - 2) | 0;
      }
      output[o] = s;
      o = (o + 1) | 0;
    }
    this.#index = i;
    return o;
  }

  /**
   * Polyphase filtering: every output whose newest sample is before `end`. Each output is
   * `s0 += c[r]·x[at] + c[r+1]·x[at+1]; s1 += c[r+2]·x[at+2] + c[r+3]·x[at+3]`, then s0 + s1.
   */
  #polyphase(end: number, output: Float32Array, o: number): number {
    const x = this.#buf;
    const c = this.#coefs;
    const taps = this.#taps | 0;
    const stepIndex = this.#stepIndex;
    const nextPhase = this.#nextPhase;
    let i = this.#index | 0;
    let p = this.#phase | 0;
    while (i < end) {
      let at = (i - taps + 1) | 0;
      let r = Math.imul(p, taps);
      const rowEnd = (r + taps) | 0;
      if (stepIndex[p] === 0) {
        // The next output uses the same window with the next phase: share the sample loads.
        const q = nextPhase[p];
        let v = Math.imul(q, taps);
        let s0 = 0, s1 = 0, t0 = 0, t1 = 0;
        for (; r < rowEnd; r = (r + 4) | 0) {
          const x0 = x[at], x1 = x[(at + 1) | 0], x2 = x[(at + 2) | 0], x3 = x[(at + 3) | 0];
          s0 += c[r] * x0 + c[(r + 1) | 0] * x1;
          s1 += c[(r + 2) | 0] * x2 + c[(r + 3) | 0] * x3;
          t0 += c[v] * x0 + c[(v + 1) | 0] * x1;
          t1 += c[(v + 2) | 0] * x2 + c[(v + 3) | 0] * x3;
          at = (at + 4) | 0;
          v = (v + 4) | 0;
        }
        output[o] = s0 + s1;
        output[(o + 1) | 0] = t0 + t1;
        o = (o + 2) | 0;
        i = (i + stepIndex[q]) | 0;
        p = nextPhase[q];
        continue;
      }
      let s0 = 0, s1 = 0;
      for (; r < rowEnd; r = (r + 4) | 0) {
        s0 += c[r] * x[at] + c[(r + 1) | 0] * x[(at + 1) | 0];
        s1 += c[(r + 2) | 0] * x[(at + 2) | 0] + c[(r + 3) | 0] * x[(at + 3) | 0];
        at = (at + 4) | 0;
      }
      output[o] = s0 + s1;
      o = (o + 1) | 0;
      i = (i + stepIndex[p]) | 0;
      p = nextPhase[p];
    }
    this.#index = i;
    this.#phase = p;
    return o;
  }
}

function checkRate(which: string, rate: number): void {
  if (!Number.isInteger(rate) || rate < MIN_RATE || rate > MAX_RATE) {
    throw new RangeError(
      `Cannot create resampler: ${which} rate ${rate} Hz is not supported; use an integer rate ` +
        `from ${MIN_RATE} to ${MAX_RATE} Hz, ${SUPPORTED}`,
    );
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** `ceil(a / b)` for non-negative integers, exact while `a` is a safe integer. */
function ceilDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q * b === a ? q : q + 1;
}

/**
 * A zero-filled `number[]` whose elements V8 stores as unboxed doubles (it starts from a
 * non-integer, so the array never holds small-integer elements).
 */
function doubles(length: number): number[] {
  const a: number[] = [0.5];
  for (let i = 1; i < length; i++) a.push(0);
  a[0] = 0;
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series). */
function besselI0(x: number): number {
  const q = x * x / 4;
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser-windowed sinc lowpass of `length` taps, cutoff `fc` in cycles per sample, DC gain 1. */
function kaiserLowpass(length: number, fc: number, beta: number): Float64Array {
  const h = new Float64Array(length);
  const centre = (length - 1) / 2;
  const norm = besselI0(beta);
  let sum = 0;
  for (let n = 0; n < length; n++) {
    const arg = 2 * fc * (n - centre);
    const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
    const u = length > 1 ? 2 * n / (length - 1) - 1 : 0;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - u * u))) / norm;
    h[n] = 2 * fc * sinc * w;
    sum += h[n];
  }
  for (let n = 0; n < length; n++) h[n] /= sum;
  return h;
}

/**
 * Folded form of a symmetric filter for `#decimate`: `h[k]` for the first half, padded with
 * zeros to an even number of pairs. An odd length's centre tap is stored halved, since the
 * loop reads the centre sample twice (`h/2 · (x + x)` equals `h · x` exactly).
 */
function foldSymmetric(h: Float64Array): number[] {
  const half = h.length >> 1;
  const pairs = (h.length + 1) >> 1;
  const folded = doubles(pairs + (pairs & 1));
  for (let k = 0; k < half; k++) folded[k] = h[k];
  if (pairs > half) folded[half] = h[half] / 2;
  return folded;
}

/**
 * Polyphase table: row `p` holds `taps` coefficients, `row[j]` multiplying the input sample
 * `taps − 1 − j` samples before the newest, that is prototype tap `p + (taps − 1 − j)·L`.
 * Each row is scaled to sum to 1, so every phase passes DC exactly.
 */
function polyphaseTable(h: Float64Array, l: number, taps: number): number[] {
  const table = doubles(l * taps);
  for (let p = 0; p < l; p++) {
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const index = p + (taps - 1 - j) * l;
      if (index < h.length) sum += h[index];
    }
    for (let j = 0; j < taps; j++) {
      const index = p + (taps - 1 - j) * l;
      table[p * taps + j] = index < h.length ? h[index] / sum : 0;
    }
  }
  return table;
}
