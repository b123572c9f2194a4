import { deepEqual, equal, match } from "node:assert/strict";
import { collectDiagnostics, wireChecks, WireCounters } from "@/lib/client/diagnostics.ts";
import type { Notice } from "@/lib/client/notices.ts";
import type { VoiceState } from "@/lib/client/voice_state.ts";
import {
  accessProblem,
  type BannerKind,
  costWords,
  describeCheck,
  describeNotice,
  DIAGNOSTIC_ROWS,
  latencyLine,
  modeClass,
  resetTime,
  STATUS,
  statusLine,
  timeLeft,
  turnMark,
  upstreamLabel,
  usageLine,
  usageRows,
} from "./voice_words.ts";
import { sampleUsage } from "@/testing/usage.ts";

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
      { type: "reconnecting", attempt: 3, seconds: 4, unreachable: false },
      "reconnecting",
      /^Connection lost — trying again in 4 s \(attempt 3\)\. Microphone paused until the connection is back\.$/,
      {},
    ],
    [
      { type: "reconnecting", attempt: 1, seconds: 1, unreachable: true },
      "reconnecting",
      /^The server cannot be reached — trying again in 1 s \(attempt 1\)\./,
      {},
    ],
    [
      { type: "reconnecting", attempt: 2, seconds: 0, unreachable: false },
      "reconnecting",
      /^Connection lost — trying again now \(attempt 2\)\./,
      {},
    ],
    [
      { type: "server-unreachable" },
      "failed",
      /^The server cannot be reached\. .*retry\.$/,
      { retry: true },
    ],
    [
      { type: "unsupported", missing: ["get-user-media"], insecure: true },
      "unsupported",
      /^The voice coach needs HTTPS \(or localhost\)/,
      { steps: 1 },
    ],
    [{ type: "resumed" }, "info", /^Reconnected — the coach remembers the conversation\.$/, {}],
    [{ type: "new-conversation" }, "info", /^Started a new conversation/, {}],
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
    [
      { type: "time-left", secondsLeft: 118 },
      "time-left",
      /^About 2 minutes of coaching left today$/,
      {},
    ],
    [
      { type: "budget-exhausted", resetsAt: Date.now() + 3_600_000 },
      "budget",
      /^That's all the coaching time for today\. It comes back at .+ \(your local time\)\./,
      {},
    ],
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

Deno.test("timeLeft() says the minutes left today, never 0 minutes", () => {
  equal(timeLeft(120), "About 2 minutes of coaching left today");
  equal(timeLeft(89), "About 1 minute of coaching left today");
  equal(timeLeft(60), "About 1 minute of coaching left today");
  equal(timeLeft(59), "Less than a minute of coaching left today");
  equal(timeLeft(0), "Less than a minute of coaching left today");
  equal(timeLeft(3 * 3600), "About 180 minutes of coaching left today");
});

Deno.test("resetTime() says when the budget comes back in the user's time zone", () => {
  const midnightUtc = Date.UTC(2026, 11, 7);
  const evening = Date.UTC(2026, 11, 6, 21, 0);
  // UTC+1 in winter: midnight UTC is 01:00 the next day there.
  match(
    resetTime(midnightUtc, { now: evening, timeZone: "Europe/Berlin" }),
    /^at 0?1:00.* tomorrow$/,
  );
  // UTC−5: still the same evening, 19:00 (7 PM).
  match(
    resetTime(midnightUtc, { now: evening, timeZone: "America/New_York" }),
    /^at (19:00|0?7:00\s?PM) today$/,
  );
  // Further away than tomorrow: the date is named.
  match(
    resetTime(midnightUtc, { now: Date.UTC(2026, 11, 1), timeZone: "UTC" }),
    /^at .+ on .*2026/,
  );
});

Deno.test("accessProblem() says why the code form asks again", () => {
  match(accessProblem({ type: "wrong-code" }), /not right/);
  equal(
    accessProblem({ type: "too-many-tries", retryAfterSeconds: 42 }),
    "Too many tries. Wait 42 seconds, then try again.",
  );
  match(accessProblem({ type: "expired" }), /expired.*again/);
  match(accessProblem({ type: "failed", status: null }), /could not be reached/);
  match(accessProblem({ type: "failed", status: 500 }), /HTTP 500/);
});

Deno.test("usageLine() is one quiet line: minutes, tokens, estimated cost", () => {
  equal(usageLine(sampleUsage()), "This session: 3 min · 12,345 tokens · about $0.12");
  equal(
    usageLine(sampleUsage({
      sessionSeconds: 20,
      tokens: { ...sampleUsage().tokens, total: 0 },
      estimatedCostUsd: 0,
    })),
    "This session: under 1 min · 0 tokens · no cost",
  );
  equal(costWords(0.0004), "under $0.01");
  equal(costWords(1.005), "about $1.00");
});

Deno.test("usageRows() gives Diagnostics the tokens by kind, responses and the price table", () => {
  const rows = usageRows(sampleUsage());
  deepEqual(rows.map(([key]) => key), [
    "responses",
    "tokens-input_text",
    "tokens-input_audio",
    "tokens-input_cached",
    "tokens-output_text",
    "tokens-output_audio",
    "tokens-total",
    "cost",
    "price-table",
  ]);
  const value = (key: string) => rows.find(([k]) => k === key)![2];
  equal(value("responses"), "4");
  equal(value("tokens-input_audio"), "9,000");
  equal(value("tokens-total"), "12,345");
  equal(value("cost"), "$0.1234");
  equal(value("price-table"), "gpt-realtime, taken on 2025-09-01");
  equal(usageRows(sampleUsage({ priceModel: "" })).at(-1)![2], "unknown");
});

Deno.test("describeNotice() offers Retry now and Stop while reconnecting, and only then", () => {
  equal(
    describeNotice({ type: "reconnecting", attempt: 2, seconds: 1, unreachable: false }).retryNow,
    true,
  );
  equal(describeNotice({ type: "mic-blocked" }).retryNow, undefined);
});

Deno.test("statusLine() says muted, and push-to-talk at rest reads Hold to talk", () => {
  const handsFree = { pushToTalk: false, muted: false };
  equal(statusLine("listening", handsFree), STATUS.listening);
  equal(statusLine("listening", { pushToTalk: true, muted: false }), "Hold to talk");
  equal(statusLine("user-speaking", { pushToTalk: true, muted: false }), STATUS["user-speaking"]);
  match(statusLine("listening", { pushToTalk: false, muted: true }), /^Muted/);
  match(statusLine("assistant-speaking", { pushToTalk: true, muted: true }), /^Muted/);
  equal(statusLine("off", { pushToTalk: true, muted: true }), STATUS.off);
  equal(modeClass("listening", { pushToTalk: true, muted: false }), " power-ptt");
  equal(modeClass("listening", { pushToTalk: true, muted: true }), " power-muted");
  equal(modeClass("off", { pushToTalk: true, muted: false }), "");
  equal(modeClass("listening", handsFree), "");
});

Deno.test("turnMark() names why a turn ended early", () => {
  equal(turnMark("truncated"), "interrupted");
  equal(turnMark("stopped"), "stopped");
  equal(turnMark("done"), null);
  equal(turnMark("streaming"), null);
});

Deno.test("latencyLine() gives the last turn in ms and the session's median", () => {
  equal(latencyLine({ last: null, medianAudibleMs: null, turns: 0 }), "No answer measured yet");
  equal(
    latencyLine({
      last: { firstAudioMs: 412.4, audibleMs: null },
      medianAudibleMs: null,
      turns: 0,
    }),
    "Last turn: 412 ms to the first audio from the server, not heard yet",
  );
  equal(
    latencyLine({ last: { firstAudioMs: 300, audibleMs: 520.6 }, medianAudibleMs: 610, turns: 3 }),
    "Last turn: 300 ms to the first audio from the server, 521 ms to the first sound · " +
      "median 610 ms over 3 turns",
  );
});

Deno.test("usageRows() names a price table without a date (the built-in coach's) by its name alone", () => {
  const rows = usageRows(
    sampleUsage({ priceModel: "none: the built-in coach is free", pricesTakenOn: "" }),
  );
  equal(rows.find(([key]) => key === "price-table")?.[2], "none: the built-in coach is free");
});
