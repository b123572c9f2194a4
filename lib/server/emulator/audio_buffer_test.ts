import { deepEqual, equal } from "node:assert/strict";
import fc from "fast-check";
import { InputAudioBuffer, msToBytePosition } from "./audio_buffer.ts";

function ramp(from: number, count: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => (from + i) & 0xff);
}

Deno.test("msToBytePosition() rounds to whole samples", () => {
  equal(msToBytePosition(0), 0);
  equal(msToBytePosition(1), 48);
  equal(msToBytePosition(0.02), 0);
  equal(msToBytePosition(0.03), 2);
  equal(msToBytePosition(-5), 0);
});

Deno.test("InputAudioBuffer counts ms appended, takes up to a time and keeps the rest", () => {
  const buffer = new InputAudioBuffer();
  buffer.append(ramp(0, 960));
  buffer.append(ramp(960, 960));
  equal(buffer.appendedMs, 40);
  equal(buffer.lengthMs, 40);
  deepEqual(buffer.take(30), ramp(0, 1440));
  equal(buffer.startMs, 30);
  equal(buffer.lengthMs, 10);
  deepEqual(buffer.take(), ramp(1440, 480));
  equal(buffer.lengthMs, 0);
  equal(buffer.appendedMs, 40);
});

Deno.test("InputAudioBuffer.dropBefore() and clear() keep the session clock", () => {
  const buffer = new InputAudioBuffer();
  buffer.append(ramp(0, 4800));
  buffer.dropBefore(60);
  equal(buffer.startMs, 60);
  deepEqual(buffer.take(70), ramp(2880, 480));
  buffer.dropBefore(10); // before the start: nothing happens
  equal(buffer.startMs, 70);
  buffer.clear();
  equal(buffer.lengthMs, 0);
  buffer.append(ramp(0, 96));
  equal(buffer.startMs, 100);
  equal(buffer.appendedMs, 102);
  deepEqual(buffer.take(500), ramp(0, 96));
});

Deno.test("InputAudioBuffer returns every byte once however appends and takes are cut", () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 30 }),
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
    (sizes, cuts) => {
      const buffer = new InputAudioBuffer();
      let total = 0;
      for (const size of sizes) {
        buffer.append(ramp(total, size * 2));
        total += size * 2;
      }
      const parts: Uint8Array[] = [];
      for (const cut of cuts.toSorted()) parts.push(buffer.take(cut * buffer.appendedMs));
      parts.push(buffer.take());
      const joined = new Uint8Array(total);
      let offset = 0;
      for (const part of parts) {
        joined.set(part, offset);
        offset += part.length;
      }
      equal(offset, total);
      deepEqual(joined, ramp(0, total));
    },
  ));
});
