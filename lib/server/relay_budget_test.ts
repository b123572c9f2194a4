/**
 * Budgets and usage through the relay, over real sockets, a real KV store (`:memory:` and a
 * file) and a scripted upstream that answers `response.create` with a `response.done` carrying
 * a GA `usage` object: `relay.usage` after each response, `/metrics` token counts, usage in KV
 * per client, the budget's warning and end (4008), spent time across a restart, and one budget
 * across two app instances on one store.
 */
import { equal, match, ok } from "node:assert/strict";
import { GA_USAGE as USAGE } from "@/testing/ga_sequences.ts";
import { openRelaySession, relayEnv } from "@/testing/relay_session.ts";
import { metric, readMetrics, startTestServer } from "@/testing/server.ts";
import { tempDir } from "@/testing/temp_dir.ts";
import { ScriptedUpstream } from "@/testing/upstream.ts";
import { sleep } from "@/testing/wait.ts";
import { openStore } from "./store/kv.ts";

const KEY = "sk-test-BUDGETKEY0123456789abcdef";
/** The tests' browser, as the relay names its client (no access codes: its address). */
const CLIENT = "addr:127.0.0.1";

/** An upstream whose every response is done at once, with {@linkcode USAGE}. */
function answeringUpstream(): Promise<ScriptedUpstream> {
  return ScriptedUpstream.start({
    onEvent(event, connection) {
      if (event.type !== "response.create") return;
      connection.send({
        type: "response.done",
        event_id: `event_${crypto.randomUUID()}`,
        response: { object: "realtime.response", status: "completed", output: [], usage: USAGE },
      });
    },
  });
}

/** Polls `read` until `done(value)`, for writes the relay makes in the background. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const start = performance.now();
  for (;;) {
    const value = await read();
    if (done(value) || performance.now() - start > 5000) return value;
    await sleep(20);
  }
}

Deno.test("relay budget: relay.usage after each response, /metrics tokens by kind, usage in KV", async () => {
  await using upstream = await answeringUpstream();
  await using server = await startTestServer(relayEnv(upstream, KEY));
  const { client } = await openRelaySession(server.url, upstream);
  client.send({ type: "response.create" });
  await client.next("response.done");
  const first = await client.next("relay.usage");
  equal(first.responses, 1);
  equal(first.tokens.output_audio, 40);
  equal(first.tokens.input_audio, 80);
  equal(first.tokens.input_cached, 20);
  equal(first.tokens.total, 167);
  // 7×4 + 80×32 + 20×0.4 + 20×16 + 40×64 dollars per million tokens.
  equal(first.estimated_cost_usd, 0.005476);
  equal(first.price_table.model, "gpt-realtime");
  client.send({ type: "response.create" });
  await client.next("response.done");
  const second = await client.next("relay.usage");
  equal(second.responses, 2);
  equal(second.tokens.output_audio, 80);
  equal(second.estimated_cost_usd, 0.010952);
  const text = await readMetrics(server.url);
  equal(metric(text, 'relay_usage_tokens_total{kind="output_audio"}'), 80);
  equal(metric(text, 'relay_usage_tokens_total{kind="input_cached_audio"}'), 40);
  const totals = await eventually(
    () => server.state.store.usage.totals(CLIENT),
    (t) => t.output_audio === 80,
  );
  equal(totals.output_audio, 80);
  equal(totals.input_audio, 160);
  equal(totals.output_text, 40);
  await client.close();
});

Deno.test("relay budget: a 3 s budget warns at once, then ends the session with 4008 and when it resets", async () => {
  await using upstream = await answeringUpstream();
  await using server = await startTestServer(
    relayEnv(upstream, KEY, { DAILY_MINUTES_PER_CLIENT: "0.05" }),
  );
  const { client } = await openRelaySession(server.url, upstream);
  const warning = await client.next("relay.budget", 2000);
  ok(warning.seconds_left > 0 && warning.seconds_left <= 3, JSON.stringify(warning));
  const end = await client.next("error", 6000);
  equal(end.error.code, "relay_budget_exhausted");
  match(end.error.message, /resets at 00:00 UTC, in (\d+ h( \d+ min)?|\d+ min)/);
  const closed = await client.closed;
  equal(closed.code, 4008);
  match(closed.reason, /resets at 00:00 UTC/);
  equal(client.counts.get("relay.budget"), 1, "one warning");
  const text = await readMetrics(server.url);
  equal(metric(text, 'relay_errors_total{source="relay",code="relay_budget_exhausted"}'), 1);
  // The whole budget is spent in the store (what it writes when the session ends).
  const left = await eventually(
    () => server.state.store.budgets.remaining(CLIENT),
    (l) => l.client === 0,
  );
  equal(left.client, 0);
});

Deno.test("relay budget: time spent survives a restart on the same KV file", async () => {
  await using dir = await tempDir();
  await using upstream = await answeringUpstream();
  const env = relayEnv(upstream, KEY, {
    KV_PATH: `${dir.path}/coach.sqlite3`,
    DAILY_MINUTES_PER_CLIENT: "1",
  });
  {
    await using server = await startTestServer(env);
    const { client } = await openRelaySession(server.url, upstream);
    await sleep(1200);
    await client.close();
  }
  await using again = await startTestServer(env);
  const left = await again.state.store.budgets.remaining(CLIENT);
  ok(left.client !== null && left.client <= 60 - 1.2 && left.client > 50, JSON.stringify(left));
});

Deno.test("relay budget: one budget spans two app instances on one KV", async () => {
  using kv = await openStore(":memory:");
  await using upstream = await answeringUpstream();
  const env = relayEnv(upstream, KEY, { DAILY_MINUTES_PER_CLIENT: "0.1" }); // 6 s
  await using a = await startTestServer(env, { kv });
  await using b = await startTestServer(env, { kv });
  const onA = await openRelaySession(a.url, upstream);
  await onA.client.next("relay.budget", 2000);
  await sleep(3000);
  await onA.client.close();
  // B sees what the session on A spent, and its own session gets only the rest.
  const left = await eventually(
    () => b.state.store.budgets.remaining(CLIENT),
    (l) => l.client !== null && l.client <= 3,
  );
  ok(left.client !== null && left.client <= 3 && left.client > 0, JSON.stringify(left));
  const onB = await openRelaySession(b.url, upstream);
  const warning = await onB.client.next("relay.budget", 2000);
  ok(warning.seconds_left <= 3, JSON.stringify(warning));
  equal((await onB.client.next("error", 5000)).error.code, "relay_budget_exhausted");
  equal((await onB.client.closed).code, 4008);
});
