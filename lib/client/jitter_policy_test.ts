import { equal, throws } from "node:assert/strict";
import { JitterPolicy } from "./jitter_policy.ts";

const RATE = 48_000;
const MS = RATE / 1000;

Deno.test("JitterPolicy starts an item once 100 ms is buffered", () => {
  const policy = new JitterPolicy(RATE);
  equal(policy.preRollSamples, 100 * MS);
  equal(policy.preRollMs, 100);
  equal(policy.canStart(0, false), false);
  equal(policy.canStart(100 * MS - 1, false), false);
  equal(policy.canStart(100 * MS, false), true);
});

Deno.test("JitterPolicy starts an ended item at once, but never an empty one", () => {
  const policy = new JitterPolicy(RATE);
  equal(policy.canStart(1, true), true);
  equal(policy.canStart(0, true), false);
});

Deno.test("JitterPolicy grows the pre-roll by 40 ms per underrun, up to 300 ms", () => {
  const policy = new JitterPolicy(RATE);
  equal(policy.underrun(), 1);
  equal(policy.preRollMs, 140);
  equal(policy.canStart(120 * MS, false), false);
  equal(policy.underrun(), 2);
  equal(policy.preRollMs, 180);
  for (let i = 0; i < 10; i++) policy.underrun();
  equal(policy.underruns, 12);
  equal(policy.preRollMs, 300);
});

Deno.test("JitterPolicy shrinks back 10 ms per clean item, never below the start value", () => {
  const policy = new JitterPolicy(RATE);
  policy.underrun();
  policy.drained(false);
  equal(policy.preRollMs, 140, "an item with an underrun does not shrink it");
  policy.drained(true);
  equal(policy.preRollMs, 130);
  for (let i = 0; i < 10; i++) policy.drained(true);
  equal(policy.preRollMs, 100);
});

Deno.test("JitterPolicy takes its durations from options", () => {
  const policy = new JitterPolicy(24_000, { preRollMs: 80, growMs: 20, maxMs: 100 });
  equal(policy.preRollSamples, 1920);
  policy.underrun();
  policy.underrun();
  equal(policy.preRollMs, 100);
});

Deno.test("JitterPolicy rejects bad rates and durations", () => {
  throws(() => new JitterPolicy(0), RangeError);
  throws(() => new JitterPolicy(RATE, { growMs: -1 }), RangeError);
  throws(() => new JitterPolicy(RATE, { preRollMs: NaN }), RangeError);
  throws(() => new JitterPolicy(RATE, { preRollMs: 400, maxMs: 300 }), RangeError);
});
