import { deepEqual, equal, throws } from "node:assert/strict";
import fc from "fast-check";
import { floatToPcm16, floatToPcm16Into, pcm16ToFloat, pcm16ToFloatInto } from "./pcm16.ts";

function le(values: number[]): number[] {
  return values.flatMap((v) => [v & 0xff, (v >> 8) & 0xff]);
}

Deno.test("floatToPcm16() packs a vector table little-endian, clamped", () => {
  const table: [number, number][] = [
    [0, 0],
    [-0, 0],
    [1, 32767],
    [-1, -32768],
    [0.5, 16384],
    [-0.5, -16384],
    [1 / 32768, 1],
    [2, 32767],
    [-7, -32768],
    [Infinity, 32767],
    [-Infinity, -32768],
    [NaN, 0],
  ];
  const bytes = floatToPcm16(Float32Array.from(table.map(([f]) => f)));
  deepEqual([...bytes], le(table.map(([, p]) => p)));
});

Deno.test("pcm16ToFloat() reads little-endian bytes, also from odd offsets", () => {
  const bytes = Uint8Array.from([0x00, 0x80, 0xff, 0x7f, 0x01, 0x00]);
  deepEqual([...pcm16ToFloat(bytes)], [-1, 32767 / 32768, 1 / 32768]);
  const shifted = new Uint8Array(7);
  shifted.set(bytes, 1);
  deepEqual([...pcm16ToFloat(shifted.subarray(1))], [-1, 32767 / 32768, 1 / 32768]);
});

Deno.test("pcm16ToFloat() rejects an odd byte count", () => {
  throws(() => pcm16ToFloat(new Uint8Array(3)), RangeError);
});

Deno.test("floatToPcm16Into() and pcm16ToFloatInto() check their output size", () => {
  throws(() => floatToPcm16Into(new Float32Array(4), new Int16Array(3)), RangeError);
  throws(() => pcm16ToFloatInto(new Uint8Array(8), new Float32Array(3)), RangeError);
});

Deno.test("every PCM16 value survives PCM16 → float → PCM16", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 512 }), (ints) => {
      const bytes = new Uint8Array(Int16Array.from(ints).buffer);
      deepEqual(floatToPcm16(pcm16ToFloat(bytes)), bytes);
    }),
  );
});

Deno.test("float → PCM16 → float errs by at most half a step inside [-1, 1]", () => {
  fc.assert(
    fc.property(fc.float({ min: -1, max: Math.fround(32767 / 32768), noNaN: true }), (f) => {
      const back = pcm16ToFloat(floatToPcm16(Float32Array.of(f)))[0];
      equal(Math.abs(back - f) <= 0.5 / 32768 + 1e-9, true);
    }),
  );
});
