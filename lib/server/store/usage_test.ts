import { deepEqual, equal, rejects, throws } from "node:assert/strict";
import { DEFAULT_PRICE_TABLE, estimateCost, zeroTokens } from "../prices.ts";
import { openStore } from "./kv.ts";
import { UsageStore } from "./usage.ts";

/** 2026-11-26 15:00:00 UTC. */
const AFTERNOON = Date.UTC(2026, 10, 26, 15);

Deno.test("UsageStore.add() sums tokens by kind per client, and for the service", async () => {
  using kv = await openStore(":memory:");
  const usage = new UsageStore(kv, { now: () => AFTERNOON });
  deepEqual(await usage.totals("alice"), zeroTokens());
  await usage.add("alice", { input_audio: 1200, output_audio: 800, output_text: 40 });
  await usage.add("alice", { input_audio: 300, input_cached_audio: 500 });
  await usage.add("bob", { input_text: 10, output_audio: 200 });
  await usage.add("bob", {});
  deepEqual(await usage.totals("alice"), {
    ...zeroTokens(),
    input_audio: 1500,
    input_cached_audio: 500,
    output_audio: 800,
    output_text: 40,
  });
  deepEqual(await usage.totals("bob", "2026-11-26"), {
    ...zeroTokens(),
    input_text: 10,
    output_audio: 200,
  });
  const service = await usage.serviceTotals();
  deepEqual(service, {
    ...zeroTokens(),
    input_text: 10,
    input_audio: 1500,
    input_cached_audio: 500,
    output_audio: 1000,
    output_text: 40,
  });
  // 1500 × $32 + 10 × $4 + 500 × $0.40 + 1000 × $64 + 40 × $16, per million
  equal(estimateCost(service, DEFAULT_PRICE_TABLE).toFixed(6), "0.112880");
});

Deno.test("UsageStore keeps each UTC day apart", async () => {
  using kv = await openStore(":memory:");
  const clock = { t: Date.UTC(2026, 10, 26, 23, 59, 59) };
  const usage = new UsageStore(kv, { now: () => clock.t });
  await usage.add("c", { output_audio: 100 });
  clock.t += 2_000;
  await usage.add("c", { output_audio: 7 });
  equal((await usage.totals("c")).output_audio, 7);
  equal((await usage.totals("c", "2026-11-26")).output_audio, 100);
  equal((await usage.serviceTotals("2026-11-27")).output_audio, 7);
});

Deno.test("UsageStore: two instances add to the same totals, concurrently, and a file keeps them", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const now = () => AFTERNOON;
    const kv = await openStore(path);
    const a = new UsageStore(kv, { now });
    const b = new UsageStore(kv, { now });
    await Promise.all(
      Array.from(
        { length: 60 },
        (_, i) => (i % 2 ? a : b).add(i % 3 ? "c1" : "c2", { input_audio: 10, output_audio: 3 }),
      ),
    );
    kv.close();
    using again = await openStore(path);
    const usage = new UsageStore(again, { now });
    deepEqual(await usage.totals("c1"), { ...zeroTokens(), input_audio: 400, output_audio: 120 });
    deepEqual(await usage.totals("c2"), { ...zeroTokens(), input_audio: 200, output_audio: 60 });
    equal((await usage.serviceTotals()).input_audio, 600);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("UsageStore refuses bad arguments and reports a failed store", async () => {
  const kv = await openStore(":memory:");
  const usage = new UsageStore(kv);
  await rejects(usage.add("c", { input_audio: -1 }), RangeError);
  await rejects(usage.add("c", { input_audio: 1.5 }), RangeError);
  await rejects(usage.add("c", { audio: 3 } as never), TypeError);
  await rejects(usage.add("", { input_audio: 1 }), TypeError);
  throws(() => usage.totals("c", "26/11/2026"), TypeError);
  throws(() => usage.serviceTotals("yesterday"), TypeError);
  kv.close();
  await rejects(usage.add("c", { input_audio: 1 }), /^Error: Cannot add token usage: the KV store/);
  await rejects(usage.totals("c"), /^Error: Cannot read token usage: the KV store failed/);
});
