import { deepEqual, equal, ok } from "node:assert/strict";
import { bytesOf, concat, randomBytes } from "./bytes.ts";

Deno.test("concat() joins arrays of one kind into a new array of that kind", () => {
  const bytes = concat([new Uint8Array([1, 2]), new Uint8Array([]), new Uint8Array([3])]);
  ok(bytes instanceof Uint8Array);
  deepEqual([...bytes], [1, 2, 3]);
  const samples = concat([new Int16Array([-1, 2]), new Int16Array([-32768])]);
  ok(samples instanceof Int16Array);
  deepEqual([...samples], [-1, 2, -32768]);
  const floats = concat([new Float32Array([0.5]), new Float32Array([-0.25])]);
  ok(floats instanceof Float32Array);
  deepEqual([...floats], [0.5, -0.25]);
  deepEqual(concat([]), new Uint8Array());
});

Deno.test("randomBytes() fills lengths past one getRandomValues call", () => {
  const bytes = randomBytes(200_000);
  equal(bytes.length, 200_000);
  // The last chunk is filled too: 70,000 zero bytes in a row would be astronomically unlikely.
  ok(bytes.subarray(130_000).some((b) => b !== 0));
  equal(randomBytes(0).length, 0);
});

Deno.test("bytesOf() views the samples' own bytes, little-endian", () => {
  const samples = new Int16Array([0, 0x0102, -1]);
  const bytes = bytesOf(samples.subarray(1));
  deepEqual([...bytes], [0x02, 0x01, 0xff, 0xff]);
  bytes[0] = 0x03;
  equal(samples[1], 0x0103, "a view, not a copy");
});
