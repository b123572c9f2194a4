import { deepEqual, equal } from "node:assert/strict";
import { LatencyTracker, median, NO_LATENCY, sameLatency } from "./latency.ts";

Deno.test("LatencyTracker measures end of turn → first audio → first sound, with the median", () => {
  const l = new LatencyTracker();
  deepEqual(l.view, NO_LATENCY);
  // Audio with no turn ended (a greeting) measures nothing.
  equal(l.firstAudio(50), false);
  l.turnEnded(1000);
  equal(l.firstAudio(1300), true);
  equal(l.firstAudio(1350), false, "only the first delta counts");
  deepEqual(l.view.last, { firstAudioMs: 300, audibleMs: null });
  equal(l.audible(1500), true);
  equal(l.audible(1600), false, "only the first sound counts");
  l.turnEnded(5000);
  l.firstAudio(5100);
  l.audible(5900);
  l.turnEnded(9000);
  l.firstAudio(9200);
  l.audible(9400);
  deepEqual(l.view, {
    last: { firstAudioMs: 200, audibleMs: 400 },
    medianAudibleMs: 500,
    turns: 3,
  });
});

Deno.test("LatencyTracker drops a turn abandoned by a drop or Stop", () => {
  const l = new LatencyTracker();
  l.turnEnded(0);
  l.firstAudio(100);
  l.abandon();
  equal(l.audible(200), false);
  equal(l.view.turns, 0);
  // A later end of the user's turn moves the start of the measurement.
  l.turnEnded(1000);
  l.turnEnded(1200);
  l.firstAudio(1500);
  l.audible(1700);
  deepEqual(l.view.last, { firstAudioMs: 300, audibleMs: 500 });
});

Deno.test("median() and sameLatency()", () => {
  equal(median([]), null);
  equal(median([3, 1, 2]), 2);
  equal(median([4, 1, 3, 2]), 2.5);
  equal(sameLatency(NO_LATENCY, { last: null, medianAudibleMs: null, turns: 0 }), true);
  equal(
    sameLatency(NO_LATENCY, {
      last: { firstAudioMs: 1, audibleMs: null },
      medianAudibleMs: null,
      turns: 0,
    }),
    false,
  );
});
