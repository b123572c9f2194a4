import { deepEqual, equal, match, ok } from "node:assert/strict";
import { GA_USAGE as USAGE } from "@/testing/ga_sequences.ts";
import { createLogger } from "./log.ts";
import { RelayMetrics } from "./metrics.ts";
import { DEFAULT_PRICE_TABLE } from "./prices.ts";
import {
  type BudgetNotice,
  SessionAccounting,
  type SessionAccountingOptions,
  usageOfResponseDone,
} from "./relay_accounting.ts";
import { openStore } from "./store/kv.ts";
import { BudgetStore } from "./store/budgets.ts";
import { UsageStore } from "./store/usage.ts";

/** 2026-12-06 18:48:00 UTC: 5 h 12 min before the budget resets. */
const EVENING = Date.UTC(2026, 11, 6, 18, 48);

/** A series' value in Prometheus text. */
function metric(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : NaN;
}

/** A store that fails on demand (the real one underneath). */
class FlakyBudgets extends BudgetStore {
  fail = false;
  hang = false;
  spends: number[] = [];
  override spend(client: string, seconds: number): Promise<void> {
    if (this.hang) return new Promise(() => {});
    if (this.fail) return Promise.reject(new Error("Cannot spend: the KV store failed (test)"));
    this.spends.push(seconds);
    return super.spend(client, seconds);
  }
}

async function setUp(minutes: number | null, options: Partial<SessionAccountingOptions> = {}) {
  const kv = await openStore(":memory:");
  const clock = { t: EVENING, now: () => clock.t };
  const budgets = new FlakyBudgets(kv, { now: clock.now, perClientMinutes: minutes });
  const usage = new UsageStore(kv, { now: clock.now });
  const metrics = new RelayMetrics();
  const logs: string[] = [];
  const accounting = new SessionAccounting({
    client: "addr:127.0.0.1",
    budgets,
    usage,
    priceTable: DEFAULT_PRICE_TABLE,
    metrics,
    log: createLogger("debug", { sink: (line) => logs.push(line) }),
    now: clock.now,
    ...options,
  });
  return { kv, clock, budgets, usage, metrics, logs, accounting };
}

Deno.test("SessionAccounting warns once with seconds_left, then ends with when the budget resets", async () => {
  const { kv, clock, accounting } = await setUp(10 / 60); // 10 s a day
  using _ = kv;
  await accounting.start();
  equal(accounting.secondsLeft(clock.t), 10);
  deepEqual(accounting.tick(clock.t), {
    type: "warn",
    text: '{"type":"relay.budget","seconds_left":10}',
  });
  clock.t += 4000;
  equal(accounting.tick(clock.t), null);
  clock.t += 6000;
  const end = accounting.tick(clock.t) as Extract<BudgetNotice, { type: "exhausted" }>;
  equal(end.type, "exhausted");
  equal(end.error.error.code, "relay_budget_exhausted");
  match(end.error.error.message, /resets at 00:00 UTC, in 5 h 12 min/);
  match(end.reason, /resets at 00:00 UTC, in 5 h 12 min/);
  equal(accounting.tick(clock.t + 1000), null);
  await accounting.close();
});

Deno.test("SessionAccounting writes the time spent every flush interval and re-reads what is left", async () => {
  const { kv, clock, budgets, accounting } = await setUp(60);
  using _ = kv;
  await accounting.start();
  clock.t += 4000;
  accounting.tick(clock.t);
  await accounting.settled();
  deepEqual(budgets.spends, [], "nothing written before the interval");
  clock.t += 1000;
  accounting.tick(clock.t);
  await accounting.settled();
  deepEqual(budgets.spends, [5]);
  equal((await budgets.remaining("addr:127.0.0.1")).client, 3595);
  // Another session of the same client, on another instance of the same store, spends 50 min:
  // this one learns it at its next flush.
  await new BudgetStore(kv, { now: clock.now }).spend("addr:127.0.0.1", 3000);
  clock.t += 5000;
  accounting.tick(clock.t);
  await accounting.settled();
  equal(accounting.secondsLeft(clock.t), 590);
  await accounting.close();
  equal((await budgets.remaining("addr:127.0.0.1")).client, 590);
});

Deno.test("SessionAccounting keeps the seconds of a failed write for the next one", async () => {
  const { kv, clock, budgets, logs, accounting } = await setUp(60);
  using _ = kv;
  await accounting.start();
  budgets.fail = true;
  clock.t += 5000;
  accounting.tick(clock.t);
  await accounting.settled();
  ok(logs.some((l) => l.includes("writing the time spent failed")), logs.join("\n"));
  budgets.fail = false;
  clock.t += 5000;
  accounting.tick(clock.t);
  await accounting.settled();
  deepEqual(budgets.spends, [10]);
  equal((await budgets.remaining("addr:127.0.0.1")).client, 3590);
  await accounting.close();
});

Deno.test("SessionAccounting.onResponseDone() returns relay.usage, counts /metrics, writes the tokens", async () => {
  const { kv, clock, usage, metrics, budgets, accounting } = await setUp(60);
  using _ = kv;
  await accounting.start();
  clock.t += 2000;
  const first = JSON.parse(accounting.onResponseDone(USAGE));
  equal(first.type, "relay.usage");
  equal(first.responses, 1);
  equal(first.session_seconds, 2);
  deepEqual(first.tokens, {
    input_text: 7,
    input_audio: 80,
    input_cached: 20,
    output_text: 20,
    output_audio: 40,
    total: 167,
  });
  // 7×4 + 80×32 + 20×0.4 + 20×16 + 40×64 dollars per million.
  equal(first.estimated_cost_usd, 0.005476);
  deepEqual(first.price_table, { model: "gpt-realtime", taken_on: "2025-08-28" });
  const second = JSON.parse(accounting.onResponseDone(USAGE));
  equal(second.tokens.output_audio, 80);
  const text = await metrics.text();
  equal(metric(text, 'relay_usage_tokens_total{kind="output_audio"}'), 80);
  equal(metric(text, 'relay_usage_tokens_total{kind="input_cached_audio"}'), 40);
  await accounting.settled();
  const totals = await usage.totals("addr:127.0.0.1");
  equal(totals.output_audio, 80);
  equal(totals.input_audio, 160);
  // The turn end wrote the time too.
  equal(budgets.spends[0], 2);
  await accounting.close();
});

Deno.test("SessionAccounting.close() writes the rest, and waits at most storeTimeoutMs", async () => {
  const { kv, clock, usage, budgets, logs, accounting } = await setUp(60, { storeTimeoutMs: 50 });
  using _ = kv;
  await accounting.start();
  clock.t += 3000;
  await accounting.close();
  equal((await budgets.remaining("addr:127.0.0.1")).client, 3597);
  equal(accounting.tick(clock.t + 60_000), null, "a closed session reports nothing");

  const hung = new SessionAccounting({
    client: "addr:127.0.0.2",
    budgets,
    usage,
    priceTable: DEFAULT_PRICE_TABLE,
    metrics: new RelayMetrics(),
    log: createLogger("debug", { sink: (line) => logs.push(line) }),
    now: clock.now,
    storeTimeoutMs: 50,
  });
  budgets.hang = true;
  clock.t += 7000;
  await hung.close();
  ok(logs.some((l) => l.includes("last time and tokens were not written")), logs.join("\n"));
});

Deno.test("SessionAccounting goes on unlimited when the budget cannot be read at the start", async () => {
  const { kv, clock, logs, accounting } = await setUp(0.05, { storeTimeoutMs: 50 });
  kv.close();
  await accounting.start();
  ok(logs.some((l) => l.includes("reading the budget failed")), logs.join("\n"));
  equal(accounting.secondsLeft(clock.t), null);
  equal(accounting.tick(clock.t + 10_000), null);
  await accounting.close();
});

Deno.test("usageOfResponseDone() reads response.usage, whatever the event holds", () => {
  deepEqual(usageOfResponseDone({ response: { usage: USAGE } }), USAGE);
  equal(usageOfResponseDone({}), undefined);
  equal(usageOfResponseDone({ response: null }), undefined);
  equal(usageOfResponseDone({ response: "x" }), undefined);
});
