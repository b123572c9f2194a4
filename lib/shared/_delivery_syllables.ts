// This module is browser compatible.
/**
 * Syllable nuclei counted as peaks of the intensity contour, after de Jong & Wempe (2009),
 * "Praat script to detect syllable nuclei and measure speech rate automatically": a peak
 * counts when it stands above a threshold relative to the loudest speech, is separated from
 * its neighbours by a dip in intensity, and falls on voiced speech.
 *
 * Two changes from the original make the count hold up when the rate changes:
 *
 * - The contour is smoothed with a Gaussian whose width follows the speaker's own syllable
 *   period (a first count with a fixed 10 ms width estimates it). A fixed window merges the
 *   syllables of fast speech and splits the long vowels of slow speech; a window scaled to
 *   the rate sees a time-stretched turn the same way as the original.
 * - Neighbouring peaks without a dip of `MIN_DIP_DB` between them are merged into the
 *   higher one, whichever side the dip is measured from (the original only looks ahead).
 *
 * The constants were tuned on the recordings in tests/fixtures/delivery/ (see its
 * PROVENANCE.md) and checked on espeak-ng speech at three rates.
 *
 * @module
 */

/** A peak must be no more than this far below the loudest (99th percentile) speech. */
const BELOW_MAX_DB = 25;
/** Least dip between two peaks for both to count. */
const MIN_DIP_DB = 1.25;
/** Gaussian σ of the first count, which only estimates the syllable period. */
const FIRST_SIGMA_SECONDS = 0.01;
/** σ of the final count as a fraction of the estimated syllable period. */
const SIGMA_PER_PERIOD = 0.045;
/** Bounds of that σ. */
const MIN_SIGMA_SECONDS = 0.005;
const MAX_SIGMA_SECONDS = 0.04;
/** Kernel half-width in σ. */
const KERNEL_SIGMAS = 2.5;

/** The contour of one turn, as {@linkcode SyllableCounter.count} reads it. */
export interface Contour {
  /** Sum of squared (band-limited) samples per frame. */
  energy: Float64Array;
  /** {@linkcode SILENT}, {@linkcode SPEECH} or {@linkcode BRIDGED} per frame. */
  speech: Uint8Array;
  /** Frames in use (the arrays may be longer). */
  frames: number;
  /** Seconds per frame. */
  frameSeconds: number;
  /** Seconds of speech (pauses excluded): sets the syllable period of the second pass. */
  speechSeconds: number;
  /** Whether a peak at `frame` falls on voiced speech. */
  isVoiced(frame: number): boolean;
}

/** Values of {@linkcode Contour.speech}, per contour frame. */
export const SILENT = 0;
export const SPEECH = 1;
/** A gap in speech too short to be a pause: not silent, but no nucleus is looked for in it. */
export const BRIDGED = 2;

/** Counts syllable nuclei; holds its work buffers between calls. */
export class SyllableCounter {
  #db = new Float64Array(0);
  #sorted = new Float64Array(0);
  #kernel = new Float64Array(0);

  /** The number of syllable nuclei in `contour`. */
  count(contour: Contour): number {
    if (this.#db.length < contour.frames) {
      this.#db = new Float64Array(contour.frames);
      this.#sorted = new Float64Array(contour.frames);
    }
    const first = this.#countWith(contour, FIRST_SIGMA_SECONDS);
    if (first === 0 || !(contour.speechSeconds > 0)) return first;
    const period = contour.speechSeconds / first;
    const sigma = Math.min(
      MAX_SIGMA_SECONDS,
      Math.max(MIN_SIGMA_SECONDS, SIGMA_PER_PERIOD * period),
    );
    return this.#countWith(contour, sigma);
  }

  #countWith(contour: Contour, sigmaSeconds: number): number {
    const { energy, speech, frames } = contour;
    const db = this.#db;
    const sigma = Math.max(0.3, sigmaSeconds / contour.frameSeconds);
    const half = Math.ceil(sigma * KERNEL_SIGMAS);
    if (this.#kernel.length < half + 1) this.#kernel = new Float64Array(half + 1);
    const kernel = this.#kernel;
    for (let q = 0; q <= half; q++) kernel[q] = Math.exp(-0.5 * (q / sigma) ** 2);

    // Smooth in the power domain, then convert to dB; collect speech frames' levels.
    let inSpeech = 0;
    for (let f = 0; f < frames; f++) {
      let sum = kernel[0] * energy[f];
      let weight = kernel[0];
      for (let q = 1; q <= half; q++) {
        if (f - q >= 0) {
          sum += kernel[q] * energy[f - q];
          weight += kernel[q];
        }
        if (f + q < frames) {
          sum += kernel[q] * energy[f + q];
          weight += kernel[q];
        }
      }
      db[f] = 10 * Math.log10(sum / weight + 1e-20);
      if (speech[f] === SPEECH) this.#sorted[inSpeech++] = db[f];
    }
    if (inSpeech === 0) return 0;
    const sorted = this.#sorted.subarray(0, inSpeech).sort();
    const threshold = sorted[Math.floor(0.99 * (inSpeech - 1))] - BELOW_MAX_DB;

    // Walk the local maxima; `held` is the peak waiting to learn whether a dip follows it.
    let count = 0;
    let held = -1;
    let dip = Infinity;
    let gap = false;
    for (let f = 1; f < frames - 1; f++) {
      if (held >= 0) {
        if (db[f] < dip) dip = db[f];
        if (speech[f] !== SPEECH) gap = true;
      }
      if (speech[f] !== SPEECH) continue;
      const v = db[f];
      if (!(v > db[f - 1] && v >= db[f + 1] && v > threshold)) continue;
      if (held >= 0 && !gap && Math.min(db[held], v) - dip < MIN_DIP_DB) {
        // No dip between them: one nucleus, at the higher peak. The dip is then measured
        // from the one kept, so it runs on when the earlier peak stays.
        if (v <= db[held]) continue;
      } else if (held >= 0 && contour.isVoiced(held)) {
        count++;
      }
      held = f;
      dip = Infinity;
      gap = false;
    }
    if (held >= 0 && contour.isVoiced(held)) count++;
    return count;
  }
}
