import { deepEqual, equal, ok, rejects, throws } from "node:assert/strict";
import { openStore } from "./kv.ts";
import { BUDGET_KEY_LIFETIME_MS, BudgetStore, nextUtcMidnight, utcDay } from "./budgets.ts";
import { readKvRow } from "./_kv_file_rows.ts";

/** 2026-11-26 15:00:00 UTC. */
const AFTERNOON = Date.UTC(2026, 10, 26, 15, 0, 0);
const NEXT_MIDNIGHT = Date.UTC(2026, 10, 27);

function clockAt(t: number) {
  const clock = { t, now: () => clock.t };
  return clock;
}

Deno.test("utcDay() and nextUtcMidnight() follow UTC, not the local zone", () => {
  equal(utcDay(AFTERNOON), "2026-11-26");
  equal(utcDay(NEXT_MIDNIGHT - 1), "2026-11-26");
  equal(utcDay(NEXT_MIDNIGHT), "2026-11-27");
  equal(nextUtcMidnight(AFTERNOON), NEXT_MIDNIGHT);
  equal(nextUtcMidnight(NEXT_MIDNIGHT), NEXT_MIDNIGHT + 86_400_000);
});

Deno.test("BudgetStore.remaining(): a fresh day has the full budgets, and when they reset", async () => {
  using kv = await openStore(":memory:");
  const { now } = clockAt(AFTERNOON);
  deepEqual(
    await new BudgetStore(kv, { now }).remaining("c"),
    { client: 3600, total: null, seconds: 3600, resetsAt: NEXT_MIDNIGHT },
  );
  deepEqual(
    await new BudgetStore(kv, { now, perClientMinutes: 0.5, totalMinutes: 120 }).remaining("c"),
    { client: 30, total: 7200, seconds: 30, resetsAt: NEXT_MIDNIGHT },
  );
  deepEqual(
    await new BudgetStore(kv, { now, perClientMinutes: null, totalMinutes: null }).remaining("c"),
    { client: null, total: null, seconds: null, resetsAt: NEXT_MIDNIGHT },
  );
});

Deno.test("BudgetStore.spend() takes from the client's and the service's budgets", async () => {
  using kv = await openStore(":memory:");
  const { now } = clockAt(AFTERNOON);
  const budgets = new BudgetStore(kv, { now, perClientMinutes: 10, totalMinutes: 15 });
  await budgets.spend("alice", 90.25);
  await budgets.spend("bob", 300);
  deepEqual(
    await budgets.remaining("alice"),
    { client: 509.75, total: 509.75, seconds: 509.75, resetsAt: NEXT_MIDNIGHT },
  );
  const bob = await budgets.remaining("bob");
  equal(bob.client, 300);
  equal(bob.total, 509.75);
  equal(bob.seconds, 300);
  await budgets.spend("bob", 1000);
  equal((await budgets.remaining("bob")).client, 0, "never below zero");
  equal((await budgets.remaining("carol")).seconds, 0, "the service's budget is spent for all");
  await budgets.spend("carol", 0);
});

Deno.test("BudgetStore: one budget spans two instances on one KV, under concurrent spends", async () => {
  using kv = await openStore(":memory:");
  const { now } = clockAt(AFTERNOON);
  const a = new BudgetStore(kv, { now, perClientMinutes: 60, totalMinutes: 600 });
  const b = new BudgetStore(kv, { now, perClientMinutes: 60, totalMinutes: 600 });
  const clients = ["c1", "c2", "c3", "c4"];
  // 80 concurrent spends of 1.5 s: 20 per client, half on each instance.
  await Promise.all(
    Array.from({ length: 80 }, (_, i) => (i % 2 ? a : b).spend(clients[i % 4], 1.5)),
  );
  for (const client of clients) {
    equal((await a.remaining(client)).client, 3600 - 30);
    equal((await b.remaining(client)).client, 3600 - 30);
  }
  equal((await a.remaining("c1")).total, 36_000 - 120);
});

Deno.test("BudgetStore: a new UTC day starts afresh", async () => {
  using kv = await openStore(":memory:");
  const clock = clockAt(NEXT_MIDNIGHT - 30_000);
  const budgets = new BudgetStore(kv, { now: clock.now, perClientMinutes: 1, totalMinutes: 2 });
  await budgets.spend("c", 45);
  deepEqual(
    await budgets.remaining("c"),
    { client: 15, total: 75, seconds: 15, resetsAt: NEXT_MIDNIGHT },
  );
  clock.t = NEXT_MIDNIGHT + 10_000;
  deepEqual(
    await budgets.remaining("c"),
    { client: 60, total: 120, seconds: 60, resetsAt: NEXT_MIDNIGHT + 86_400_000 },
  );
});

Deno.test("BudgetStore: spent minutes survive a restart (file KV), and the keys expire", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const clock = clockAt(AFTERNOON);
    const first = await openStore(path);
    // A service counter from two days ago, left by an earlier run.
    await first.atomic().sum(["budget", "2026-11-24", "total"], 5_000n).commit();
    const before = Date.now();
    await new BudgetStore(first, { now: clock.now }).spend("203.0.113.9", 600);
    const after = Date.now();
    first.close();

    using again = await openStore(path);
    const budgets = new BudgetStore(again, { now: clock.now, totalMinutes: 100 });
    deepEqual(
      await budgets.remaining("203.0.113.9"),
      { client: 3000, total: 5400, seconds: 3000, resetsAt: NEXT_MIDNIGHT },
    );
    const clientRow = readKvRow(path, ["budget", "2026-11-26", "client", "203.0.113.9"]);
    const expiresAt = clientRow?.expiresAt ?? null;
    ok(expiresAt !== null, "the client's counter expires");
    ok(
      expiresAt >= before + BUDGET_KEY_LIFETIME_MS && expiresAt <= after + BUDGET_KEY_LIFETIME_MS,
      String(expiresAt),
    );
    ok(readKvRow(path, ["budget", "2026-11-26", "total"]), "today's service counter is there");
    equal(readKvRow(path, ["budget", "2026-11-24", "total"]), null, "two days ago's is deleted");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("BudgetStore refuses bad arguments and reports a failed store", async () => {
  const kv = await openStore(":memory:");
  throws(() => new BudgetStore(kv, { perClientMinutes: 0 }), RangeError);
  throws(() => new BudgetStore(kv, { totalMinutes: -1 }), RangeError);
  throws(() => new BudgetStore(kv, { totalMinutes: Infinity }), RangeError);
  throws(() => new BudgetStore(kv, { maxAttempts: 0 }), RangeError);
  const budgets = new BudgetStore(kv);
  await rejects(budgets.spend("c", -1), RangeError);
  await rejects(budgets.spend("c", Number.NaN), RangeError);
  await rejects(budgets.spend("", 1), TypeError);
  await rejects(budgets.remaining(""), TypeError);
  kv.close();
  await rejects(budgets.remaining("c"), /^Error: Cannot read the budget: the KV store failed/);
  await rejects(budgets.spend("c", 1), /^Error: Cannot spend from the budget: the KV store failed/);
});

Deno.test("Deno KV's sum drops a key's expiry (why client counters are set, not summed)", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const kv = await openStore(path);
    await kv.set(["expiring"], new Deno.KvU64(1n), { expireIn: 60_000 });
    await kv.set(["summed"], new Deno.KvU64(1n), { expireIn: 60_000 });
    await kv.atomic().sum(["summed"], 1n).commit();
    kv.close();
    ok(readKvRow(path, ["expiring"])?.expiresAt, "set with expireIn expires");
    deepEqual(readKvRow(path, ["summed"]), { expiresAt: null }, "summed, it never expires");
  } finally {
    await Deno.remove(path);
  }
});
