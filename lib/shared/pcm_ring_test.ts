import { deepEqual, equal, throws } from "node:assert/strict";
import fc from "fast-check";
import { floatToPcm16, pcm16ToFloat } from "./pcm16.ts";
import { PcmRing } from "./pcm_ring.ts";

/** PCM16 whose sample n holds the value n (mod 32768), so a read shows which samples it got. */
function ramp(from: number, count: number): Uint8Array {
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i++) samples[i] = (from + i) % 32768;
  return new Uint8Array(samples.buffer);
}

function values(floats: Float32Array): number[] {
  return [...floats].map((v) => Math.round(v * 32768));
}

Deno.test("PcmRing reads back any span it still holds, across its wrap", () => {
  const ring = new PcmRing({ samples: 10 });
  equal(ring.bytes, 0, "nothing allocated before the first write");
  ring.write(ramp(0, 7));
  ring.write(ramp(7, 7)); // 14 written: holds 4…13, wrapped at 10
  equal(ring.oldest, 4);
  deepEqual(values(ring.read(8, 12)), [8, 9, 10, 11]);
  deepEqual(values(ring.read(0, 6)), [4, 5], "clamped to what is held");
  equal(ring.read(20, 30).length, 0);
  ring.write(ramp(14, 25)); // larger than the ring: its last 10 samples
  deepEqual(values(ring.read(0, 100)), [29, 30, 31, 32, 33, 34, 35, 36, 37, 38]);
});

Deno.test("PcmRing.reserve() doubles up to the maximum and keeps every held sample in place", () => {
  const ring = new PcmRing({ samples: 4, maxSamples: 12 });
  ring.write(ramp(0, 10)); // holds 6…9
  ring.reserve(9);
  equal(ring.capacity, 12, "4 → 8 → 12 (the maximum)");
  deepEqual(values(ring.read(0, 10)), [6, 7, 8, 9]);
  ring.write(ramp(10, 8));
  deepEqual(values(ring.read(0, 18)), [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
  ring.reserve(100);
  equal(ring.capacity, 12);
});

Deno.test("PcmRing matches a plain array of the latest samples, whatever the writes and growth", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 60 })), {
        maxLength: 30,
      }),
      (steps) => {
        const ring = new PcmRing({ samples: 8, maxSamples: 64 });
        const all: number[] = [];
        for (const [count, reserve] of steps) {
          ring.write(ramp(all.length, count));
          for (let i = 0; i < count; i++) all.push(all.length % 32768);
          ring.reserve(reserve);
        }
        const held = all.slice(ring.oldest);
        deepEqual(values(ring.read(0, all.length)), held);
      },
    ),
  );
});

Deno.test("PcmRing.restart() counts from 0 again; bad sizes and odd writes are refused", () => {
  const ring = new PcmRing({ samples: 8 });
  ring.write(floatToPcm16(new Float32Array([0.5, -0.5])));
  deepEqual([...ring.read(0, 2)], [...pcm16ToFloat(floatToPcm16(new Float32Array([0.5, -0.5])))]);
  ring.restart();
  equal(ring.written, 0);
  equal(ring.read(0, 2).length, 0);
  throws(() => new PcmRing({ samples: 0 }), RangeError);
  throws(() => new PcmRing({ samples: 8, maxSamples: 4 }), RangeError);
  throws(() => ring.write(new Uint8Array(3)), /odd length/);
});
