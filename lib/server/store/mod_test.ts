import { equal, ok, rejects, throws } from "node:assert/strict";
import { openStore } from "./kv.ts";
import { Store, StoreUnavailableError, storeUnavailableResponse } from "./mod.ts";

Deno.test("Store.timed() passes a result through, and turns a late or failed call into StoreUnavailableError", async () => {
  using kv = await openStore(":memory:");
  const store = Store.of(kv, { callTimeoutMs: 50 });
  equal(await store.timed(Promise.resolve(7), "count"), 7);
  const never = new Promise<never>(() => {});
  await rejects(
    store.timed(never, "redeem the ticket"),
    (error: unknown) =>
      error instanceof StoreUnavailableError &&
      error.message === "Cannot redeem the ticket: the KV store did not answer within 50 ms",
  );
  await rejects(
    store.timed(Promise.reject(new Error("boom")), "read the budget"),
    (error: unknown) =>
      error instanceof StoreUnavailableError && error.message === "Cannot read the budget: boom",
  );
});

Deno.test("Store.health() is ok for an open store, degraded after a failed call until the cache lapses, and after close", async () => {
  using kv = await openStore(":memory:");
  const store = Store.of(kv, { healthTtlMs: 60 });
  equal(await store.health(), "ok");
  await rejects(store.timed(Promise.reject(new Error("x")), "x"));
  equal(await store.health(), "degraded");
  await new Promise((resolve) => setTimeout(resolve, 80));
  equal(await store.health(), "ok");
  store.close();
  equal(await store.health(), "degraded");
  equal((await kv.get(["a"])).value, null, "a handle the caller owns stays open");
});

Deno.test("Store.open() owns its handle: close() closes it; the stores share it", async () => {
  const store = await Store.open(":memory:", { perClientMinutes: 1, totalMinutes: null });
  equal(await store.ledger.redeem("t1", Date.now() + 60_000), "ok");
  ok(await store.leases.acquire("addr:a", "s1", 1));
  equal(store.budgets.perClientSeconds, 60);
  await store.usage.add("addr:a", { input_audio: 5 });
  store.close();
  await rejects(store.kv.get(["a"]));
  throws(() => Store.of(store.kv, { callTimeoutMs: 0 }), RangeError);
});

Deno.test("storeUnavailableResponse() is a 503 with retry-after and the clear message", async () => {
  const res = storeUnavailableResponse("issue a ticket");
  equal(res.status, 503);
  equal(res.headers.get("retry-after"), "2");
  const body = await res.json();
  equal(body.error, "Cannot issue a ticket: the shared store is unreachable; try again shortly");
  equal(body.code, "store_unavailable");
});
