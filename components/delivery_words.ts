/**
 * Every word of the delivery card and the session summary: the card's rows for a measured
 * turn, what a turn without speech says, and the summary's title, buttons and copy status.
 * The figures are read with the bands of `lib/shared/delivery_bands.ts` and written with the
 * formatters of `lib/shared/delivery_summary.ts`, so the card, the summary and its Markdown
 * say a figure the same way.
 *
 * @module
 */
import type { Delivery } from "@/lib/shared/delivery.ts";
import { isMonotone, paceOf, wordsPerMinute } from "@/lib/shared/delivery_bands.ts";
import { count, formatSeconds, formatSigned } from "@/lib/shared/delivery_summary.ts";

/** One row of a turn's card. */
export interface CardRow {
  key: "pace" | "pauses" | "loudness" | "pitch";
  label: string;
  value: string;
  /** A short warning shown beside the value ("monotone"), or null. */
  flag: string | null;
}

/** The card's name for assistive technology. */
export const CARD_LABEL = "How you spoke in this turn";

/** What the card of a turn without speech says. */
export const NO_SPEECH = "No speech measured in this turn.";

/** The rows of a turn's card; null when the turn had no speech. */
export function cardRows(delivery: Delivery): CardRow[] | null {
  if (delivery.speechSeconds <= 0) return null;
  const wpm = wordsPerMinute(delivery.syllablesPerSecond);
  const voiced = delivery.pitchHz !== null;
  return [
    {
      key: "pace",
      label: "Pace",
      value: `${
        delivery.syllablesPerSecond.toFixed(1)
      } syllables/s · about ${wpm} words a minute · ${paceOf(wpm)}`,
      flag: null,
    },
    {
      key: "pauses",
      label: "Pauses",
      value: delivery.pauses === 0
        ? "none"
        : `${count(delivery.pauses, "pause")}, longest ${
          formatSeconds(delivery.longestPauseSeconds)
        }`,
      flag: null,
    },
    {
      key: "loudness",
      label: "Loudness",
      value: `${formatSigned(delivery.loudnessDbfs)} dBFS`,
      flag: null,
    },
    {
      key: "pitch",
      label: "Pitch variety",
      value: voiced ? `${delivery.pitchRangeSemitones.toFixed(1)} semitones` : "no voiced speech",
      flag: voiced && isMonotone(delivery.pitchRangeSemitones) ? "monotone" : null,
    },
  ];
}

/** The session summary's heading, buttons and file names. */
export const SUMMARY = {
  title: "Session summary",
  copy: "Copy as Markdown",
  downloadMarkdown: "Download Markdown",
  downloadJson: "Download JSON",
  /** The downloaded files are `<fileName>.md` and `<fileName>.json`. */
  fileName: "voice-coach-summary",
  copied: "Copied the summary to the clipboard.",
} as const;

/** What the page says when the clipboard refused the summary. */
export function copyFailed(error: unknown): string {
  const reason = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
  return `Cannot copy to the clipboard: ${reason}; use Download Markdown instead.`;
}
