/**
 * The shared store wired in, with real sockets and a real KV (`:memory:` and a KV Connect server
 * that stops answering): tickets and session caps across two app instances on one KV, access
 * codes, budgets at ticket time, the store failing (new sessions 503, a running one goes on,
 * `/healthz` degraded), and `METRICS_TOKEN`.
 */
import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { openStore } from "@/lib/server/store/kv.ts";
import { startFakeKvConnect } from "@/lib/server/store/_kv_connect_fake.ts";
import { startTestServer } from "@/testing/server.ts";
import { relayUrl, TestClient, tryOpenRelay } from "@/testing/ws_client.ts";

const SHARED = { RELAY_SECRET: "a-secret-both-instances-share-0123456789" };

async function post(url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { res, json: text ? JSON.parse(text) : null };
}

Deno.test("two instances on one KV: a ticket used on A is refused on B, and a client's session cap counts across both", async () => {
  using kv = await openStore(":memory:");
  const env = { ...SHARED, MAX_SESSIONS_PER_CLIENT: "2" };
  await using a = await startTestServer(env, { kv });
  await using b = await startTestServer(env, { kv });

  const url = await relayUrl(a.url);
  const first = await TestClient.connect(url);
  await first.next("session.updated");
  const replay = url.replace(a.url.replace(/^http/, "ws"), b.url.replace(/^http/, "ws"));
  await rejects(TestClient.connect(replay), /401/);

  // A ticket issued on A opens a session on B: the second of the client's two.
  const second = await TestClient.connect(
    (await relayUrl(a.url)).replace(a.url.replace(/^http/, "ws"), b.url.replace(/^http/, "ws")),
  );
  await second.next("session.updated");
  equal(await tryOpenRelay(a.url), "HTTP 429");
  equal(await tryOpenRelay(b.url), "HTTP 429");
  equal(await a.state.store.leases.count("addr:127.0.0.1"), 2);

  await first.close();
  // The slot frees once A has released the lease.
  for (let i = 0; i < 100 && await a.state.store.leases.count("addr:127.0.0.1") > 1; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  equal(await tryOpenRelay(b.url), "opened");
  await second.close();
});

Deno.test("access codes: 401 access_required without the cookie, 204 and a cookie for the right code, then tickets; wrong codes 401, the 6th try in a minute 429", async () => {
  await using server = await startTestServer({ ACCESS_CODES: "open-sesame,other" });
  const refused = await post(`${server.url}/api/session`);
  equal(refused.res.status, 401);
  equal(refused.json.code, "access_required");
  equal(await tryOpenRelay(server.url), "HTTP 401");

  const wrong = await post(`${server.url}/api/access`, { code: "guess" });
  equal(wrong.res.status, 401);
  const right = await post(`${server.url}/api/access`, { code: "open-sesame" });
  equal(right.res.status, 204);
  const cookie = right.res.headers.get("set-cookie")!.split(";")[0];
  match(cookie, /^coach_access=/);

  const ticket = await post(`${server.url}/api/session`, undefined, { cookie });
  equal(ticket.res.status, 200);
  const client = await TestClient.connect(await relayUrl(server.url, { cookie }));
  await client.next("session.updated");
  await client.close();
  // The holder is the client: its lease was taken under `holder:…`.
  const holderTicket = ticket.json.ticket.split(".")[0];
  const claims = JSON.parse(
    new TextDecoder().decode(Uint8Array.fromBase64(holderTicket, { alphabet: "base64url" })),
  );
  match(claims.c, /^holder:/);

  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    statuses.push((await post(`${server.url}/api/access`, { code: `nope-${i}` })).res.status);
  }
  deepEqual(statuses, [401, 401, 401, 429]);
});

Deno.test("budget: a client whose day is spent gets 429 relay_budget_exhausted with retry-after and the reset time, on every instance", async () => {
  using kv = await openStore(":memory:");
  const env = { ...SHARED, DAILY_MINUTES_PER_CLIENT: "0.5" };
  await using a = await startTestServer(env, { kv });
  await using b = await startTestServer(env, { kv });
  equal((await post(`${a.url}/api/session`)).res.status, 200);
  await a.state.store.budgets.spend("addr:127.0.0.1", 30);
  for (const server of [a, b]) {
    const { res, json } = await post(`${server.url}/api/session`);
    equal(res.status, 429);
    equal(json.code, "relay_budget_exhausted");
    const resetsAt = Date.parse(json.resetsAt);
    equal(new Date(resetsAt).getUTCHours(), 0);
    ok(resetsAt > Date.now() && resetsAt <= Date.now() + 86_400_000);
    const retryAfter = Number(res.headers.get("retry-after"));
    ok(retryAfter >= 1 && Math.abs(retryAfter * 1000 - (resetsAt - Date.now())) < 5000);
    ok(json.error.includes(json.resetsAt), json.error);
  }
});

Deno.test("the store failing: new sessions 503 with retry-after, a running session goes on, /healthz says degraded", async () => {
  const kv = await openStore(":memory:");
  await using server = await startTestServer({}, { kv });
  equal((await (await fetch(`${server.url}/healthz`)).json()).store, "ok");
  const client = await TestClient.connect(await relayUrl(server.url));
  await client.next("session.updated");
  const spare = await relayUrl(server.url); // a ticket got before the store failed

  kv.close();
  const ticket = await post(`${server.url}/api/session`);
  equal(ticket.res.status, 503);
  equal(ticket.res.headers.get("retry-after"), "2");
  match(ticket.json.error, /the shared store is unreachable; try again shortly/);
  await rejects(TestClient.connect(spare), /503/);

  client.append(new Uint8Array(960));
  await client.sync(); // the session still relays
  equal(
    client.received.filter((e) => e.type === "error" && e.error?.code !== "item_sync").length,
    0,
  );
  const health = await (await fetch(`${server.url}/healthz`)).json();
  equal(health.store, "degraded");
  equal(health.status, "degraded");
  await client.close();
});

Deno.test("a KV Connect store that stops answering: tickets 503 within the call timeout, /healthz degraded", async () => {
  await using fake = startFakeKvConnect();
  const before = Deno.env.get("DENO_KV_ACCESS_TOKEN");
  Deno.env.set("DENO_KV_ACCESS_TOKEN", "test-token-for-the-fake");
  try {
    await using server = await startTestServer({ KV_PATH: fake.url });
    const started = performance.now();
    const { res, json } = await post(`${server.url}/api/session`);
    equal(res.status, 503);
    ok(res.headers.get("retry-after"));
    equal(json.code, "store_unavailable");
    ok(performance.now() - started >= 2900, "it waited for the store's answer first");
    const health = await (await fetch(`${server.url}/healthz`)).json();
    equal(health.store, "degraded");
    equal(health.status, "degraded");
    fake.release(); // held calls fail (400) and Deno's client stops retrying
  } finally {
    if (before === undefined) Deno.env.delete("DENO_KV_ACCESS_TOKEN");
    else Deno.env.set("DENO_KV_ACCESS_TOKEN", before);
  }
});

Deno.test("METRICS_TOKEN: /metrics answers 401 without the bearer or with a wrong one, 200 with it", async () => {
  await using server = await startTestServer({ METRICS_TOKEN: "metrics-token-xyz" });
  const none = await fetch(`${server.url}/metrics`);
  await none.body?.cancel();
  equal(none.status, 401);
  const wrong = await fetch(`${server.url}/metrics`, {
    headers: { authorization: "Bearer metrics-token-xy" },
  });
  await wrong.body?.cancel();
  equal(wrong.status, 401);
  const right = await fetch(`${server.url}/metrics`, {
    headers: { authorization: "Bearer metrics-token-xyz" },
  });
  equal(right.status, 200);
  match(await right.text(), /relay_sessions/);
  await using open = await startTestServer();
  const plain = await fetch(`${open.url}/metrics`);
  await plain.body?.cancel();
  equal(plain.status, 200);
});
