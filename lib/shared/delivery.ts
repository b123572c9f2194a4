// This module is browser compatible.
/**
 * Measured delivery of one spoken turn: how long the speaker spoke, how many syllables at
 * what rate, where they paused, how loud and at what pitch.
 *
 * ```ts
 * const d = analyzeDelivery(samples, 24_000);
 * // { speechSeconds: 2.54, syllables: 9, syllablesPerSecond: 3.5, pauses: 0, … }
 * ```
 *
 * ## How
 *
 * One pass over the input removes DC (a 20 Hz one-pole highpass), sums the energy of each
 * 10 ms frame and box-averages the signal down to about 8 kHz (`ANALYSIS_RATE`). Everything
 * else runs on frames or on that decimated stream:
 *
 * - **Speech** is every frame whose level is above an adaptive floor: 40 dB below the loud
 *   speech (95th percentile of frame levels), or 10 dB above the background (5th percentile)
 *   when there is audible background, never below −60 dBFS. Sounds shorter than 40 ms are
 *   dropped (clicks).
 * - **Pauses** are silent gaps of at least 250 ms between speech; shorter gaps (stop
 *   closures, breaths between words) count as speech. `speechSeconds` runs from the first
 *   speech to the last, less the pauses, so `syllablesPerSecond` is an articulation rate.
 * - **Pitch** is YIN (60–400 Hz) on the stream lowpassed at 1 kHz and decimated to ~4 kHz, in
 *   every speech frame; frames with a clear period (aperiodicity < 0.35) are voiced.
 *   `pitchHz` is their median F0, `pitchRangeSemitones` is 12·log2(p90 / p10).
 * - **Syllables** are intensity peaks of voiced speech separated by dips (de Jong & Wempe,
 *   2009), on a 5 ms contour of the ~8 kHz stream: see `_delivery_syllables.ts`. Whether a
 *   peak is voiced is judged by YIN on the 0–2 kHz stream without the 1 kHz lowpass, where
 *   fricative noise reads as aperiodic.
 * - **Loudness** is the RMS of the speech frames in dBFS (a full-scale sine reads −3 dBFS).
 *
 * Empty input, input shorter than one frame, and input without speech give zeros and
 * `pitchHz: null`. Non-finite samples are read as 0. No field is ever `NaN`.
 *
 * The work buffers are kept between calls and grow to the longest turn seen: a call
 * allocates nothing per sample, and costs well under 1 % of the turn's duration
 * (`bench/delivery_bench.ts`). Accuracy on recorded and synthesized speech is asserted by
 * `tests/delivery_accuracy_test.ts` and printed by `bench/delivery_accuracy.ts`.
 *
 * @module
 */

import { lowpassDecimate, Yin } from "./_delivery_pitch.ts";
import { BRIDGED, type Contour, SILENT, SPEECH, SyllableCounter } from "./_delivery_syllables.ts";

/** The delivery of one turn. */
export interface Delivery {
  /** Seconds from the first speech to the last, less the pauses. */
  speechSeconds: number;
  /** Syllable nuclei counted. */
  syllables: number;
  /** `syllables / speechSeconds` (0 without speech). */
  syllablesPerSecond: number;
  /** Silent gaps of at least 250 ms between speech. */
  pauses: number;
  /** The longest of those gaps in seconds (0 without pauses). */
  longestPauseSeconds: number;
  /** RMS level of the speech in dBFS (0 without speech). */
  loudnessDbfs: number;
  /** Median F0 of the voiced speech in Hz, or `null` when nothing was voiced. */
  pitchHz: number | null;
  /** 12·log2(p90 / p10) of the voiced F0 (0 when nothing was voiced). */
  pitchRangeSemitones: number;
}

/** Rate the analysis runs at (box-averaged from the input). */
const ANALYSIS_RATE = 8000;
/** Rate the pitch tracker runs at. */
const PITCH_RATE = 4000;
/** Below this analysis rate there is no pitch to find (400 Hz needs some room). */
const MIN_PITCH_ANALYSIS_RATE = 1600;
/** One frame; the syllable contour uses half-frames. */
const FRAME_SECONDS = 0.01;
/** The DC blocker's corner. */
const DC_CUTOFF_HZ = 20;

/** Speech floor: this far below the loud speech… */
const BELOW_LOUD_DB = 40;
/** …or this far above the background, if that is higher… */
const ABOVE_BACKGROUND_DB = 10;
/** …but never closer than this to the loud speech… */
const MIN_BELOW_LOUD_DB = 12;
/** …and never below this. */
const ABSOLUTE_FLOOR_DBFS = -60;
/** Percentiles of frame levels read as "loud speech" and "background". */
const LOUD_PERCENTILE = 0.95;
const BACKGROUND_PERCENTILE = 0.05;
/** Shorter sounds are not speech. */
const MIN_SOUND_SECONDS = 0.04;
/** Shorter silences are not pauses. */
const MIN_PAUSE_SECONDS = 0.25;

const MIN_F0_HZ = 60;
const MAX_F0_HZ = 400;
const PITCH_LOWPASS_HZ = 1000;
/** YIN window. */
const YIN_WINDOW_SECONDS = 0.025;
/** YIN's absolute threshold. */
const YIN_THRESHOLD = 0.15;
/** Frames below this aperiodicity carry a pitch. */
const VOICED_APERIODICITY = 0.35;
/** A syllable peak counts when the 0–2 kHz aperiodicity under it is below this. */
const NUCLEUS_APERIODICITY = 0.6;

/** Levels are floored here so silence has a finite level (−120 dBFS). */
const POWER_FLOOR = 1e-12;

/** Work buffers, kept between calls. */
const work = {
  decimated: new Float32Array(0),
  pitchStream: new Float32Array(0),
  wideStream: new Float32Array(0),
  frameEnergy: new Float64Array(0),
  frameDb: new Float64Array(0),
  sorted: new Float64Array(0),
  speech: new Uint8Array(0),
  subEnergy: new Float64Array(0),
  subSpeech: new Uint8Array(0),
  pitches: new Float64Array(0),
};
const counter = new SyllableCounter();

function room(current: number, needed: number): number {
  return current >= needed ? current : Math.max(needed, Math.ceil(current * 1.5));
}

/** Makes every buffer in `work` big enough for `samples` decimated samples and `frames` frames. */
function reserve(decimated: number, frames: number): void {
  if (work.decimated.length < decimated) {
    const n = room(work.decimated.length, decimated);
    work.decimated = new Float32Array(n);
    work.pitchStream = new Float32Array(n);
    work.wideStream = new Float32Array(n);
  }
  if (work.frameEnergy.length < frames) {
    const n = room(work.frameEnergy.length, frames);
    work.frameEnergy = new Float64Array(n);
    work.frameDb = new Float64Array(n);
    work.sorted = new Float64Array(n);
    work.speech = new Uint8Array(n);
    work.pitches = new Float64Array(n);
    work.subEnergy = new Float64Array(2 * n);
    work.subSpeech = new Uint8Array(2 * n);
  }
}

/** The `p`-quantile (0…1) of the ascending `sorted`, interpolated linearly. */
function quantile(sorted: Float64Array, p: number): number {
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** What a turn without speech measures: zeros, and no pitch. */
export const NO_DELIVERY: Readonly<Delivery> = Object.freeze({
  speechSeconds: 0,
  syllables: 0,
  syllablesPerSecond: 0,
  pauses: 0,
  longestPauseSeconds: 0,
  loudnessDbfs: 0,
  pitchHz: null,
  pitchRangeSemitones: 0,
});

function silence(): Delivery {
  return { ...NO_DELIVERY };
}

/**
 * Measures the delivery of one turn of mono speech.
 *
 * @param samples mono audio, nominally within ±1
 * @param sampleRate samples per second (24000 for wire audio)
 * @throws {TypeError} when `samples` is not a `Float32Array`
 * @throws {RangeError} when `sampleRate` is not a positive finite number
 */
export function analyzeDelivery(samples: Float32Array, sampleRate: number): Delivery {
  if (!(samples instanceof Float32Array)) {
    throw new TypeError("Cannot analyze delivery: samples must be a Float32Array of mono audio");
  }
  if (typeof sampleRate !== "number" || !Number.isFinite(sampleRate) || sampleRate <= 0) {
    throw new RangeError(
      `Cannot analyze delivery: sample rate ${sampleRate} is not a positive number; pass the rate in Hz, e.g. 24000`,
    );
  }
  const factor = Math.max(1, Math.round(sampleRate / ANALYSIS_RATE));
  const rate = sampleRate / factor;
  // Frames hold an even number of decimated samples so the contour can use half-frames.
  const half = Math.max(1, Math.round(rate * FRAME_SECONDS / 2));
  const hop = 2 * half;
  const frameSeconds = hop / rate;
  const decimatedLength = Math.floor(samples.length / factor);
  const frames = Math.floor(decimatedLength / hop);
  if (frames < 1) return silence();
  const used = frames * hop;
  reserve(used, frames);
  const { decimated, frameEnergy, frameDb, sorted, speech, subEnergy, subSpeech } = work;

  // The one pass over the input: DC blocker, frame energy, box decimation, half-frame energy.
  const pole = 1 - 2 * Math.PI * DC_CUTOFF_HZ / sampleRate;
  let previousIn = 0;
  let previousOut = 0;
  let i = 0;
  let j = 0;
  for (let f = 0; f < frames; f++) {
    let frameSum = 0;
    for (let s = 0; s < 2; s++) {
      let subSum = 0;
      for (let k = 0; k < half; k++) {
        let box = 0;
        for (let q = 0; q < factor; q++) {
          const raw = samples[i++];
          const x = Number.isFinite(raw) ? raw : 0;
          const y = x - previousIn + pole * previousOut;
          previousIn = x;
          previousOut = y;
          frameSum += y * y;
          box += y;
        }
        const d = box / factor;
        decimated[j++] = d;
        subSum += d * d;
      }
      subEnergy[2 * f + s] = subSum;
    }
    frameEnergy[f] = frameSum;
  }

  // Speech: frames above the adaptive floor.
  const perFrame = hop * factor;
  for (let f = 0; f < frames; f++) {
    frameDb[f] = 10 * Math.log10(frameEnergy[f] / perFrame + POWER_FLOOR);
    sorted[f] = frameDb[f];
  }
  const levels = sorted.subarray(0, frames).sort();
  const loud = quantile(levels, LOUD_PERCENTILE);
  const background = quantile(levels, BACKGROUND_PERCENTILE);
  const floor = Math.max(
    ABSOLUTE_FLOOR_DBFS,
    loud - BELOW_LOUD_DB,
    Math.min(background + ABOVE_BACKGROUND_DB, loud - MIN_BELOW_LOUD_DB),
  );
  for (let f = 0; f < frames; f++) speech[f] = frameDb[f] > floor ? SPEECH : SILENT;
  const minSound = Math.max(1, Math.round(MIN_SOUND_SECONDS / frameSeconds));
  let first = -1;
  let last = -1;
  for (let f = 0; f < frames;) {
    if (speech[f] === SILENT) {
      f++;
      continue;
    }
    let end = f;
    while (end < frames && speech[end] === SPEECH) end++;
    if (end - f < minSound) {
      speech.fill(SILENT, f, end);
    } else {
      if (first < 0) first = f;
      last = end - 1;
    }
    f = end;
  }
  if (first < 0) return silence();

  // Pauses; shorter gaps are bridged.
  const minPause = Math.ceil(MIN_PAUSE_SECONDS / frameSeconds - 1e-9);
  let pauses = 0;
  let pausedFrames = 0;
  let longest = 0;
  for (let f = first; f <= last;) {
    if (speech[f] === SPEECH) {
      f++;
      continue;
    }
    let end = f;
    while (speech[end] === SILENT) end++;
    const length = end - f;
    if (length >= minPause) {
      pauses++;
      pausedFrames += length;
      if (length > longest) longest = length;
    } else {
      speech.fill(BRIDGED, f, end);
    }
    f = end;
  }
  const speechSeconds = (last - first + 1 - pausedFrames) * frameSeconds;

  let speechEnergy = 0;
  let speechFrames = 0;
  for (let f = first; f <= last; f++) {
    if (speech[f] === SILENT) continue;
    speechEnergy += frameEnergy[f];
    speechFrames++;
  }
  const loudnessDbfs = 10 * Math.log10(speechEnergy / (speechFrames * perFrame) + POWER_FLOOR);

  // Pitch, and the voicing of syllable peaks.
  let pitchHz: number | null = null;
  let pitchRangeSemitones = 0;
  let isVoiced = (_frame: number) => true;
  if (rate >= MIN_PITCH_ANALYSIS_RATE) {
    const step = Math.max(1, Math.round(rate / PITCH_RATE));
    const pitchRate = rate / step;
    const { pitchStream, wideStream, pitches } = work;
    const length = lowpassDecimate(decimated, used, rate, PITCH_LOWPASS_HZ, step, pitchStream);
    for (let p = 0; p < length; p++) {
      let box = 0;
      for (let q = p * step; q < (p + 1) * step; q++) box += decimated[q];
      wideStream[p] = box / step;
    }
    const pitchView = pitchStream.subarray(0, length);
    const wideView = wideStream.subarray(0, length);
    const yin = new Yin(
      YIN_WINDOW_SECONDS * pitchRate,
      pitchRate / MAX_F0_HZ,
      pitchRate / MIN_F0_HZ,
      YIN_THRESHOLD,
    );
    const lead = yin.span >> 1;
    const center = (f: number) => Math.round((f + 0.5) * hop / step);
    let voiced = 0;
    for (let f = first; f <= last; f++) {
      if (speech[f] !== SPEECH) continue;
      const { period, aperiodicity } = yin.estimate(pitchView, center(f) - lead);
      if (period > 0 && aperiodicity < VOICED_APERIODICITY) pitches[voiced++] = pitchRate / period;
    }
    if (voiced > 0) {
      const f0 = pitches.subarray(0, voiced).sort();
      pitchHz = quantile(f0, 0.5);
      pitchRangeSemitones = 12 * Math.log2(quantile(f0, 0.9) / quantile(f0, 0.1));
    }
    isVoiced = (sub) =>
      yin.estimate(wideView, center(sub >> 1) - lead).aperiodicity < NUCLEUS_APERIODICITY;
  }

  for (let f = 0; f < frames; f++) subSpeech[2 * f] = subSpeech[2 * f + 1] = speech[f];
  const contour: Contour = {
    energy: subEnergy,
    speech: subSpeech,
    frames: 2 * frames,
    frameSeconds: frameSeconds / 2,
    speechSeconds,
    isVoiced,
  };
  const syllables = counter.count(contour);

  return {
    speechSeconds,
    syllables,
    syllablesPerSecond: syllables / speechSeconds,
    pauses,
    longestPauseSeconds: longest * frameSeconds,
    loudnessDbfs,
    pitchHz,
    pitchRangeSemitones,
  };
}
