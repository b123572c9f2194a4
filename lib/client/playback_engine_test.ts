import { deepEqual, equal, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { PlaybackEngine, type PlaybackEngineOptions } from "./playback_engine.ts";

/** 1 kHz output, so one sample is one millisecond: pre-roll 100 samples, fade 5. */
const RATE = 1000;

type Event =
  | ["started", string, number]
  | ["drained", string, number, number]
  | ["underrun", string, number, number, number];

function setup(options: PlaybackEngineOptions = {}) {
  const events: Event[] = [];
  const engine = new PlaybackEngine(RATE, options, {
    started: (id, offset) => events.push(["started", id, offset]),
    drained: (id, played, offset) => events.push(["drained", id, played, offset]),
    underrun: (id, count, played, offset) => events.push(["underrun", id, count, played, offset]),
  });
  /** Renders `count` samples in blocks of `block`; returns them. */
  function render(count: number, block = 10): number[] {
    const out: number[] = [];
    const buffer = new Float32Array(block);
    for (let done = 0; done < count; done += block) {
      buffer.fill(NaN);
      engine.render(buffer);
      out.push(...buffer);
    }
    return out;
  }
  return { engine, events, render };
}

/** `count` distinct non-zero samples starting at `from`. */
function ramp(from: number, count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => from + i);
}

function range(from: number, count: number): number[] {
  return [...ramp(from, count)];
}

function zeros(count: number): number[] {
  return new Array(count).fill(0);
}

Deno.test("PlaybackEngine waits for 100 ms of pre-roll, then plays the samples in order", () => {
  const { engine, events, render } = setup();
  engine.enqueue("a", ramp(1, 60));
  deepEqual(render(20), zeros(20));
  equal(engine.playing, false);
  deepEqual(events, []);
  engine.enqueue("a", ramp(61, 40));
  deepEqual(render(50), range(1, 50));
  deepEqual(events, [["started", "a", 0]]);
  equal(engine.playing, true);
  equal(engine.playedSamples("a"), 50);
  equal(engine.depthSamples, 50);
});

Deno.test("PlaybackEngine plays an ended item without waiting for pre-roll and reports drained", () => {
  const { engine, events, render } = setup();
  engine.enqueue("a", ramp(1, 25));
  deepEqual(render(10), zeros(10));
  engine.endItem("a");
  deepEqual(render(30), [...range(1, 25), ...zeros(5)]);
  deepEqual(events, [["started", "a", 0], ["drained", "a", 25, 5]]);
  equal(engine.currentItemId, null);
  equal(engine.playedSamples("a"), 25);
  deepEqual(render(10), zeros(10));
  equal(engine.underruns, 0);
});

Deno.test("PlaybackEngine counts an underrun, plays silence and re-buffers to a longer pre-roll", () => {
  const { engine, events, render } = setup();
  engine.enqueue("a", ramp(1, 100));
  deepEqual(render(110), [...range(1, 100), ...zeros(10)]);
  deepEqual(events, [["started", "a", 0], ["underrun", "a", 1, 100, 0]]);
  equal(engine.underruns, 1);
  equal(engine.preRollSamples, 140);
  engine.enqueue("a", ramp(101, 100));
  deepEqual(render(20), zeros(20), "100 ms is no longer enough");
  engine.enqueue("a", ramp(201, 40));
  deepEqual(render(140), range(101, 140));
  equal(engine.playedSamples("a"), 240);
  equal(events.filter(([type]) => type === "started").length, 1, "started only once");
  engine.endItem("a");
  render(10);
  deepEqual(events.at(-1), ["drained", "a", 240, 0]);
  equal(engine.preRollSamples, 140, "an item with an underrun does not shrink the pre-roll");
});

Deno.test("PlaybackEngine counts no underrun when audio arrives before the next sample is due", () => {
  const { engine, events, render } = setup();
  engine.enqueue("a", ramp(1, 100));
  deepEqual(render(100), range(1, 100));
  engine.enqueue("a", ramp(101, 10));
  deepEqual(render(10), range(101, 10));
  equal(engine.underruns, 0);
  deepEqual(events, [["started", "a", 0]]);
});

Deno.test("PlaybackEngine plays queued items back to back without a gap", () => {
  const { engine, events, render } = setup();
  engine.enqueue("a", ramp(1, 104));
  engine.endItem("a");
  engine.enqueue("b", ramp(1001, 100));
  engine.enqueue("b", ramp(1101, 6));
  engine.endItem("b");
  deepEqual(render(220), [...range(1, 104), ...range(1001, 106), ...zeros(10)]);
  deepEqual(events, [
    ["started", "a", 0],
    ["drained", "a", 104, 4],
    ["started", "b", 4],
    ["drained", "b", 106, 10],
  ]);
});

Deno.test("PlaybackEngine starts the next item only when its own pre-roll is in", () => {
  const { engine, events, render } = setup();
  engine.enqueue("a", ramp(1, 10));
  engine.endItem("a");
  engine.enqueue("b", ramp(101, 50));
  deepEqual(render(30), [...range(1, 10), ...zeros(20)]);
  engine.enqueue("b", ramp(151, 50));
  deepEqual(render(10), range(101, 10));
  deepEqual(events.map(([type, id]) => `${type} ${id}`), ["started a", "drained a", "started b"]);
});

Deno.test("PlaybackEngine.flush() fades the playing item out within 5 ms and drops the rest", () => {
  const { engine, events, render } = setup();
  engine.enqueue("a", new Float32Array(300).fill(1));
  engine.enqueue("b", ramp(1, 200));
  render(20);
  deepEqual(engine.flush(), { itemId: "a", playedSamples: 25 });
  deepEqual(render(10), [0.8, 0.6, 0.4, 0.2, 0, 0, 0, 0, 0, 0].map(Math.fround));
  equal(engine.depthSamples, 0);
  equal(engine.currentItemId, null);
  deepEqual(events, [["started", "a", 0]], "a flushed item is not drained");
  equal(engine.playedSamples("a"), 25);
  equal(engine.playedSamples("b"), 0);
  // Late samples of flushed items are dropped; a new item plays.
  engine.enqueue("a", ramp(1, 200));
  engine.enqueue("b", ramp(1, 200));
  equal(engine.droppedSamples, 400);
  engine.enqueue("c", ramp(1, 100));
  deepEqual(render(10), range(1, 10));
});

Deno.test("PlaybackEngine.flush() while waiting for pre-roll stops an unheard item", () => {
  const { engine, render } = setup();
  engine.enqueue("a", ramp(1, 50));
  deepEqual(engine.flush(), { itemId: "a", playedSamples: 0 });
  equal(engine.depthSamples, 0);
  engine.enqueue("a", ramp(1, 200));
  deepEqual(render(10), zeros(10));
  deepEqual(engine.flush(), { itemId: null, playedSamples: 0 });
});

Deno.test("PlaybackEngine.flush() during an underrun reports what was played", () => {
  const { engine, render } = setup();
  engine.enqueue("a", ramp(1, 100));
  render(120);
  engine.enqueue("a", ramp(101, 30));
  deepEqual(engine.flush(), { itemId: "a", playedSamples: 100 });
  deepEqual(render(10), zeros(10));
});

Deno.test("PlaybackEngine remembers the played count of recent items only", () => {
  const { engine, render } = setup({ rememberItems: 2 });
  for (const id of ["a", "b", "c"]) {
    engine.enqueue(id, ramp(1, 5));
    engine.endItem(id);
  }
  equal(engine.playedSamples("c"), 0, "queued, not played yet");
  render(20);
  equal(engine.playedSamples("a"), null);
  equal(engine.playedSamples("b"), 5);
  equal(engine.playedSamples("c"), 5);
  equal(engine.playedSamples("nope"), null);
});

Deno.test("PlaybackEngine drops samples beyond its largest capacity, counting them", () => {
  const { engine, render } = setup({ capacitySeconds: 0.1, maxCapacitySeconds: 0.2 });
  engine.enqueue("a", ramp(1, 150));
  engine.enqueue("a", ramp(151, 100));
  equal(engine.depthSamples, 200);
  equal(engine.droppedSamples, 50);
  engine.endItem("a");
  deepEqual(render(200), range(1, 200));
});

Deno.test("PlaybackEngine rejects a fade longer than 10 ms", () => {
  throws(() => new PlaybackEngine(RATE, { fadeMs: 11 }), RangeError);
  throws(() => new PlaybackEngine(RATE, { fadeMs: -1 }), RangeError);
});

Deno.test("PlaybackEngine plays every sample once, in order, however audio and quanta interleave", () => {
  const step = fc.oneof(
    fc.record({ chunk: fc.integer({ min: 1, max: 90 }) }),
    fc.record({ render: fc.integer({ min: 1, max: 128 }) }),
    fc.constant({ end: true as const }),
  );
  fc.assert(fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
    const { engine, events, render } = setup();
    const sent: number[] = [];
    const played: number[] = [];
    let item = 0;
    let next = 1;
    for (const s of steps) {
      if ("chunk" in s) {
        const samples = ramp(next, s.chunk);
        next += s.chunk;
        engine.enqueue(`item${item}`, samples);
        sent.push(...samples);
      } else if ("render" in s) {
        played.push(...render(s.render, s.render));
      } else {
        engine.endItem(`item${item}`);
        item++;
      }
    }
    engine.endItem(`item${item}`);
    played.push(...render(sent.length + 128, 128));
    deepEqual(played.filter((v) => v !== 0), sent);
    const drained = events.filter((e) => e[0] === "drained");
    equal(drained.reduce((sum, e) => sum + (e[2] as number), 0), sent.length);
    ok(engine.depthSamples === 0 && engine.currentItemId === null);
  }));
});
