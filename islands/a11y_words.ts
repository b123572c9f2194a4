/**
 * The words the page gives assistive technology, and the few it shows for accessibility: the
 * power button's fixed name, the wire checks' verdicts in text, what the hidden live region
 * reads out (the last finished turn, never a fragment), and the developer rows that moved
 * into Diagnostics.
 *
 * @module
 */
import type { TranscriptEntry } from "@/lib/client/transcript.ts";
import type { DeviceView } from "@/lib/client/devices.ts";

/** The power button's label and name: the same in every state; `aria-pressed` says on or off. */
export const POWER_NAME = "Voice session";

/** A wire check's verdict in words (the glyph beside it is decoration). */
export function verdict(ok: boolean | null): string {
  return ok === null ? "Not yet" : ok ? "Pass" : "Fail";
}

/**
 * What the live region says: the last finished turn ("Coach: …"), or "" while none has
 * finished. A turn still streaming is never read out, so a screen reader hears each turn
 * once, whole.
 */
export function finishedTurnAnnouncement(entries: readonly TranscriptEntry[]): string {
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry.status === "streaming" || entry.text.trim() === "") continue;
    const who = entry.role === "user" ? "You" : "Coach";
    const how = entry.status === "truncated"
      ? " (interrupted)"
      : entry.status === "stopped"
      ? " (stopped)"
      : "";
    return `${who}: ${entry.text.trim()}${how}`;
  }
  return "";
}

/** Where the coach runs, for Diagnostics. */
export function upstreamWords(upstream: string): string {
  return upstream === "local" ? "built-in coach (local mode)" : upstream;
}

/** The device rows of Diagnostics: a test id, the label, the value shown. */
export function deviceRows(devices: DeviceView, upstream: string): [string, string, string][] {
  return [
    ["upstream", "Coach", upstreamWords(upstream)],
    ["permission", "Microphone permission", devices.permission],
    ["device-label", "Microphone in use", devices.deviceLabel || "—"],
  ];
}
