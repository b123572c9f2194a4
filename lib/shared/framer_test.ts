import { deepEqual, equal, throws } from "node:assert/strict";
import fc from "fast-check";
import { Framer } from "./framer.ts";

Deno.test("Framer emits exact 960-byte frames and keeps the remainder", () => {
  const framer = new Framer();
  equal(framer.push(new Uint8Array(500)).length, 0);
  equal(framer.pending, 500);
  const frames = framer.push(new Uint8Array(1500).fill(7));
  deepEqual(frames.map((f) => f.length), [960, 960]);
  equal(framer.pending, 80);
  equal(framer.push(new Uint8Array(880)).length, 1);
  equal(framer.pending, 0);
});

Deno.test("Framer frames own their buffers and keep byte order across pushes", () => {
  const framer = new Framer(4);
  const frames = [
    ...framer.push(Uint8Array.of(1, 2, 3)),
    ...framer.push(Uint8Array.of(4, 5, 6, 7, 8, 9)),
  ];
  deepEqual(frames.map((f) => [...f]), [[1, 2, 3, 4], [5, 6, 7, 8]]);
  equal(frames[0].buffer === frames[1].buffer, false);
  equal(frames[0].byteLength, frames[0].buffer.byteLength);
  deepEqual([...framer.flush()], [9]);
  equal(framer.pending, 0);
});

Deno.test("Framer rejects a frame size that is not a positive integer", () => {
  for (const bad of [0, -960, 1.5, NaN]) throws(() => new Framer(bad), RangeError);
});

Deno.test("Framer conserves bytes: concatenated frames + remainder = input, any push sizes", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 20 }),
      fc.integer({ min: 1, max: 1000 }),
      (chunks, frameBytes) => {
        const framer = new Framer(frameBytes);
        const out: number[] = [];
        for (const chunk of chunks) {
          for (const frame of framer.push(chunk)) {
            equal(frame.length, frameBytes);
            out.push(...frame);
          }
        }
        out.push(...framer.flush());
        deepEqual(out, chunks.flatMap((c) => [...c]));
      },
    ),
  );
});
