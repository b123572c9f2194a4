/**
 * What the local coach says about one turn: one or two spoken sentences, leading with the
 * measured figure.
 *
 * ```ts
 * deliveryFeedback(analyzeDelivery(samples, 24_000));
 * // "About 150 words a minute — a comfortable pace; your longest pause was 1.2 seconds."
 * ```
 *
 * ## Figures and bands

The words-a-minute figure, the pace bands and the monotone line are in
`lib/shared/delivery_bands.ts` (the page's delivery card reads turns by the same ones).

 * - **Pauses**: the longest silent gap (≥ 250 ms, as measured). Over 3 s is called long; a
 *   turn of 10 s or more with no pause at all gets the advice to pause between ideas.
 * - **Pitch variety**: a 10th–90th percentile F0 range under `MONOTONE_SEMITONES` (4) is
 *   monotone (lively speech spans roughly 5–12 semitones).
 * - Loudness steadiness belongs to the delivery card; it is not spoken here.
 *
 * A turn with no speech, or too little to measure a pace (under 4 syllables or 1 s), gets a
 * short prompt to try again; a typed turn gets {@linkcode TYPED_TURN}, an invitation to say it
 * aloud.
 *
 * @module
 */

import type { Delivery } from "@/lib/shared/delivery.ts";
import {
  LONG_PAUSE_SECONDS,
  MONOTONE_SEMITONES,
  type Pace,
  paceOf,
  wordsPerMinute,
} from "@/lib/shared/delivery_bands.ts";

export {
  FAST_WPM,
  LONG_PAUSE_SECONDS,
  MONOTONE_SEMITONES,
  type Pace,
  paceOf,
  SLOW_WPM,
  SYLLABLES_PER_WORD,
  wordsPerMinute,
} from "@/lib/shared/delivery_bands.ts";
/** A turn this long (speech seconds) without any pause gets advice to pause. */
const UNBROKEN_SECONDS = 10;
/** Less speech than this cannot give a pace. */
const MIN_SYLLABLES = 4;
const MIN_SPEECH_SECONDS = 1;

/** Said when the turn had no speech. */
export const NO_SPEECH =
  "I didn't hear any speech that time. Try again, a little closer to the microphone.";
/** Said when the turn was too short to measure. */
export const TOO_SHORT = "That was too short for me to measure your pace. Try a sentence or two.";
/** Said to a typed turn: text has no delivery to measure, so the coach asks to hear it. */
export const TYPED_TURN = "Typed words have no pace, pauses or pitch for me to measure. " +
  "Try saying that aloud, and I will tell you how it sounded.";

const PACE_WORDS: Record<Pace, string> = {
  slow: "a little slow, so try picking up the pace",
  comfortable: "a comfortable pace",
  fast: "a little fast, so try slowing down",
};

/**
 * One or two sentences about a turn's delivery, to be spoken: the pace first (with the
 * figure), then the longest pause, then one piece of advice or praise about pitch or pauses.
 *
 * @throws {TypeError} If `d` is not a delivery object.
 */
export function deliveryFeedback(d: Delivery): string {
  if (d === null || typeof d !== "object") {
    throw new TypeError(
      `Cannot describe delivery: got ${d === null ? "null" : typeof d}, not a Delivery`,
    );
  }
  const speech = finite(d.speechSeconds);
  const syllables = finite(d.syllables);
  if (speech <= 0 || syllables <= 0) return NO_SPEECH;
  if (syllables < MIN_SYLLABLES || speech < MIN_SPEECH_SECONDS) return TOO_SHORT;

  const wpm = wordsPerMinute(finite(d.syllablesPerSecond) || syllables / speech);
  const longest = finite(d.longestPauseSeconds);
  const pauses = finite(d.pauses);
  let first = `About ${wpm} words a minute — ${PACE_WORDS[paceOf(wpm)]}`;
  if (pauses > 0 && longest > 0) {
    first += `; your longest pause was ${seconds(longest)}`;
    if (longest > LONG_PAUSE_SECONDS) first += ", a long one";
  }
  first += ".";

  const range = finite(d.pitchRangeSemitones);
  const voiced = d.pitchHz !== null && finite(d.pitchHz) > 0;
  let second = "";
  if (voiced && range < MONOTONE_SEMITONES) {
    second = "Try letting your pitch rise and fall more.";
  } else if (pauses === 0 && speech >= UNBROKEN_SECONDS) {
    second = "Try a short pause between ideas.";
  } else if (voiced) {
    second = "Your pitch rises and falls nicely.";
  }
  return second === "" ? first : `${first} ${second}`;
}

/** "1.2 seconds", "1 second", "0.3 seconds": one decimal, as eSpeak reads it aloud. */
function seconds(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return rounded === 1 ? "1 second" : `${rounded} seconds`;
}

function finite(value: number | null): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
