import assert from "node:assert/strict";
import { type HostNoise, hostNoise, noiseLine } from "./_bench_noise.ts";

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
