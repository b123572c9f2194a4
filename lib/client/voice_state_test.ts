import { equal } from "node:assert/strict";
import { type SessionFlags, type VoiceState, voiceState } from "./voice_state.ts";

const IDLE: SessionFlags = {
  running: true,
  blocked: false,
  connection: "open",
  sessionReady: true,
  userSpeaking: false,
  talking: false,
  assistantPlaying: false,
};

Deno.test("voiceState() derives the page's state from the session's flags", () => {
  const table: [string, Partial<SessionFlags>, VoiceState][] = [
    ["stopped", { running: false }, "off"],
    ["stopped after a blocked microphone", { running: false, blocked: true }, "error"],
    ["stopped: nothing else counts", { running: false, userSpeaking: true }, "off"],
    ["refused for good", { connection: "failed" }, "error"],
    ["a blocking notice while running does not count", { blocked: true }, "listening"],
    ["reconnecting", { connection: "reconnecting", sessionReady: true }, "reconnecting"],
    ["opening", { connection: "connecting", sessionReady: false }, "connecting"],
    ["open, not configured yet", { sessionReady: false }, "connecting"],
    ["ready", {}, "listening"],
    ["VAD hears the user", { userSpeaking: true }, "user-speaking"],
    ["push-to-talk held", { talking: true }, "user-speaking"],
    [
      "the user talks over the assistant",
      { userSpeaking: true, assistantPlaying: true },
      "user-speaking",
    ],
    ["the assistant speaks", { assistantPlaying: true }, "assistant-speaking"],
  ];
  for (const [name, flags, want] of table) equal(voiceState({ ...IDLE, ...flags }), want, name);
});
