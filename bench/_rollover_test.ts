import { deepEqual, equal, match, throws } from "node:assert/strict";
import { RelayMetrics } from "@/lib/server/metrics.ts";
import {
  histogramMaxBound,
  histogramQuantile,
  readRolloverMetrics,
  rolloverDelta,
  rolloverLines,
} from "./_rollover.ts";

Deno.test("readRolloverMetrics and rolloverDelta read what RelayMetrics serves", async () => {
  const metrics = new RelayMetrics();
  metrics.rolloverFrame.sent.inc(10);
  const before = readRolloverMetrics(await metrics.text());
  metrics.rollovers.inc({ reason: "planned" }, 2);
  metrics.rollovers.inc({ reason: "dropped" });
  for (const seconds of [0.004, 0.012, 0.04]) metrics.rolloverSeconds.observe(seconds);
  metrics.rolloverFrame.sent.inc(5);
  metrics.rolloverFrame.held.inc(4);
  metrics.rolloverFrame.released.inc(3);
  metrics.rolloverFrame.dropped.inc(1);
  const delta = rolloverDelta(before, readRolloverMetrics(await metrics.text()));
  deepEqual(delta.rollovers, { planned: 2, expired: 0, dropped: 1 });
  deepEqual(delta.frames, { sent: 5, held: 4, released: 3, dropped: 1 });
  equal(delta.buckets.at(-1)![1], 3);
  equal(histogramMaxBound(delta.buckets), 0.05);
});

Deno.test("histogramQuantile interpolates within a bucket, as histogram_quantile() does", () => {
  const buckets: [number, number][] = [[0.01, 0], [0.02, 10], [0.05, 20], [Infinity, 20]];
  equal(histogramQuantile(buckets, 0.5), 0.02);
  equal(histogramQuantile(buckets, 0.25), 0.015);
  equal(histogramQuantile(buckets, 1), 0.05);
  equal(histogramMaxBound(buckets), 0.05);
  equal(histogramQuantile([[0.1, 1], [Infinity, 2]], 1), 0.1);
  equal(Number.isNaN(histogramQuantile([[0.1, 0], [Infinity, 0]], 0.5)), true);
  throws(() => histogramQuantile(buckets, 2), RangeError);
});

Deno.test("rolloverLines() tables each point's rollovers and frames, and nothing without them", () => {
  const rollover = {
    rollovers: { planned: 3, expired: 1, dropped: 0 },
    frames: { sent: 90, held: 12, released: 10, dropped: 2 },
    switchMs: { p50: 20, p95: 135, maxAtMost: 250 },
    forwardedAppends: 98,
  };
  const point = { mode: "fake", sessions: 2, framesSent: 100, framesLost: 2, rollover };
  const text = rolloverLines([point], 4).join("\n");
  match(text, /about every 4 s/);
  match(text, /4 \(3 \/ 1 \/ 0\)/);
  match(text, /20 \/ 135 \/ ≤ 250/);
  deepEqual(rolloverLines([{ ...point, rollover: null }], 4), []);
});
