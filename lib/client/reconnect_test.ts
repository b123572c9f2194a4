import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { isFatal, ReconnectPolicy } from "./reconnect.ts";

const network = { type: "network" } as const;

Deno.test("ReconnectPolicy backs off exponentially within [cap/2, cap], capped at maxMs", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 6, maxLength: 6 }),
      (rolls) => {
        let i = 0;
        const policy = new ReconnectPolicy({
          baseMs: 500,
          maxMs: 8000,
          burst: 6,
          random: () => rolls[i++],
        });
        const caps = [500, 1000, 2000, 4000, 8000, 8000];
        for (const cap of caps) {
          const d = policy.disconnected(0, network);
          ok(d.retry);
          ok(d.delayMs >= cap / 2 && d.delayMs <= cap, `${d.delayMs} outside [${cap / 2}, ${cap}]`);
        }
      },
    ),
  );
});

Deno.test("ReconnectPolicy jitter spreads clients dropped together", () => {
  const delays = new Set<number>();
  for (let k = 0; k < 50; k++) {
    const d = new ReconnectPolicy().disconnected(0, network);
    if (d.retry) delays.add(d.delayMs);
  }
  ok(delays.size > 10, `only ${delays.size} distinct delays`);
});

Deno.test("ReconnectPolicy cools down after a burst of failures, then backs off again", () => {
  const policy = new ReconnectPolicy({ burst: 3, cooldownMs: 30_000, random: () => 1 - 1e-9 });
  const delays = Array.from({ length: 8 }, () => {
    const d = policy.disconnected(0, network);
    return d.retry ? d.delayMs : -1;
  });
  deepEqual(delays, [500, 1000, 2000, 30_000, 8000, 8000, 30_000, 8000]);
});

Deno.test("ReconnectPolicy keeps backing off when connections drop before they are stable", () => {
  const policy = new ReconnectPolicy({ random: () => 0, stableMs: 10_000 });
  let now = 0;
  const delays: number[] = [];
  for (let k = 0; k < 4; k++) {
    policy.connected(now);
    now += 300; // opens, then drops at once: a quota error, say
    const d = policy.disconnected(now, { type: "close", code: 1011 });
    if (d.retry) delays.push(d.delayMs);
  }
  deepEqual(delays, [250, 500, 1000, 2000]);
  policy.connected(now);
  const d = policy.disconnected(now + 10_000, { type: "close", code: 1011 });
  equal(d.retry && d.delayMs, 250);
});

Deno.test("ReconnectPolicy never retries after fatal failures", () => {
  for (
    const cause of [
      { type: "http", status: 401 },
      { type: "http", status: 403 },
      { type: "close", code: 3000 },
      { type: "close", code: 4000 },
      { type: "close", code: 1000 },
      { type: "close", code: 4008 },
      { type: "http", status: 429, code: "relay_budget_exhausted", retryAfterSeconds: 3600 },
    ] as const
  ) {
    equal(isFatal(cause), true);
    const d = new ReconnectPolicy().disconnected(0, cause);
    equal(d.retry, false);
  }
  for (
    const cause of [
      { type: "http", status: 503 },
      { type: "http", status: 429 },
      { type: "http", status: 429, code: "relay_rate_limited", retryAfterSeconds: 5 },
      { type: "close", code: 1001 },
      { type: "close", code: 1006 },
      { type: "close", code: 1011 },
      network,
    ] as const
  ) {
    equal(isFatal(cause), false);
  }
});

Deno.test("ReconnectPolicy hands back the cause of a fatal failure", () => {
  const cause = { type: "close", code: 4008, reason: "budget" } as const;
  const d = new ReconnectPolicy().disconnected(0, cause);
  deepEqual(d, {
    retry: false,
    reason: "the server closed the session (4008: budget)",
    cause,
  });
});

Deno.test("ReconnectPolicy waits at least the server's retry-after on a rate-limited ticket", () => {
  const policy = new ReconnectPolicy({ baseMs: 100, random: () => 0 });
  const limited = { type: "http", status: 429, code: null, retryAfterSeconds: 7 } as const;
  const first = policy.disconnected(0, limited);
  deepEqual(first, { retry: true, delayMs: 7000, attempt: 1 });
  // Without a retry-after the usual backoff applies (attempt 2: cap 200, half of it).
  const second = policy.disconnected(0, { type: "http", status: 429 });
  deepEqual(second, { retry: true, delayMs: 100, attempt: 2 });
  // A retry-after shorter than the backoff does not shorten it.
  const third = policy.disconnected(0, { ...limited, retryAfterSeconds: 0 });
  deepEqual(third, { retry: true, delayMs: 200, attempt: 3 });
});
