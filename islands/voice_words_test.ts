import { deepEqual, equal, match } from "node:assert/strict";
import { collectDiagnostics, wireChecks, WireCounters } from "@/lib/client/diagnostics.ts";
import type { Notice } from "@/lib/client/notices.ts";
import type { VoiceState } from "@/lib/client/voice_state.ts";
import {
  type BannerKind,
  describeCheck,
  describeNotice,
  DIAGNOSTIC_ROWS,
  STATUS,
  upstreamLabel,
} from "./voice_words.ts";

Deno.test("describeNotice() gives each notice its banner: look, words, steps and Retry", () => {
  const table: [Notice, BannerKind, RegExp, { steps?: number; retry?: boolean }][] = [
    [
      { type: "unsupported", missing: ["audio-worklet", "get-user-media"] },
      "unsupported",
      /cannot run the voice coach: it lacks AudioWorklet, microphone access \(getUserMedia\)\.$/,
      { steps: 1 },
    ],
    [{ type: "mic-blocked" }, "mic-blocked", /microphone is blocked/, { steps: 3, retry: true }],
    [
      { type: "start-failed", errorName: "NotFoundError", reason: "no microphone was found" },
      "failed",
      /^no microphone was found$/,
      { retry: true },
    ],
    [{ type: "mic-ended" }, "error", /microphone stopped; switching/, {}],
    [{ type: "mic-switch-failed", reason: "the microphone is busy" }, "error", /busy/, {}],
    [{ type: "capture-failed", message: "worklet died" }, "error", /^worklet died$/, {}],
    [{ type: "output-failed", message: "no such sink" }, "error", /^no such sink$/, {}],
    [
      { type: "reconnecting", detail: "retry 2 in 900 ms" },
      "reconnecting",
      /^Connection lost\. Reconnecting… \(retry 2 in 900 ms\)$/,
      {},
    ],
    [
      { type: "session-ended", reason: "the server refused the connection (HTTP 403)" },
      "failed",
      /^The session ended: the server refused the connection \(HTTP 403\)\.$/,
      { retry: true },
    ],
    [
      { type: "session-ended", reason: null },
      "failed",
      /^The session ended: unknown reason\.$/,
      { retry: true },
    ],
    [
      { type: "service-error", code: "invalid_value", message: "Bad value" },
      "error",
      /^Bad value$/,
      {},
    ],
    [{ type: "hold-longer", heldMs: 40, minMs: 100 }, "error", /Hold the button a little/, {}],
  ];
  for (const [notice, kind, message, extra] of table) {
    const banner = describeNotice(notice);
    equal(banner.kind, kind, notice.type);
    match(banner.message, message, notice.type);
    equal(banner.steps?.length, extra.steps, `${notice.type} steps`);
    equal(banner.retry, extra.retry, `${notice.type} retry`);
  }
});

Deno.test("describeCheck() states each rule and what was measured", () => {
  const counters = new WireCounters();
  const before = wireChecks(collectDiagnostics({ counters })).map(describeCheck);
  deepEqual(before, [
    { label: "Frames are 20 ms of 24 kHz mono PCM16 (960 bytes)", detail: "no frames yet" },
    { label: "Audio goes as JSON text with base64 (no binary frames)", detail: "0 appends sent" },
    { label: "No commit while server VAD is on", detail: "0 commits under VAD" },
    { label: "Steady 20 ms cadence (send gap p95 ≤ 40 ms)", detail: "not measured yet" },
    { label: "No frames dropped", detail: "0 dropped" },
  ]);
  counters.frame(960);
  counters.frame(100);
  const d = collectDiagnostics({
    counters,
    sender: {
      framesSent: 2,
      framesDropped: 1,
      queueDepth: 0,
      sendGapP95Ms: 31.25,
      captureToSendP95Ms: null,
    },
  });
  deepEqual(wireChecks(d).map((c) => describeCheck(c).detail), [
    "1 frames of another size",
    "2 appends sent",
    "0 commits under VAD",
    "p95 31.3 ms",
    "1 dropped",
  ]);
});

Deno.test("STATUS has a line for every state, and the upstream is named after it", () => {
  const states: VoiceState[] = [
    "off",
    "connecting",
    "listening",
    "user-speaking",
    "assistant-speaking",
    "reconnecting",
    "error",
  ];
  for (const state of states) equal(typeof STATUS[state], "string", state);
  equal(upstreamLabel("local"), " · local echo coach");
  equal(upstreamLabel("azure"), " · azure");
});

Deno.test("DIAGNOSTIC_ROWS show a dash for what is not measured yet", () => {
  const d = collectDiagnostics({ counters: new WireCounters() });
  const shown = Object.fromEntries(DIAGNOSTIC_ROWS.map(([key, , show]) => [key, show(d)]));
  equal(shown.inputRate, "—");
  equal(shown.wireRate, "24000 Hz mono PCM16");
  equal(shown.sendGapP95Ms, "—");
  equal(shown.bargeIns, "0 (last truncate — ms)");
  equal(
    DIAGNOSTIC_ROWS.find(([key]) => key === "sendGapP95Ms")![2]({ ...d, sendGapP95Ms: 21.04 }),
    "21.0 ms",
  );
});
