// This module is browser compatible.
/**
 * A session's delivery in one view, from the measured turns: talk time, average pace, the
 * longest pause, pitch variety, how steady the loudness was, and whether the pace changed over
 * the session. Shown on the page after Stop, and copied or downloaded as Markdown or JSON.
 *
 * ```ts
 * const summary = summarizeSession(turns.map((t) => t.delivery));
 * summaryMarkdown(summary); // "# Session summary\n\n| | |\n…| Average pace | 4.1 syllables a second…"
 * ```
 *
 * - **Average pace** weights each turn by its speech seconds: total syllables over total
 *   speech seconds, so a long turn counts for more than a one-word answer.
 * - **Pitch variety** is the median of the turns' 10th–90th percentile ranges (a turn with
 *   no voiced speech has none); monotone under 4 semitones, as on each turn's card.
 * - **Loudness steadiness** is the spread (highest minus lowest) of the turns' speech levels:
 *   {@linkcode STEADY_SPREAD_DB} dB or less is steady.
 * - **Trend** compares the pace of the last third of the spoken turns with the first third
 *   (at least 3 spoken turns): a change of {@linkcode TREND_FRACTION} or more is "speeding
 *   up" or "slowing down", less is "steady".
 *
 * Turns without speech count as turns, and add nothing else. Words-a-minute figures and the
 * bands come from `delivery_bands.ts`.
 *
 * @module
 */
import type { Delivery } from "./delivery.ts";
import { isMonotone, type Pace, paceOf, wordsPerMinute } from "./delivery_bands.ts";

/** A spread of turn loudness up to this many dB is steady. */
export const STEADY_SPREAD_DB = 6;
/** A pace change (last third over first third) of this fraction or more is a trend. */
export const TREND_FRACTION = 0.1;

/** Which way the pace went over the session. */
export type TrendDirection = "slowing down" | "speeding up" | "steady";

/** A pace: syllables a second, the words a minute they make, and its band. */
export interface PaceFigure {
  syllablesPerSecond: number;
  wordsPerMinute: number;
  band: Pace;
}

/** A session's delivery. */
export interface SessionSummary {
  /** User turns measured. */
  turns: number;
  /** Of those, turns with speech in them. */
  spokenTurns: number;
  /** Seconds of speech, all turns (pauses excluded, as in each turn). */
  talkSeconds: number;
  /** Syllables counted, all turns. */
  syllables: number;
  /** Weighted by speech seconds; null without speech. */
  pace: PaceFigure | null;
  /** Pauses of 250 ms or more, all turns. */
  pauses: number;
  /** The longest pause of any turn (0 without pauses). */
  longestPauseSeconds: number;
  /** Median of the turns' pitch ranges; null when no turn had voiced speech. */
  pitch: { medianRangeSemitones: number; medianHz: number; monotone: boolean } | null;
  /** The turns' speech levels; null without speech. */
  loudness: { averageDbfs: number; spreadDb: number; steady: boolean } | null;
  /** Pace of the first and last thirds of the spoken turns; null under 3 spoken turns. */
  trend: { direction: TrendDirection; first: PaceFigure; last: PaceFigure } | null;
}

/**
 * Summarizes a session from the delivery of each of its user turns, in order.
 *
 * @throws {TypeError} when `turns` is not an array
 */
export function summarizeSession(turns: readonly Delivery[]): SessionSummary {
  if (!Array.isArray(turns)) {
    throw new TypeError("Cannot summarize session: turns must be an array of Delivery values");
  }
  const spoken = turns.filter((t) => t.speechSeconds > 0);
  const voiced = spoken.filter((t) => t.pitchHz !== null);
  const levels = spoken.map((t) => t.loudnessDbfs);
  const third = Math.floor(spoken.length / 3);
  let trend: SessionSummary["trend"] = null;
  if (third > 0) {
    const first = paceFigure(spoken.slice(0, third))!;
    const last = paceFigure(spoken.slice(spoken.length - third))!;
    trend = { direction: direction(first, last), first, last };
  }
  let pitch: SessionSummary["pitch"] = null;
  if (voiced.length > 0) {
    const medianRangeSemitones = median(voiced.map((t) => t.pitchRangeSemitones));
    pitch = {
      medianRangeSemitones,
      medianHz: median(voiced.map((t) => t.pitchHz!)),
      monotone: isMonotone(medianRangeSemitones),
    };
  }
  let loudness: SessionSummary["loudness"] = null;
  if (levels.length > 0) {
    const spreadDb = Math.max(...levels) - Math.min(...levels);
    loudness = {
      averageDbfs: levels.reduce((a, b) => a + b, 0) / levels.length,
      spreadDb,
      steady: spreadDb <= STEADY_SPREAD_DB,
    };
  }
  return {
    turns: turns.length,
    spokenTurns: spoken.length,
    talkSeconds: sum(spoken, (t) => t.speechSeconds),
    syllables: sum(spoken, (t) => t.syllables),
    pace: paceFigure(spoken),
    pauses: sum(turns, (t) => t.pauses),
    longestPauseSeconds: turns.reduce((m, t) => Math.max(m, t.longestPauseSeconds), 0),
    pitch,
    loudness,
    trend,
  };
}

function sum(turns: readonly Delivery[], of: (t: Delivery) => number): number {
  return turns.reduce((total, t) => total + of(t), 0);
}

function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The pace of `turns` weighted by speech seconds; null without speech. */
function paceFigure(turns: readonly Delivery[]): PaceFigure | null {
  const seconds = sum(turns, (t) => t.speechSeconds);
  if (seconds <= 0) return null;
  const syllablesPerSecond = sum(turns, (t) => t.syllables) / seconds;
  const wpm = wordsPerMinute(syllablesPerSecond);
  return { syllablesPerSecond, wordsPerMinute: wpm, band: paceOf(wpm) };
}

function direction(first: PaceFigure, last: PaceFigure): TrendDirection {
  if (first.syllablesPerSecond <= 0) return last.syllablesPerSecond > 0 ? "speeding up" : "steady";
  const change = last.syllablesPerSecond / first.syllablesPerSecond - 1;
  if (change >= TREND_FRACTION) return "speeding up";
  if (change <= -TREND_FRACTION) return "slowing down";
  return "steady";
}

/** `value` to `digits` decimals, as a number (−0 reads as 0). */
function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale + 0;
}

/** A duration in words: "8.4 s", "2 min 5 s". */
export function formatSeconds(seconds: number): string {
  if (round(seconds) < 60) return `${round(seconds).toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/** A signed level or figure with a true minus sign: "−21.3". */
export function formatSigned(value: number, digits = 1): string {
  const text = round(value, digits).toFixed(digits);
  return text.startsWith("-") ? `\u2212${text.slice(1)}` : text;
}

/** A pace in words: "4.1 syllables a second (about 160 words a minute, comfortable)". */
export function formatPace(pace: PaceFigure): string {
  return `${
    round(pace.syllablesPerSecond).toFixed(1)
  } syllables a second (about ${pace.wordsPerMinute} words a minute, ${pace.band})`;
}

/** Singular or plural: `count(1, "pause")` → "1 pause". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** One line of the summary as the page and the Markdown show it. */
export interface SummaryRow {
  key: "talk" | "pace" | "pauses" | "pitch" | "loudness" | "trend";
  label: string;
  value: string;
}

/** The summary in words, one row per figure, in the order the page shows them. */
export function summaryRows(summary: SessionSummary): SummaryRow[] {
  const { pace, pitch, trend } = summary;
  return [
    {
      key: "talk",
      label: "Talk time",
      value: `${formatSeconds(summary.talkSeconds)} over ${count(summary.turns, "turn")}`,
    },
    { key: "pace", label: "Average pace", value: pace ? formatPace(pace) : "no speech measured" },
    {
      key: "pauses",
      label: "Longest pause",
      value: summary.pauses === 0
        ? "no pauses"
        : `${formatSeconds(summary.longestPauseSeconds)} (${
          count(summary.pauses, "pause")
        } in all)`,
    },
    {
      key: "pitch",
      label: "Pitch variety",
      value: pitch
        ? `${round(pitch.medianRangeSemitones).toFixed(1)} semitones a turn (median)${
          pitch.monotone ? " — monotone" : ""
        }`
        : "no voiced speech measured",
    },
    {
      key: "loudness",
      label: "Loudness",
      value: loudnessWords(summary),
    },
    {
      key: "trend",
      label: "Trend",
      value: trend
        ? `${trend.direction}: ${round(trend.first.syllablesPerSecond).toFixed(1)} → ${
          round(trend.last.syllablesPerSecond).toFixed(1)
        } syllables a second, about ${trend.first.wordsPerMinute} → ${trend.last.wordsPerMinute} words a minute (first third of the turns to the last)`
        : "needs at least 3 turns with speech",
    },
  ];
}

function loudnessWords({ loudness, spokenTurns }: SessionSummary): string {
  if (!loudness) return "no speech measured";
  const level = `${formatSigned(loudness.averageDbfs)} dBFS`;
  if (spokenTurns < 2) return `${level} (one turn with speech: nothing to compare)`;
  return `${level} on average, ${round(loudness.spreadDb).toFixed(1)} dB between turns — ${
    loudness.steady ? "steady" : "varied"
  }`;
}

/** The summary as a Markdown document: a title and a two-column table. */
export function summaryMarkdown(summary: SessionSummary): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const lines = ["# Session summary", "", "| | |", "| --- | --- |"];
  for (const row of summaryRows(summary)) lines.push(`| ${cell(row.label)} | ${cell(row.value)} |`);
  return `${lines.join("\n")}\n`;
}

function paceRecord(pace: PaceFigure | null) {
  return pace && {
    syllablesPerSecond: round(pace.syllablesPerSecond, 2),
    wordsPerMinute: pace.wordsPerMinute,
    band: pace.band,
  };
}

/**
 * The summary as JSON: the same keys in the same order every time, seconds and decibels to
 * 0.1, rates to 0.01, words a minute as the bands round them (to 10).
 */
export function summaryJson(summary: SessionSummary): string {
  const { pitch, loudness, trend } = summary;
  const record = {
    turns: summary.turns,
    spokenTurns: summary.spokenTurns,
    talkSeconds: round(summary.talkSeconds),
    syllables: summary.syllables,
    pace: paceRecord(summary.pace),
    pauses: summary.pauses,
    longestPauseSeconds: round(summary.longestPauseSeconds),
    pitch: pitch && {
      medianRangeSemitones: round(pitch.medianRangeSemitones),
      medianHz: Math.round(pitch.medianHz),
      monotone: pitch.monotone,
    },
    loudness: loudness && {
      averageDbfs: round(loudness.averageDbfs),
      spreadDb: round(loudness.spreadDb),
      steady: loudness.steady,
    },
    trend: trend && {
      direction: trend.direction,
      first: paceRecord(trend.first),
      last: paceRecord(trend.last),
    },
  };
  return `${JSON.stringify(record, null, 2)}\n`;
}
