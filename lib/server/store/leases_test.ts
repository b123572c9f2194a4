import { equal, match, notEqual, ok, rejects, throws } from "node:assert/strict";
import { openStore } from "./kv.ts";
import { type Lease, LeaseStore } from "./leases.ts";
import { readKvRow } from "./_kv_file_rows.ts";

/** A clock the test moves by hand, shared by the "instances" of one test. */
function manualClock(start = 1_800_000_000_000) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("LeaseStore.acquire() gives max leases per client, then null; release frees a slot", async () => {
  using kv = await openStore(":memory:");
  const store = new LeaseStore(kv);
  const leases: Lease[] = [];
  for (let i = 0; i < 3; i++) {
    const lease = await store.acquire("198.51.100.7", `s${i}`, 3);
    ok(lease !== null, `lease ${i}`);
    leases.push(lease);
  }
  equal(await store.acquire("198.51.100.7", "s3", 3), null);
  ok(await store.acquire("198.51.100.8", "other-client", 3), "other clients are counted apart");
  equal(await store.count("198.51.100.7"), 3);
  await leases[1].release();
  equal(leases[1].released, true);
  equal(await store.count("198.51.100.7"), 2);
  ok(await store.acquire("198.51.100.7", "s3", 3));
  equal(await store.acquire("198.51.100.7", "s4", 3), null);
});

Deno.test("LeaseStore.acquire() of a session id the client holds renews it, not a second slot", async () => {
  using kv = await openStore(":memory:");
  const clock = manualClock();
  const store = new LeaseStore(kv, { now: clock.now });
  const first = await store.acquire("c", "same", 2);
  clock.t += 10_000;
  const again = await store.acquire("c", "same", 2);
  equal(await store.count("c"), 1);
  equal(again?.expiresAt, first!.expiresAt + 10_000);
});

Deno.test("LeaseStore: a client's cap counts across two instances on one KV", async () => {
  using kv = await openStore(":memory:");
  const a = new LeaseStore(kv);
  const b = new LeaseStore(kv);
  ok(await a.acquire("client", "on-a-1", 3));
  ok(await b.acquire("client", "on-b-1", 3));
  ok(await a.acquire("client", "on-a-2", 3));
  equal(await b.acquire("client", "on-b-2", 3), null);
  equal(await a.count("client"), 3);
  equal(await b.count("client"), 3);
});

for (const where of [":memory:", "file"]) {
  Deno.test(`LeaseStore: 40 concurrent acquires on two instances (${where} KV) give exactly max`, async () => {
    const path = where === "file" ? await Deno.makeTempFile({ suffix: ".kv" }) : where;
    try {
      using kv = await openStore(path);
      const stores = [new LeaseStore(kv), new LeaseStore(kv)];
      const leases = await Promise.all(
        Array.from({ length: 40 }, (_, i) => stores[i % 2].acquire("busy", `s${i}`, 4)),
      );
      equal(leases.filter((l) => l !== null).length, 4);
      equal(await stores[0].count("busy"), 4);
      // Releasing them all concurrently leaves nothing behind.
      await Promise.all(leases.map((l) => l?.release()));
      equal(await stores[1].count("busy"), 0);
      equal((await kv.get(["leases", "busy"])).value, null, "the empty key is deleted");
    } finally {
      if (where === "file") await Deno.remove(path);
    }
  });
}

Deno.test("LeaseStore: a crashed instance's slots free once its leases lapse (ttlMs)", async () => {
  using kv = await openStore(":memory:");
  const clock = manualClock();
  const crashed = new LeaseStore(kv, { now: clock.now });
  const survivor = new LeaseStore(kv, { now: clock.now });
  equal(crashed.ttlMs, 60_000);
  ok(await crashed.acquire("c", "s1", 2));
  ok(await crashed.acquire("c", "s2", 2));
  // The instance dies: nobody refreshes or releases.
  clock.t += 59_999;
  equal(await survivor.acquire("c", "s3", 2), null, "still held just before the minute");
  clock.t += 1;
  equal(await survivor.count("c"), 0);
  ok(await survivor.acquire("c", "s3", 2), "free a minute after the last refresh");
});

Deno.test("LeaseStore: with the real clock, an unrefreshed lease lapses after ttlMs", async () => {
  using kv = await openStore(":memory:");
  const store = new LeaseStore(kv, { ttlMs: 80 });
  ok(await store.acquire("c", "s1", 1));
  equal(await store.acquire("c", "s2", 1), null);
  await sleep(120);
  ok(await store.acquire("c", "s2", 1));
});

Deno.test("Lease.refresh() keeps a lease alive past ttlMs; a lapsed one reports false", async () => {
  using kv = await openStore(":memory:");
  const clock = manualClock();
  const store = new LeaseStore(kv, { ttlMs: 30_000, now: clock.now });
  equal(store.refreshIntervalMs, 10_000);
  const lease = (await store.acquire("c", "kept", 1))!;
  for (let i = 0; i < 6; i++) {
    clock.t += store.refreshIntervalMs;
    equal(await lease.refresh(), true);
  }
  equal(lease.expiresAt, clock.t + 30_000);
  equal(await store.acquire("c", "other", 1), null, "a minute later it still holds the slot");
  clock.t += 30_000;
  ok(await store.acquire("c", "other", 1), "lapsed, the slot went to another session");
  equal(await lease.refresh(), false);
});

Deno.test("Lease.release() is idempotent and a released lease cannot be refreshed", async () => {
  using kv = await openStore(":memory:");
  const store = new LeaseStore(kv);
  {
    await using lease = (await store.acquire("c", "scoped", 1))!;
    equal(await store.count("c"), 1);
    notEqual(lease.sessionId, "");
  }
  equal(await store.count("c"), 0, "await using released it");
  const lease = (await store.acquire("c", "twice", 1))!;
  await lease.release();
  await lease.release();
  equal(await lease.refresh(), false);
  equal(await store.count("c"), 0);
});

Deno.test("LeaseStore: the client key expires a ttl after its last lease (file KV)", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const kv = await openStore(path);
    const clock = manualClock();
    const store = new LeaseStore(kv, { ttlMs: 10_000, now: clock.now });
    const before = Date.now();
    ok(await store.acquire("203.0.113.9", "s1", 2));
    const after = Date.now();
    kv.close();
    const expiresAt = readKvRow(path, ["leases", "203.0.113.9"])?.expiresAt ?? null;
    ok(expiresAt !== null, "the key expires");
    ok(expiresAt >= before + 20_000 && expiresAt <= after + 20_000, String(expiresAt));
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("LeaseStore: contention past maxAttempts is an error naming what to do", async () => {
  using kv = await openStore(":memory:");
  const store = new LeaseStore(kv, { maxAttempts: 1 });
  // All ten read the same version before any writes: one wins, the rest run out of attempts.
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) => store.acquire("c", `s${i}`, 10)),
  );
  const won = results.filter((r) => r.status === "fulfilled" && r.value !== null).length;
  ok(won >= 1);
  equal(await store.count("c"), won);
  for (const r of results) {
    if (r.status === "rejected") {
      match(r.reason.message, /^Cannot acquire a session lease: .* 1 attempts in a row; retry$/);
    }
  }
  ok(results.some((r) => r.status === "rejected"), "some ran out of attempts");
});

Deno.test("LeaseStore refuses bad arguments and reports a failed store", async () => {
  const kv = await openStore(":memory:");
  const store = new LeaseStore(kv);
  throws(() => new LeaseStore(kv, { ttlMs: 0 }), RangeError);
  throws(() => new LeaseStore(kv, { maxAttempts: 0 }), RangeError);
  await rejects(store.acquire("", "s", 1), TypeError);
  await rejects(store.acquire("c", "", 1), TypeError);
  await rejects(store.acquire("c", "s", 0), RangeError);
  await rejects(store.acquire("c", "s", 1.5), RangeError);
  kv.close();
  await rejects(
    store.acquire("c", "s", 1),
    /^Error: Cannot acquire a session lease: the KV store failed \(.+\); refuse the session/,
  );
});
