import { deepEqual, equal, throws } from "node:assert/strict";
import fc from "fast-check";
import { RingBuffer } from "./ring_buffer.ts";

function ramp(from: number, count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => from + i);
}

function readAll(ring: RingBuffer): number[] {
  const out = new Float32Array(ring.available);
  ring.read(out);
  return [...out];
}

Deno.test("RingBuffer reads back what was written, in order, across the wrap", () => {
  const ring = new RingBuffer(8);
  equal(ring.write(ramp(0, 6)), 6);
  const out = new Float32Array(5);
  equal(ring.read(out), 5);
  deepEqual([...out], [0, 1, 2, 3, 4]);
  // Head at 5: the next write wraps past the end of the storage.
  equal(ring.write(ramp(6, 7)), 7);
  equal(ring.capacity, 8);
  equal(ring.available, 8);
  deepEqual(readAll(ring), [5, 6, 7, 8, 9, 10, 11, 12]);
  equal(ring.available, 0);
});

Deno.test("RingBuffer.read() fills from an offset and stops at what is buffered", () => {
  const ring = new RingBuffer(4);
  ring.write(Float32Array.of(1, 2));
  const out = new Float32Array(5).fill(9);
  equal(ring.read(out, 2, 3), 2);
  deepEqual([...out], [9, 9, 1, 2, 9]);
  equal(ring.read(out, 0, 3), 0);
});

Deno.test("RingBuffer grows to fit a write, keeping unread samples in order", () => {
  const ring = new RingBuffer(4, { maxCapacity: 64 });
  ring.write(ramp(0, 3));
  ring.discard(2); // head in the middle, so the growth must unwrap
  ring.write(ramp(3, 3)); // wraps
  equal(ring.capacity, 4);
  equal(ring.write(ramp(6, 10)), 10);
  equal(ring.capacity, 14);
  deepEqual(readAll(ring), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  ring.write(ramp(0, 14));
  ring.write(ramp(14, 1));
  equal(ring.capacity, 28, "grows by doubling");
});

Deno.test("RingBuffer at its largest capacity takes what fits and never overwrites", () => {
  const ring = new RingBuffer(4, { maxCapacity: 6 });
  equal(ring.write(ramp(0, 5)), 5);
  equal(ring.free, 1);
  equal(ring.write(ramp(5, 3)), 1, "only one sample fits");
  equal(ring.write(ramp(9, 1)), 0);
  deepEqual(readAll(ring), [0, 1, 2, 3, 4, 5]);
});

Deno.test("RingBuffer.write() takes a range of its input", () => {
  const ring = new RingBuffer(8);
  equal(ring.write(ramp(0, 6), 2, 3), 3);
  deepEqual(readAll(ring), [2, 3, 4]);
  throws(() => ring.write(ramp(0, 4), 3, 2), RangeError);
  throws(() => ring.write(ramp(0, 4), -1), RangeError);
});

Deno.test("RingBuffer.fadeOut() ramps the next samples to zero and drops the rest", () => {
  const ring = new RingBuffer(8);
  ring.write(new Float32Array(6).fill(1));
  ring.discard(5);
  ring.write(new Float32Array(7).fill(1)); // the faded samples straddle the wrap
  equal(ring.fadeOut(4), 4);
  equal(ring.available, 4);
  deepEqual(readAll(ring), [0.75, 0.5, 0.25, 0]);
  ring.write(Float32Array.of(0.5, 0.5));
  equal(ring.fadeOut(10), 2, "keeps at most what is buffered");
  deepEqual(readAll(ring), [0.25, 0]);
  equal(ring.fadeOut(3), 0);
});

Deno.test("RingBuffer.discard() and clear() drop samples", () => {
  const ring = new RingBuffer(4);
  ring.write(ramp(0, 4));
  equal(ring.discard(3), 3);
  equal(ring.discard(5), 1);
  ring.write(ramp(0, 2));
  ring.clear();
  equal(ring.available, 0);
  ring.write(ramp(7, 4));
  deepEqual(readAll(ring), [7, 8, 9, 10]);
});

Deno.test("RingBuffer rejects capacities that are not positive integers", () => {
  for (const bad of [0, -1, 1.5, NaN]) throws(() => new RingBuffer(bad), RangeError);
  throws(() => new RingBuffer(8, { maxCapacity: 4 }), RangeError);
});

Deno.test("RingBuffer behaves like a FIFO for any mix of writes and reads", () => {
  const op = fc.oneof(
    fc.record({ write: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ read: fc.integer({ min: 0, max: 40 }) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
    const ring = new RingBuffer(16, { maxCapacity: 100 });
    const model: number[] = [];
    let next = 0;
    for (const step of ops) {
      if ("write" in step) {
        const written = ring.write(ramp(next, step.write));
        const fits = Math.min(step.write, 100 - model.length);
        equal(written, fits);
        for (let i = 0; i < written; i++) model.push(next + i);
        next += step.write;
      } else {
        const out = new Float32Array(step.read);
        const got = ring.read(out);
        deepEqual([...out.subarray(0, got)], model.splice(0, got));
      }
      equal(ring.available, model.length);
    }
  }));
});
