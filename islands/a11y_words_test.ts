import { deepEqual, equal } from "node:assert/strict";
import type { TranscriptEntry } from "@/lib/client/transcript.ts";
import { initialDeviceView } from "@/lib/client/devices.ts";
import { deviceRows, finishedTurnAnnouncement, POWER_NAME, verdict } from "./a11y_words.ts";

function entry(role: "user" | "assistant", text: string, status: TranscriptEntry["status"]) {
  return { itemId: `${role}-${text}`, role, text, status } satisfies TranscriptEntry;
}

Deno.test("the power button's name never changes with the state", () => {
  equal(POWER_NAME, "Voice session");
});

Deno.test("verdicts are words, not glyphs", () => {
  equal(verdict(true), "Pass");
  equal(verdict(false), "Fail");
  equal(verdict(null), "Not yet");
});

Deno.test("the live region reads the last finished turn, never a fragment", () => {
  equal(finishedTurnAnnouncement([]), "");
  equal(finishedTurnAnnouncement([entry("user", "Hello", "streaming")]), "");
  const done = entry("user", " Hello there ", "done");
  equal(finishedTurnAnnouncement([done]), "You: Hello there");
  // A streaming answer after it does not change what is read.
  equal(
    finishedTurnAnnouncement([done, entry("assistant", "Hi, I", "streaming")]),
    "You: Hello there",
  );
  equal(
    finishedTurnAnnouncement([done, entry("assistant", "Hi, I heard", "truncated")]),
    "Coach: Hi, I heard (interrupted)",
  );
  equal(
    finishedTurnAnnouncement([done, entry("assistant", "Well", "stopped")]),
    "Coach: Well (stopped)",
  );
  // A turn without text (no transcript) is skipped.
  equal(finishedTurnAnnouncement([done, entry("user", "", "unavailable")]), "You: Hello there");
});

Deno.test("Diagnostics' device rows: where the coach runs, the permission, the microphone", () => {
  const view = {
    ...initialDeviceView(false),
    permission: "granted" as const,
    deviceLabel: "USB mic",
  };
  deepEqual(deviceRows(view, "local"), [
    ["upstream", "Coach", "built-in coach (local mode)"],
    ["permission", "Microphone permission", "granted"],
    ["device-label", "Microphone in use", "USB mic"],
  ]);
  equal(deviceRows(initialDeviceView(false), "openai")[2][2], "—");
});
