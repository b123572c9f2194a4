import { deepEqual, equal } from "node:assert/strict";
import { PlaybackClock, playedSourceMs } from "./playback_position.ts";

const RATE = 48_000;

Deno.test("PlaybackClock knows nothing is playing before the worklet reports", () => {
  deepEqual(new PlaybackClock(RATE).estimate(5), { itemId: null, playedSamples: 0 });
});

Deno.test("PlaybackClock extrapolates a playing item with the context clock", () => {
  const clock = new PlaybackClock(RATE);
  clock.update({ type: "started", itemId: "a", time: 1 });
  deepEqual(clock.estimate(1.5), { itemId: "a", playedSamples: 24_000 });
  clock.update({
    type: "status",
    itemId: "a",
    playing: true,
    playedSamples: 30_000,
    depthSamples: 100,
    preRollSamples: 4800,
    underruns: 0,
    rms: 0.1,
    time: 1.625,
  });
  deepEqual(clock.estimate(1.75), { itemId: "a", playedSamples: 36_000 });
  deepEqual(clock.estimate(1.75, 32_000), { itemId: "a", playedSamples: 32_000 }, "capped");
  deepEqual(clock.estimate(1.6), { itemId: "a", playedSamples: 30_000 }, "never backwards");
});

Deno.test("PlaybackClock holds the count still during an underrun", () => {
  const clock = new PlaybackClock(RATE);
  clock.update({ type: "started", itemId: "a", time: 1 });
  clock.update({ type: "underrun", itemId: "a", count: 1, playedSamples: 9600, time: 1.2 });
  deepEqual(clock.estimate(3), { itemId: "a", playedSamples: 9600 });
});

Deno.test("PlaybackClock forgets an item once drained or flushed", () => {
  const clock = new PlaybackClock(RATE);
  clock.update({ type: "started", itemId: "a", time: 1 });
  clock.update({ type: "drained", itemId: "a", playedSamples: 480, time: 1.01 });
  deepEqual(clock.estimate(2), { itemId: null, playedSamples: 0 });
  clock.update({ type: "started", itemId: "b", time: 2 });
  clock.update({ type: "drained", itemId: "a", playedSamples: 480, time: 2 });
  equal(clock.estimate(2.01).itemId, "b", "a late drained of another item changes nothing");
  clock.update({ type: "flushed", id: 1, itemId: "b", playedSamples: 960 });
  deepEqual(clock.estimate(3), { itemId: null, playedSamples: 0 });
});

Deno.test("playedSourceMs() converts output samples to whole ms of source audio", () => {
  equal(playedSourceMs(48_000, 48_000, 0), 1000);
  equal(playedSourceMs(48_000, 48_000, 0.85), 999);
  equal(playedSourceMs(44_100 * 2.5, 44_100, 0.9, 2000), 2000, "at most the source length");
  equal(playedSourceMs(20, 48_000, 0.85), 0, "never negative");
  equal(playedSourceMs(4799, 48_000, 0), 99);
});
