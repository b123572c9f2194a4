import { deepEqual, equal, throws } from "node:assert/strict";
import {
  collectDiagnostics,
  type Diagnostics,
  sameDiagnostics,
  SEND_GAP_P95_LIMIT_MS,
  windowPercentile,
  wireChecks,
  WireCounters,
} from "./diagnostics.ts";

function record(changes: Partial<Diagnostics> = {}): Diagnostics {
  return { ...collectDiagnostics({ counters: new WireCounters() }), ...changes };
}

Deno.test("collectDiagnostics() reads 'not yet' from absent parts", () => {
  deepEqual(collectDiagnostics({ counters: new WireCounters() }), {
    inputRate: null,
    wireRate: 24000,
    outputRate: null,
    lastFrameBytes: null,
    framesCaptured: 0,
    badFrames: 0,
    framesSent: 0,
    framesDropped: 0,
    queueDepth: 0,
    sendGapP95Ms: null,
    captureToSendP95Ms: null,
    jitterDepthMs: 0,
    preRollMs: 0,
    underruns: 0,
    outputLatencyMs: 0,
    commitsUnderVad: 0,
    bargeIns: 0,
    lastTruncateMs: null,
  });
});

Deno.test("collectDiagnostics() joins the counters, the sender and the player", () => {
  const counters = new WireCounters();
  counters.frame(960);
  counters.frame(960);
  counters.frame(958);
  counters.commit(false);
  counters.commit(true);
  counters.bargeIn(840);
  const d = collectDiagnostics({
    counters,
    inputRate: 48000,
    sender: {
      framesSent: 2,
      framesDropped: 1,
      queueDepth: 3,
      sendGapP95Ms: 21.5,
      captureToSendP95Ms: 4,
    },
    player: { sampleRate: 44100, depthMs: 120, preRollMs: 80, underruns: 2, outputLatencyMs: 30 },
  });
  deepEqual(d, {
    inputRate: 48000,
    wireRate: 24000,
    outputRate: 44100,
    lastFrameBytes: 958,
    framesCaptured: 3,
    badFrames: 1,
    framesSent: 2,
    framesDropped: 1,
    queueDepth: 3,
    sendGapP95Ms: 21.5,
    captureToSendP95Ms: 4,
    jitterDepthMs: 120,
    preRollMs: 80,
    underruns: 2,
    outputLatencyMs: 30,
    commitsUnderVad: 1,
    bargeIns: 1,
    lastTruncateMs: 840,
  });
});

Deno.test("wireChecks() judges each rule of the wire contract", () => {
  const table: [string, Partial<Diagnostics>, Record<string, boolean | null>][] = [
    ["nothing yet", {}, {
      "frame-size": null,
      "json-text": null,
      "no-commit-under-vad": true,
      "steady-cadence": null,
      "no-drops": null,
    }],
    ["a clean stream", { framesCaptured: 50, framesSent: 49, sendGapP95Ms: 22 }, {
      "frame-size": true,
      "json-text": true,
      "no-commit-under-vad": true,
      "steady-cadence": true,
      "no-drops": true,
    }],
    ["p95 exactly at the limit", { framesCaptured: 5, sendGapP95Ms: SEND_GAP_P95_LIMIT_MS }, {
      "frame-size": true,
      "json-text": null,
      "no-commit-under-vad": true,
      "steady-cadence": true,
      "no-drops": true,
    }],
    ["everything wrong", {
      framesCaptured: 50,
      badFrames: 2,
      framesSent: 40,
      commitsUnderVad: 1,
      sendGapP95Ms: 120,
      framesDropped: 8,
    }, {
      "frame-size": false,
      "json-text": true,
      "no-commit-under-vad": false,
      "steady-cadence": false,
      "no-drops": false,
    }],
  ];
  for (const [name, changes, want] of table) {
    const got = Object.fromEntries(wireChecks(record(changes)).map((c) => [c.type, c.ok]));
    deepEqual(got, want, name);
  }
});

Deno.test("wireChecks() carries the figures each check is about", () => {
  const checks = wireChecks(
    record({ badFrames: 3, framesSent: 7, commitsUnderVad: 2, sendGapP95Ms: 31, framesDropped: 4 }),
  );
  deepEqual(checks.map((c) => ({ ...c, ok: undefined })), [
    { type: "frame-size", ok: undefined, badFrames: 3 },
    { type: "json-text", ok: undefined, appendsSent: 7 },
    { type: "no-commit-under-vad", ok: undefined, commitsUnderVad: 2 },
    { type: "steady-cadence", ok: undefined, sendGapP95Ms: 31, limitMs: SEND_GAP_P95_LIMIT_MS },
    { type: "no-drops", ok: undefined, framesDropped: 4 },
  ]);
});

Deno.test("sameDiagnostics() tells a changed figure from an equal record", () => {
  equal(sameDiagnostics(record(), record()), true);
  equal(sameDiagnostics(record({ framesSent: 1 }), record()), false);
  equal(sameDiagnostics(record({ lastTruncateMs: 0 }), record()), false);
});

Deno.test("windowPercentile() takes nearest-rank percentiles of a rolling window", () => {
  const ramp = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  const table: [string, Float64Array, number, number, number | null][] = [
    ["empty", new Float64Array(8), 0, 0.95, null],
    ["one value", Float64Array.of(7, 0, 0), 1, 0.95, 7],
    ["only the filled part", Float64Array.of(5, 1, 9, 0, 0), 3, 0.5, 5],
    ["p95 of 1..100", ramp, 100, 0.95, 96],
    ["a wrapped window", ramp, 1234, 0.95, 96],
    ["p0", ramp, 100, 0, 1],
    ["p1 is the largest", ramp, 100, 1, 100],
    ["unsorted input", Float64Array.of(30, 10, 20), 3, 0.5, 20],
  ];
  for (const [name, window, count, p, want] of table) {
    equal(windowPercentile(window, count, p), want, name);
  }
});

Deno.test("windowPercentile() refuses p outside 0..1", () => {
  for (const p of [-0.1, 1.5, Number.NaN]) {
    throws(() => windowPercentile(new Float64Array(4), 4, p), RangeError);
  }
});

Deno.test("windowPercentile() leaves the window as it was", () => {
  const window = Float64Array.of(3, 1, 2);
  windowPercentile(window, 3, 0.5);
  deepEqual([...window], [3, 1, 2]);
});
