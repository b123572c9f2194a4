import { deepEqual, equal } from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import {
  autoHideMs,
  type BrowserGlobals,
  inStatusLine,
  isBlocking,
  missingFeatures,
  type Notice,
  NoticeBoard,
  startFailure,
} from "./notices.ts";

Deno.test("missingFeatures() names each capability the browser lacks", () => {
  const all: BrowserGlobals = {
    AudioContext: class {},
    AudioWorkletNode: class {},
    WebSocket: class {},
    navigator: { mediaDevices: { getUserMedia() {} } },
  };
  const table: [string, BrowserGlobals, string[]][] = [
    ["everything there", all, []],
    ["nothing there", {}, ["audio-context", "audio-worklet", "get-user-media", "websocket"]],
    ["no worklets", { ...all, AudioWorkletNode: undefined }, ["audio-worklet"]],
    // An insecure origin has navigator.mediaDevices undefined.
    ["no mediaDevices", { ...all, navigator: {} }, ["get-user-media"]],
    ["no WebSocket", { ...all, WebSocket: undefined }, ["websocket"]],
  ];
  for (const [name, globals, want] of table) deepEqual(missingFeatures(globals), want, name);
});

Deno.test("isBlocking() is true for the notices that need the user before a new start", () => {
  const table: [Notice | null, boolean][] = [
    [null, false],
    [{ type: "unsupported", missing: ["websocket"] }, true],
    [{ type: "mic-blocked" }, true],
    [{ type: "start-failed", errorName: null, reason: "x" }, true],
    [{ type: "session-ended", reason: "x" }, true],
    [{ type: "mic-ended" }, false],
    [{ type: "mic-switch-failed", reason: "x" }, false],
    [{ type: "capture-failed", message: "x" }, false],
    [{ type: "output-failed", message: "x" }, false],
    [{ type: "reconnecting", attempt: 1, seconds: 1, unreachable: false }, false],
    [{ type: "service-error", code: null, message: "x" }, false],
    [{ type: "hold-longer", heldMs: 40, minMs: 100 }, false],
    [{ type: "time-left", secondsLeft: 90 }, false],
    [{ type: "budget-exhausted", resetsAt: 0 }, true],
  ];
  for (const [notice, want] of table) equal(isBlocking(notice), want, notice?.type ?? "none");
});

Deno.test("inStatusLine() keeps the time left out of the banner, and nothing else", () => {
  equal(inStatusLine({ type: "time-left", secondsLeft: 90 }), true);
  equal(inStatusLine(null), false);
  equal(inStatusLine({ type: "budget-exhausted", resetsAt: 0 }), false);
  equal(inStatusLine({ type: "service-error", code: null, message: "x" }), false);
  // The time left stays until something replaces it; the budget banner too.
  equal(autoHideMs({ type: "time-left", secondsLeft: 90 }), undefined);
  equal(autoHideMs({ type: "budget-exhausted", resetsAt: 0 }), undefined);
});

Deno.test("startFailure() tells a blocked microphone from other failures", () => {
  const describe = (e: unknown) => `described ${(e as Error).message}`;
  const denied = new Error("Cannot open the microphone", {
    cause: new DOMException("denied", "NotAllowedError"),
  });
  deepEqual(startFailure(denied, describe), { type: "mic-blocked" });
  const busy = new Error("Cannot open the microphone", {
    cause: new DOMException("busy", "NotReadableError"),
  });
  deepEqual(startFailure(busy, describe), {
    type: "start-failed",
    errorName: "NotReadableError",
    reason: "described Cannot open the microphone",
  });
  deepEqual(startFailure(new TypeError("worklet"), describe), {
    type: "start-failed",
    errorName: "TypeError",
    reason: "described worklet",
  });
  deepEqual(startFailure("odd", () => "odd"), {
    type: "start-failed",
    errorName: null,
    reason: "odd",
  });
});

Deno.test("NoticeBoard publishes each change and hides short-lived notices", () => {
  const clock = FakeTimers.install();
  try {
    const seen: (string | null)[] = [];
    const board = new NoticeBoard((n) => seen.push(n?.type ?? null));
    const current = (): string | null => board.current?.type ?? null;
    board.show({ type: "hold-longer", heldMs: 40, minMs: 100 }, { autoHideMs: 4000 });
    clock.tick(3999);
    equal(current(), "hold-longer");
    clock.tick(1);
    equal(current(), null);
    // A notice that replaced a short-lived one is not hidden by the old timer.
    board.show({ type: "mic-ended" }, { autoHideMs: 5000 });
    board.show({ type: "session-ended", reason: "x" });
    clock.tick(10_000);
    equal(current(), "session-ended");
    board.dismiss("reconnecting");
    equal(current(), "session-ended");
    board.dismiss("session-ended");
    deepEqual(seen, [
      "hold-longer",
      null,
      "mic-ended",
      "session-ended",
      null,
    ]);
    board.show({ type: "mic-ended" }, { autoHideMs: 5000 });
    board.dispose();
    equal(clock.countTimers(), 0);
  } finally {
    clock.uninstall();
  }
});

Deno.test("autoHideMs() hides passing notices and keeps the ones to act on", () => {
  const table: [Notice, number | undefined][] = [
    [{ type: "service-error", code: null, message: "x" }, 8000],
    [{ type: "mic-switch-failed", reason: "x" }, 8000],
    [{ type: "output-failed", message: "x" }, 8000],
    [{ type: "mic-ended" }, 5000],
    [{ type: "hold-longer", heldMs: 40, minMs: 100 }, 4000],
    [{ type: "mic-blocked" }, undefined],
    [{ type: "reconnecting", attempt: 1, seconds: 1, unreachable: false }, undefined],
    [{ type: "session-ended", reason: null }, undefined],
    [{ type: "capture-failed", message: "x" }, undefined],
  ];
  for (const [notice, want] of table) equal(autoHideMs(notice), want, notice.type);
});
