import { equal, throws } from "node:assert/strict";
import { TokenBucket } from "./token_bucket.ts";

function clock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

Deno.test("TokenBucket allows a burst of capacity, then the refill rate", () => {
  const c = clock();
  const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 10 / 60, now: c.now });
  for (let i = 0; i < 5; i++) equal(bucket.take(), true, `take ${i}`);
  equal(bucket.take(), false);
  equal(Math.round(bucket.waitMs()), 6000);
  c.t = 5999;
  equal(bucket.take(), false);
  c.t = 6000;
  equal(bucket.take(), true);
  equal(bucket.take(), false);
});

Deno.test("TokenBucket never holds more than its capacity however long it idles", () => {
  const c = clock();
  const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 1, now: c.now });
  c.t = 1e9;
  equal(bucket.tokens, 3);
  equal(bucket.take(3), true);
  equal(bucket.take(0.5), false);
});

Deno.test("TokenBucket takes costs in other units (ms of audio)", () => {
  const c = clock();
  // 2x real time: 2000 ms of audio per second, 5 s of audio at once.
  const bucket = new TokenBucket({ capacity: 5000, refillPerSecond: 2000, now: c.now });
  let sent = 0;
  for (let i = 0; i < 1000 && bucket.take(20); i++) sent += 20;
  equal(sent, 5000);
  c.t = 1000;
  sent = 0;
  while (bucket.take(20)) sent += 20;
  equal(sent, 2000);
});

Deno.test("TokenBucket refuses non-positive settings", () => {
  throws(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 }), RangeError);
  throws(() => new TokenBucket({ capacity: 1, refillPerSecond: -1 }), RangeError);
});

Deno.test("TokenBucket.spend() lets one cost larger than the capacity through, then waits out the debt", () => {
  const c = clock();
  const bucket = new TokenBucket({ capacity: 5000, refillPerSecond: 2000, now: c.now });
  equal(bucket.spend(65_000), true);
  equal(bucket.spend(20), false);
  c.t = 29_999;
  equal(bucket.spend(20), false);
  c.t = 30_001;
  equal(bucket.spend(20), true);
});
