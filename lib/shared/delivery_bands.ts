// This module is browser compatible.
/**
 * How a measured delivery is read: words a minute from the syllable rate, and the bands the
 * page's delivery card and the local coach's spoken feedback both use, named once.
 *
 * - **Words per minute** = syllables per second × 60 / {@linkcode SYLLABLES_PER_WORD} (1.5).
 *   English averages about 1.5 syllables per word in running speech (conversational speech
 *   runs nearer 1.3–1.4, read and presentational speech nearer 1.5–1.6: a coach's users
 *   rehearse, so the upper middle). The analyzer's rate is an articulation rate (pauses
 *   excluded), so the figure is words a minute *while speaking*, rounded to 10: the syllable
 *   count is good to a few per cent, and "about 153" would claim more.
 * - **Pace**: slow under 120, comfortable 120–170, fast over 170 words a minute (on the
 *   rounded figure). Guides for presentations put a comfortable rate at about 140–160;
 *   audiences follow 120–170 without effort.
 * - **Pitch variety**: a 10th–90th percentile F0 range under {@linkcode MONOTONE_SEMITONES}
 *   is monotone (lively speech spans roughly 5–12 semitones).
 * - **Pauses**: over {@linkcode LONG_PAUSE_SECONDS} is a long one.
 *
 * @module
 */

/** Average syllables per English word used to turn syllables per second into words a minute. */
export const SYLLABLES_PER_WORD = 1.5;
/** Below this many words a minute the pace is slow. */
export const SLOW_WPM = 120;
/** Above this many words a minute the pace is fast. */
export const FAST_WPM = 170;
/** A pitch range (10th–90th percentile) under this many semitones is monotone. */
export const MONOTONE_SEMITONES = 4;
/** A pause longer than this, in seconds, is called long. */
export const LONG_PAUSE_SECONDS = 3;

/** The pace bands. */
export type Pace = "slow" | "comfortable" | "fast";

/** Words a minute while speaking, from the syllable rate, rounded to the nearest 10. */
export function wordsPerMinute(syllablesPerSecond: number): number {
  if (!Number.isFinite(syllablesPerSecond) || syllablesPerSecond <= 0) return 0;
  return Math.round(syllablesPerSecond * 60 / SYLLABLES_PER_WORD / 10) * 10;
}

/** The band of a words-a-minute figure. */
export function paceOf(wpm: number): Pace {
  if (wpm < SLOW_WPM) return "slow";
  if (wpm > FAST_WPM) return "fast";
  return "comfortable";
}

/** Whether a pitch range (semitones, 10th–90th percentile) reads as monotone. */
export function isMonotone(rangeSemitones: number): boolean {
  return Number.isFinite(rangeSemitones) && rangeSemitones < MONOTONE_SEMITONES;
}
