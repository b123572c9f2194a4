import assert from "node:assert/strict";
import { type HostNoise, hostNoise, noiseLine, wakeupLateness, WakeupProbe } from "./_noise.ts";

Deno.test("hostNoise() spins the threads it is asked for, for as long, and sums what they lost", async () => {
  const started = performance.now();
  const noise = await hostNoise(300, 2);
  const took = performance.now() - started;
  assert.equal(noise.threads, 2);
  assert.equal(noise.ms, 300);
  assert.ok(took >= 300, `took ${took} ms`);
  assert.ok(noise.lostPercent >= 0 && noise.lostPercent < 100, `${noise.lostPercent} %`);
  assert.ok(noise.pausesOver1msPerSecond >= 0);
  // No pause outlasts the whole measurement.
  assert.ok(noise.longestMs >= 0 && noise.longestMs <= took, `${noise.longestMs} ms`);
});

Deno.test("noiseLine() puts each figure before and after the run side by side", () => {
  const before: HostNoise = {
    threads: 2,
    ms: 2000,
    lostPercent: 0.5,
    pausesOver1msPerSecond: 2,
    longestMs: 3.25,
  };
  const after: HostNoise = { ...before, lostPercent: 1.234, longestMs: 9 };
  const line = noiseLine(before, after);
  assert.match(line, /for 2 s, before \/ after the run/);
  assert.match(line, /0\.50 \/ 1\.23 % of their time lost/);
  assert.match(line, /2\.0 \/ 2\.0 pauses over 1 ms/);
  assert.match(line, /longest 3\.3 \/ 9\.0 ms/);
});

Deno.test("WakeupProbe counts about one wake-up per ms and reports lateness per window", async () => {
  const probe = await WakeupProbe.start();
  try {
    const close = probe.window();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const window = close();
    const lateness = wakeupLateness([window]);
    // 1 ms naps plus the time to wake: fewer than 300, but far more than none.
    assert.ok(lateness.wakeups > 50 && lateness.wakeups <= 300, `${lateness.wakeups} wake-ups`);
    assert.ok(lateness.p99Ms >= 0 && lateness.p99Ms <= lateness.maxMs, JSON.stringify(lateness));
    // Windows merge: twice the same window has twice the wake-ups and the same worst case.
    const twice = wakeupLateness([window, window]);
    assert.equal(twice.wakeups, 2 * lateness.wakeups);
    assert.equal(twice.maxMs, lateness.maxMs);
  } finally {
    await probe.stop();
  }
});

Deno.test("wakeupLateness() reads p99 from the buckets and never above the worst wake-up", () => {
  const counts = new Int32Array(1000);
  counts[0] = 990; // 0–50 µs late
  counts[40] = 10; // 2.00–2.05 ms late
  assert.deepEqual(wakeupLateness([{ counts, maxUs: 2030 }]), {
    wakeups: 1000,
    p99Ms: 0.05,
    maxMs: 2.03,
  });
  counts[0] = 980;
  counts[40] = 20;
  assert.equal(wakeupLateness([{ counts, maxUs: 2030 }]).p99Ms, 2.03);
  assert.deepEqual(wakeupLateness([]), { wakeups: 0, p99Ms: 0, maxMs: 0 });
});
