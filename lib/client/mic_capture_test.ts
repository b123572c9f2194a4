import { equal, match } from "node:assert/strict";
import { contextTimeToPerformanceTime, describeMicrophoneError } from "./mic_capture.ts";

Deno.test("describeMicrophoneError() says what to do for each getUserMedia failure", () => {
  const table: [string, RegExp][] = [
    ["NotAllowedError", /permission was denied; allow the microphone/],
    ["NotFoundError", /no microphone was found; connect one/],
    ["NotReadableError", /busy or failed; close other apps/],
    ["OverconstrainedError", /not available; pick another one/],
    ["SecurityError", /over HTTPS/],
  ];
  for (const [name, expected] of table) {
    match(describeMicrophoneError(new DOMException("x", name)), expected);
  }
  equal(describeMicrophoneError(new TypeError("bad")), "TypeError: bad");
  equal(describeMicrophoneError("odd"), "odd");
});

Deno.test("contextTimeToPerformanceTime() dates a rendered sample, output latency removed", () => {
  const ctx = {
    // The sample at context time 10 s reaches the speaker at performance time 5000 ms.
    getOutputTimestamp: () => ({ contextTime: 10, performanceTime: 5000 }),
    baseLatency: 0.01,
    outputLatency: 0.03,
  };
  // A sample at 10.1 s plays at 5100 ms, so it was rendered 40 ms earlier.
  equal(Math.round(contextTimeToPerformanceTime(ctx, 10.1, 6000)), 5060);
  equal(contextTimeToPerformanceTime(ctx, 11, 5500), 5500, "never later than now");
});

Deno.test("contextTimeToPerformanceTime() falls back to now before the context has a timestamp", () => {
  const ctx = {
    getOutputTimestamp: () => ({ contextTime: 0, performanceTime: 0 }),
    baseLatency: 0,
    outputLatency: 0,
  };
  equal(contextTimeToPerformanceTime(ctx, 0.5, 1234), 1234);
});
