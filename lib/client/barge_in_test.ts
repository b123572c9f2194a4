import { equal } from "node:assert/strict";
import fc from "fast-check";
import { truncateEndMs } from "./barge_in.ts";

Deno.test("truncateEndMs() subtracts output latency and clamps to what was received", () => {
  const table: [number, number, number, number][] = [
    [1000, 40, 5000, 960],
    [30, 40, 5000, 0],
    [6000, 0, 5000, 5000],
    [1000.9, 0, 5000, 1000],
    [1000, -5, 5000, 1000],
  ];
  for (const [played, latency, received, expected] of table) {
    equal(truncateEndMs(played, latency, received), expected);
  }
});

Deno.test("truncateEndMs() is always an integer in [0, received]", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.double({ min: -100, max: 500, noNaN: true }),
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      (p, l, r) => {
        const v = truncateEndMs(p, l, r);
        equal(Number.isInteger(v), true);
        equal(v >= 0 && v <= r, true);
      },
    ),
  );
});
