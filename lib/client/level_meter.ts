/**
 * RMS and peak of a sample stream over windows of `1 / maxPerSecond` seconds, so a worklet
 * posts at most `maxPerSecond` level messages however small its render quanta are
 * (as web-audio-samples' volume meter limits its `postMessage` calls). Allocates nothing.
 *
 * @module
 */

export class LevelMeter {
  /** Samples per report. */
  readonly windowSamples: number;
  #sumSquares = 0;
  #peak = 0;
  #count = 0;
  #rms = 0;
  #lastPeak = 0;

  /**
   * @param sampleRate rate of the samples given to {@linkcode add}, in Hz
   * @param maxPerSecond most reports per second
   * @throws {RangeError} If either is not positive.
   */
  constructor(sampleRate: number, maxPerSecond: number) {
    if (!(sampleRate > 0) || !(maxPerSecond > 0)) {
      throw new RangeError(
        `Cannot create level meter: sample rate ${sampleRate} and rate ${maxPerSecond} must ` +
          "be positive",
      );
    }
    this.windowSamples = Math.max(1, Math.ceil(sampleRate / maxPerSecond));
  }

  /** RMS of the last completed window (0..1 for full-scale audio). */
  get rms(): number {
    return this.#rms;
  }

  /** Largest absolute sample of the last completed window. */
  get peak(): number {
    return this.#lastPeak;
  }

  /**
   * Adds the first `count` samples; returns `true` when a window completed, after which
   * {@linkcode rms} and {@linkcode peak} describe it.
   */
  add(samples: Float32Array, count: number = samples.length): boolean {
    let sum = this.#sumSquares;
    let peak = this.#peak;
    for (let i = 0; i < count; i++) {
      const v = samples[i];
      sum += v * v;
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
    }
    this.#count += count;
    if (this.#count < this.windowSamples) {
      this.#sumSquares = sum;
      this.#peak = peak;
      return false;
    }
    this.#rms = Math.sqrt(sum / this.#count);
    this.#lastPeak = peak;
    this.#sumSquares = 0;
    this.#peak = 0;
    this.#count = 0;
    return true;
  }
}
